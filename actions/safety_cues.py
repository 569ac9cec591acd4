"""The words around the crisis and danger replies: whether the next message is still about the crisis or the
danger, reaching out, the crisis eased, a step back to the blackmail, and whose crisis a helper tells of.
Plain regular expressions over the lowercased text, weighed by actions/reading.py and actions/replies.py.
"""
from __future__ import annotations

import re

# Help called and on its way, after the crisis or the danger reply: what is happening is still going on.
HELP_ON_ITS_WAY_WORDS = (
    r"(rung|rang|called|phoned|calling|ringing|phoning) (999|911|112|an ambulance|the ambulance|the police|them)|"
    r"(sending|sent) (someone|an ambulance|police|officers)|"
    r"(ambulance|police|they|officers)( is| are|'s|'re) (coming|here|on (their|its|the) way)|"
    r"(he|she|they)( is|'s| are|'re) (calling|ringing|phoning) (them|999|the police)|"
    r"on the phone (to|with) (999|911|112|the police|an ambulance|them)|"
    r"^\W*((ok|okay|yes|yeah|yh|right)\W+)?(i'?m |im )?(calling|ringing|phoning)( (them|now|999|an ambulance|the ambulance))?\W*$"
)
HELP_ON_ITS_WAY = re.compile(rf"\b({HELP_ON_ITS_WAY_WORDS})\b")
# Something taken or done to themselves, now: an emergency while no help is on its way ("i took some of my
# mums tablets", "my son has taken an overdose"), not something from the past ("took an overdose last year")
# or a daily dose ("took my antidepressants this morning like always").
HARM_DONE = re.compile(
    r"(\b(i|i'?ve|ive|i have|he|she|they|he'?s|she'?s|he has|she has|they'?ve|they have|(son|daughter|friend|mate|brother|sister|"
    r"boyfriend|girlfriend|partner|husband|wife)( has|'s)?)\s+(just\s+|already\s+)?(took|taken|swallowed|downed|necked)\s+(\w+\s+){0,8}"
    r"(pills|tablets|paracetamol|meds|medication|painkillers|antidepressants|overdose|co-?codamol|ibuprofen|sertraline|insulin)\b(?!\s+(away|off|out of))"
    r"|\b(i|i'?ve|ive|i have|i just|he|she|they|he'?s|she'?s|he has|she has)\s+(just\s+|already\s+)?(overdosed|od'?d|od'?ed)\b"
    r"|\bi (took|have taken|'ve taken|swallowed|necked) the (whole|entire) (packet|box|bottle|strip|pack|lot)\b"
    r"|\b(i'?ve|ive|i have|i|i just) (just )?(cut|burned|burnt|hurt|harmed|stabbed|slit|slashed) (myself|my (arm|arms|wrist|wrists|leg|legs|thigh|thighs))\b)"
    r"(?![^.?!]*\b(last (year|month|week|summer|time)|(years?|months?|weeks?) ago|when (i|he|she|they) (was|were)|in the past|"
    r"like (always|usual|normal)|as (usual|prescribed)|every (day|morning|night)|each (day|morning))\b)"
)
# Straight after the crisis reply, "i already took them": something taken, said of what was mentioned.
TOOK_THEM = re.compile(r"\bi( have|'?ve)? (already |just )?(took|taken|swallowed|necked|had) (them|it|the lot|all of them|some of them|loads|a load)\b")
# Help arranged for an emergency: on its way, at hospital, or someone with them now.
HELP_ARRANGED = re.compile(
    rf"\b({HELP_ON_ITS_WAY_WORDS})\b(?![^.?!]*\b(last (week|month|year|time)|ago|before)\b)"
    r"|\b(at|in|on (my|our|the) way to|taking me to|driving me to) (the )?(hospital|a ?& ?e|a and e|urgent care)\b"
    r"|\b(mum|mom|dad|parents|nan|gran|sister|brother|friend|mate|partner|someone|somebody)( is|'s|'re| are) (here )?(with me|taking me)\b"
    r"|\b(told|woke|woken) (up )?(my )?(mum|mom|dad|parents|nan|gran|sister|brother|partner|flatmate)\b"
    r"|\b(rang|called|calling|ringing) 111\b(?![^.?!]*\b(last (week|month|year|time)|ago|before)\b)"
)
_NEGATED = re.compile(r"\b(not|never|no|haven'?t|havent|hasn'?t|hasnt|won'?t|wont|don'?t|dont|didn'?t|didnt|can'?t|cant|isn'?t|isnt|aren'?t|arent)\b|n't\b")


def help_arranged(text: str) -> bool:
    """Help said to be on its way, and not negated just before ("i haven't told my mum", "im not going to
    the hospital")."""
    return any(not _NEGATED.search(text[max(0, m.start() - 25): m.start()]) for m in HELP_ARRANGED.finditer(text))


# "i havent taken any", "i didnt take them": nothing taken after all (the writer's own words, not "if he
# does not take it down").
NOTHING_TAKEN_WORDS = r"(haven'?t|havent|didn'?t|didnt|not) (taken|take|took) (anything|any|them|it)"
NOTHING_TAKEN = re.compile(
    r"\b(i|i'?ve|ive|i have|i'?m|im)\s+(actually\s+)?(not|never|haven'?t|havent|didn'?t|didnt|did not|have not)\s+(actually\s+)?"
    r"(taken|take|took|swallowed)\s+(anything|any|them|it|one)\b(?!\s+(down|off|away))"
)
# Straight after the crisis reply, words that are still about the crisis ("I haven't taken any, I don't
# know", "he stopped replying", "I've thought about it"), whatever else the message seems to ask.
STILL_IN_CRISIS = re.compile(
    r"^\W*maybe\b|\b(i don'?t know|i dont know|idk|dunno|not sure|i'?ve thought about it|thought about it|just feel like it|"
    r"(not|n'?t) (going|gonna) (to )?do anything|" + NOTHING_TAKEN_WORDS + r"|"
    r"(no one|nobody|noone) knows|(moved|moving|put|putting|hid|hiding|hidden|locked|locking) (them|it|the \w+)( back)? (away|in|out|somewhere|to|back)|"
    r"(they'?re|theyre|it'?s|its) in the (bathroom|kitchen|cabinet|cupboard|drawer|car|garage|shed)|"
    r"(don'?t|dont|do not) want to (ring|call|phone|talk to|speak to) (anyone|anybody|them|someone)|"
    r"i'?m (sat|sitting|alone|on my own|in the car|in my room|in the bathroom|outside)|(means|meant|mean) it|"
    r"stopped (replying|answering)|(not|isn'?t|won'?t) (replying|answering|picking up)|can'?t reach|"
    r"(not|n'?t) (like )?tonight|keep thinking about it|going round in my head|(haven'?t|havent|not) (made|got) (any )?plans?|"
    r"i mean it|not deep|just my (arms|legs|wrists|thighs|skin)|(haven'?t|havent|not) done anything|all the time|"
    r"where (he|she|they) (is|are)|(not|isn'?t) at home|in (his|her|their|my) (bed)?room|"
    r"(parents|mum|mom|dad|everyone|everybody)( is|'s|'re| are)? (all )?asleep|"
    # On the way back from where they were: "ok im walking home".
    r"(walking|going|heading|getting|on my way|making my way) (back )?home|"
    # Someone close by, said while still in crisis ("ok she's downstairs", "she's coming up"), and how the
    # body feels after taking something ("i feel really sleepy").
    r"(mum|mom|dad|nan|parents|she|he|they)( is|'s|'re| are|s)? (downstairs|upstairs|next door|in the next room|in the other room|"
    r"coming up(stairs)?|on (her|his|their) way up)|(feel|feeling|im|i'?m|getting) (really |so |a bit |very )?(sleepy|drowsy|dizzy|faint|sick|weird|numb|tired)|"
    # Whether to call for help now: the crisis reply says 999.
    r"(should|do|can) (i|we) (call|ring|phone) (the police|police|999|an ambulance|ambulance)|"
    + HELP_ON_ITS_WAY_WORDS + r")\b"
    r"|^\W*(like |about |maybe |prob |probably )?\d{1,3}\W*$"
)
# About to reach out, after the crisis reply: "fine i'll text shout", "ok gonna ring samaritans".
REACHING_OUT = re.compile(
    r"\b(i'?ll|ill|i will|gonna|going to|about to|will|i'?m going to|im gonna|let me|lemme|trying to|try(ing)?|i could|i can|i might) "
    r"(text|call|ring|phone|message|msg|try|contact|talk to|speak to) (shout|samaritans|childline|papyrus|them|someone|a helpline|the number|"
    r"my (mum|mom|dad|sister|brother|sis|bro|nan|gran|aunt|auntie|uncle|friend|mate|best friend|partner|girlfriend|boyfriend))\b"
)
# The crisis eased, as a helper or the person says it: "no hes ok hes come out now", "she's calmed down".
CRISIS_EASED = re.compile(
    r"\b(he|she|they|hes|shes|theyre)( is|'s| are|'re)? (ok|okay|fine|alright|safe)( now)?\b(?! (but|though|tho))"
    r"|\b(he|she|they)('s|'ve| has| have)? (come out|calmed down|settled)\b"
)
# Agreeing or thanking in so many words.
AGREES = re.compile(
    r"\b(ok|okay|oki|k|kk|yes|yeah|yea|yep|ye|ya|sure|fine|alright|alr|right|thanks|thank|ty|thx|cheers|will do|i will|"
    r"i'?ll|done|cool|bet|sound|safe|aight|ight|got it|understood|carry on|next|continue|go on|ready|please|pls)\b"
)
# After the crisis or danger reply, asking to go on with the plan, as opposed to agreeing ("ok", "fine").
READY_TO_GO_ON = re.compile(
    r"\b(carry on|carrying on|continue|next|ready|let'?s (go|do (it|this))|go on|what now|what next|now what|"
    r"what do (i|we) do|what should (i|we) do|the plan|steps?|the blackmail|back to|better now|feel(ing)? (a bit )?(better|safer|ok|okay)|"
    r"(i'?m|im|i am|we'?re|we are) (safe|safer)|(he|she|they)( has|'s| have|'ve|s|ve)? (gone|left))\b"
)
# After the danger reply, the danger still going on: "he's still out there", "I'm locked in the bathroom".
STILL_IN_DANGER = re.compile(
    r"\b(still|is|'s|are|'re) (out ?side|out there|downstairs|at (the|my) (door|window)|here|banging|knocking|shouting|waiting|trying)\b"
    r"|\b(door|doors)( is|'s)? locked\b|\blocked (myself |ourselves )?in\b|\b(hiding|hid) (in|under|behind)\b"
    r"|\bin the (bathroom|toilet|loo|bedroom|wardrobe|cupboard)\b|\b(won'?t|wont|will not) (go|leave|stop)\b"
)
# A step back to the blackmail after the crisis reply: what the question or story is about. (Not the police:
# "should I call the police?" during a crisis is about getting help now, which the crisis reply answers.)
ABOUT_THE_BLACKMAIL = re.compile(
    r"\b(pics?|pictures?|photos?|nudes?|video|vid|pay|paid|paying|money|report\w*|block\w*|snap\w*|insta\w*|tiktok|discord|"
    r"whatsapp|account|blackmail\w*|sextort\w*|guy|delet\w*|post\w*|screenshot\w*|evidence|bank|take ?down|remov\w*|chat|group ?chat|gc|"
    r"trouble|illegal|arrest\w*|criminal record|fault|they want|another|paypal|card|gift ?cards?|steam|crypto|bitcoin|refund)\b|£|\$|€"
)

# In a helper's conversation, a crisis told in the first person is the writer's own ("I've failed him. I
# don't even want to be here"), unless someone else is its subject ("she said she wants to die").
WRITER_IN_CRISIS = re.compile(
    r"\b(i|i'?m|im|i am|i'?ve|ive|i'?d|id|i'?ll|ill)\b[^.?!]{0,30}\b(die|dead|be here|live|alive|exist|end it|kill|hurt|harm|"
    r"cut|cope|failure|worthless|useless|burden|anything (stupid|tonight|silly))\b|\bmy ?self\b|\bmy (own )?life\b"
)
SOMEONE_ELSE_IN_CRISIS = re.compile(
    r"\b(he|she|they|hes|shes|he'?s|she'?s|they'?re|him|her|them|mate|friend|son|daughter|brother|sister|boyfriend|girlfriend|"
    r"partner|husband|wife|pupil|student)\b (just |has |had |then |now |also )?(said|says|told|wants?|wanted|keeps|is|was|has|had|tried|"
    r"talks|talked|talking|feels|felt|doesn'?t|does not|won'?t|wont|can'?t|cant|might|could|would|will|'ll|'d|"
    r"sent|texted|messaged|wrote|posted|put|rang|called|snapped)\b"
    # Their words quoted: "a text saying 'i'm done'".
    r"|\b(text|message|note|voice note|snap|post|story|dm|email)s? (saying|that said|that says|to say)\b"
    r"|\b(himself|herself|themselves|themself)\b"
)
