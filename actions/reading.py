"""What a message means here: the parse (intent ranking, entities, text) read together with the
conversation so far (a pending age question, who it is happening to, the step, what was said before).

`interpret` is the one place that decides. It is pure: no Rasa objects, no replies, so every reading
can be tested on its own (tests/actions/test_reading.py), and `actions/turn.py` only carries it out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from actions.age import ADULT, UNDER_18, UNKNOWN, read_age
from actions.catalogue import catalogue
from actions.plan import (
    AGE_QUESTION,
    EMAIL_SCAM,
    FRIEND,
    HELPER,
    OTHER_HELPER,
    PAID,
    PARENT,
    SHARED,
    SITUATION_BY_INTENT,
    TEACHER,
    Situation,
)

# What the assistant will do with the message.
CRISIS = "crisis"
CRISIS_AGAIN = "crisis_again"  # the crisis reply a second time running
DANGER = "danger"
SITUATION = "situation"  # a situation told for the first time: the urgent advice
RETOLD = "retold"  # more about a situation already known: a short acknowledgement
AGE_ANSWER = "age_answer"
AGE_SKIPPED = "age_skipped"
AGE_WHY = "age_why"
QUESTION = "question"
NEXT = "next"
REPEAT = "repeat"
OVERVIEW = "overview"
HUMAN = "human"
GREET = "greet"
OPENING = "opening"
GOODBYE = "goodbye"
THANKS = "thanks"
DENY = "deny"
BOT = "bot"
OUT_OF_SCOPE = "out_of_scope"
NOT_UNDERSTOOD = "not_understood"

QUESTIONS = frozenset(catalogue().questions)
SITUATION_INTENTS = frozenset(SITUATION_BY_INTENT) - {"helper"}
# What someone says when they are ready to carry on after the crisis reply (a story or a question only
# when the classifier is sure of it).
CLEARLY_MOVING_ON = frozenset({"affirm", "next_step", "thanks", "show_plan", "repeat_step", "ask_human", "greet", "goodbye"})
MOVING_ON = QUESTIONS | frozenset(SITUATION_BY_INTENT) | {
    "affirm", "next_step", "thanks", "show_plan", "repeat_step", "ask_human", "greet", "goodbye", "tell_age",
}

# Straight after the crisis reply, words that are still about the crisis ("I haven't taken any, I don't
# know", "he stopped replying", "I've thought about it"), whatever else the message seems to ask.
_STILL_IN_CRISIS = re.compile(
    r"^\W*maybe\b|\b(i don'?t know|i dont know|idk|dunno|not sure|i'?ve thought about it|thought about it|just feel like it|"
    r"(not|n'?t) (going|gonna) (to )?do anything|(haven'?t|havent|didn'?t|didnt|not) (taken|take|took) (any|them|it)|"
    r"i'?m (sat|sitting|alone|on my own|in the car|in my room|in the bathroom|outside)|(means|meant|mean) it|"
    r"stopped (replying|answering)|(not|isn'?t|won'?t) (replying|answering|picking up)|can'?t reach|"
    r"(not|n'?t) (like )?tonight|keep thinking about it|going round in my head|(haven'?t|havent|not) (made|got) (any )?plans?|"
    r"i mean it|not deep|just my (arms|legs|wrists|thighs|skin)|(haven'?t|havent|not) done anything|all the time|"
    r"where (he|she|they) (is|are)|(not|isn'?t) at home|in (his|her|their|my) room)\b"
    r"|^\W*(like |about |maybe |prob |probably )?\d{1,3}\W*$"
)
# A step back to the blackmail after the crisis reply: what the question or story is about.
_ABOUT_THE_BLACKMAIL = re.compile(
    r"\b(pics?|pictures?|photos?|nudes?|video|vid|pay|paid|paying|money|report\w*|block\w*|snap\w*|insta\w*|tiktok|discord|"
    r"whatsapp|account|blackmail\w*|sextort\w*|guy|delet\w*|post\w*|screenshot\w*|evidence|bank|take ?down|remov\w*|chat|"
    r"trouble|illegal|arrest\w*|criminal record|fault)\b"
)
# A retelling changes the kind of situation (to a partner's threat, fake pictures...) only when the
# classifier is this sure; otherwise it is more detail about the same story.
CHANGE_CONFIDENCE = 0.7
# A situation the classifier ranked behind the intent acted on ("he'll post it and I want to die",
# "my son has paid them") counts when it is this confident; below that it is guesswork.
ALSO_SEEN = 0.15

_NEG = (
    r"(haven'?t|havent|have not|hasn'?t|hasnt|didn'?t|didnt|did not|never|not|won'?t|wont|will not|"
    r"don'?t|dont|do not|aint|ain'?t|refuse to|refused to|no way i'?m|not gonna|not going to)"
)
# A negation covers the words up to its verb, not a later clause ("i didn't pay so they sent it").
_UNTIL_VERB = r"((?!(pay|paid|so|and|but|because|cos|then|now)\b)\w+\s+){0,3}?"
_NOT_PAID = re.compile(
    rf"\b{_NEG}\s+{_UNTIL_VERB}(paid|pay|payed|sent|send|given|give|transferred|bought|buy)\b"
    r"|\b(nothing|no money|not (a|one) (penny|cent|pound|thing)|zero|nowt)\b[^.?!]{0,20}\b(paid|sent|given|yet|so far)\b"
    r"|\bnot (a|one) (penny|cent|pound|quid)\b|\bno,? i (haven'?t|havent|didn'?t|didnt)\b"
    r"|\b(paid|sent|given|transferred) (them |him |her )?(nothing|no money|not a penny|zero|nowt)\b"
    r"|\b(didn'?t|didnt|did not|don'?t|dont|do not) have (it|the money|that much|that kind of money|enough|any money|\S*\d\S*)\b"
    r"|\b(couldn'?t|couldnt|could not|can'?t|cant|cannot) (afford|pay)\b"
)
_PAID = re.compile(
    r"\b(i'?ve|ive|i have|i|we|he|she|they|already|just|and|so|then|has|have|had|'s|'ve)\s+(already\s+|just\s+|then\s+|actually\s+|been\s+)?"
    r"(paid|payed|transferred|sent (him|her|them) (the )?(money|cash|£|\$|€|\d)|sent (the )?(money|cash|£|\$|€|\d)|gave (him|her|them) (the )?(money|cash|£|\$|€|\d)"
    r"|bought (the |them |him |her |some )?(gift|vouchers?|cards?|steam|amazon|apple|google|itunes))"
    r"|\b(sent|paid|payed|gave|transferred|already send)\s+(him|her|them|the guy|that guy|it)?\s*(£|\$|€|\d+ ?(quid|pounds?|dollars|euros|k\b|grand))"
    r"|\bbought\b[^.?!]{0,20}\b(gift ?cards?|vouchers?|steam|amazon|apple|google play|itunes)"
    r"|\b(been sending|was sending|has sent|have sent|had sent) (\w+ ){0,2}(money|cash|£|\$|€|gift ?cards?|vouchers?|bitcoin|crypto)"
    r"|\b(paid|payed) (someone|them|him|her|the scammer|the blackmailer)\b"
    r"|\b(sent|paid|payed|transferred) (them |him |her )?\d+ (on|via|through|by|with|using) (apple|google|paypal|cash ?app|revolut|monzo|bank|my|his|her)\b"
    r"|\b(on|with|using|used) (my|his|her|their) (mum|mom|dad|parents?|nan|brother|sister)'?s? (card|bank|account|paypal)"
)
# The classifier's "already paid" counts only with a verb of paying and a word for money in the message.
_PAID_VERB = re.compile(r"\b(paid|payed|transferred|bought|gave|sent|handed over|spent|used)\b")
_MONEY = re.compile(
    r"£|\$|€|\b(money|cash|quid|pounds?|dollars?|euros?|gift ?cards?|vouchers?|bitcoin|crypto|btc|steam cards?|"
    r"paypal|venmo|revolut|monzo|apple ?pay|google ?pay|cash ?app|bank transfer|\d+ ?(k|grand|quid|pounds|dollars|euros))\b"
)
# "they'll send it to my mum unless...": a threat, not something already shared.
_THREAT_ONLY = re.compile(r"\b(will|'ll|ll|gonna|going to|threaten\w*|unless|if i don'?t|if i dont|or else|or (he|she|they)|says? (he|she|they))\b")
_NOT_SHARED = re.compile(
    rf"\b{_NEG}\s+{_UNTIL_VERB}(posted|post|shared|share|sent|send|leaked|leak|put)\b"
    r"|\bnot (posted|shared|sent|out|leaked)( (it|them|anything))?( yet)?\b|\bnothing'?s? (been )?(posted|shared|out)\b"
)
_SHARED = re.compile(
    r"\b(has|have|'s|'ve|already|just|actually)\s+(already\s+|just\s+|actually\s+|now\s+)?(posted|shared|leaked|put (it|them) (up|online)|sent (it|them|the (pics?|video|vid|photos?)) to)\b"
    r"|\b(posted|shared|leaked|sent) (it|them|my (pics?|pictures?|photos?|nudes?|video|vid))\b(?! if| unless| or|\s+(£|\$|€|\d|money|cash|some money))"
    r"|\b(has|have|'s|'ve|they|he|she)? ?(posted|shared|leaked|sent) (the|those|these|that) (pics?|pictures?|photos?|nudes?|videos?|vid|images?|clip) to\b"
    r"|\b(everyone|people|my (mates|friends)) (has|have) (seen|got) (it|them)\b|\bgoing (round|around)\b"
    r"|\b(being|been|is being|was) (shared|posted|passed round|spread)\b|\bspread(ing)? (round|around)\b"
)
_REFUSES_AGE = re.compile(
    r"\b(rather not|prefer not|not (gonna|going to) (say|tell)|none of (your|ur) (business|concern)|not telling|"
    r"doesn'?t matter|does it matter|not saying|skip( it| that)?|pass|mind your own|nope|nah|no comment|"
    r"i'?d rather not|don'?t want to say|dont want to say|no thanks)\b"
)
_WHY = re.compile(r"^\W*(why|how come|what for|why (do|does|d) (you|u|it) (need|want|ask|matter)|why\?*)\b")
# Someone other than the writer: the subject of a helper's message.
_OTHER_PERSON = re.compile(
    r"\b(my|our|a|his|her|their|this) (best |close |little |older |younger |big |eldest |youngest )?(\d{1,2}[ -]?(year|yr)s?[ -]?old )?(son|daughter|child|kid|boy|girl|teen|teenager|friend|mate|bestie|brother|sister|"
    r"cousin|nephew|niece|grandson|granddaughter|student|pupil|learner|partner|husband|wife|boyfriend|girlfriend|"
    r"bf|gf|flatmate|colleague|young person|stepson|stepdaughter)s?('s|s')?\b|\bsomeone i know\b|\b(he|she|they|him|her|them)\b"
    r"|\b(my|our) \d{1,2}[ -]?(year|yr)s?[ -]?old\b"
)
_OWN_STORY = re.compile(
    r"\b(of me|me unless|me if|me or|blackmailing me|threatening me|sextorting me|hacked my|if i (don'?t|dont|do not)|and i did|"
    r"my (?!(friend|mate|bestie|son|daughter|brother|bro|sister|sis|cousin|kid|child|boyfriend|girlfriend|partner|student|pupil)s?'?s? )"
    r"(\w+ )?(nudes|pics|pictures|photos|video|vid|nude|snaps))\b|\bi (accepted|met|added|sent)\b"
    r"|\b(i'?m|im|i am) being\b|\bi (sent|paid|payed|was recorded)\b"
    r"|\b(send|sent|show|showed|share|shared|post|posted|leak|leaked)(ing)? (it|them|\w+ \w+) to (all )?my\b"
    r"|^\W*(\w+ )?(man|woman|guy|girl|lad|bloke|male|female) here\b"
)
# Plainly the writer's own, whoever else is named ("my son told me to use this. they have a video of me").
_PLAINLY_MINE = re.compile(
    r"\b(video|vid|pics?|pictures?|photos?|nudes?|recording|footage) of me\b|\b(blackmailing|threatening|sextorting) me\b"
    r"|\bi (got|received|had|have had) (an? |one of those |these |those )?(\w+ )?e-?mails?\b"
)
# A friend's or partner's story: "my best mate is getting blackmailed", "threatening to send photos of her".
_THIRD_PERSON_STORY = re.compile(
    r"\b(is|'s|has been|got|keeps|keep) (being |getting )?(blackmailed|threatened|sextorted|scammed|extorted|targeted)\b"
    r"|\b(of (her|him|them)|her (family|mum|mom|dad|parents|friends)|his (family|mum|mom|dad|parents|friends))\b"
    r"|\b(she|he)('s| is| has| was) (being|been|getting|got|paid|sent)\b|\b(he|she) asked me\b"
    r"|\b(his|her) (kids|children|boss|work|job|wife|husband|partner|followers|contacts|colleagues)\b"
    r"|\b(friend|mate|bestie|brother|bro|sister|sis|cousin)('?s|s') (nudes?|pics?|pictures?|photos?|videos?|vid)\b"
    r"|\b(recorded|filmed|screenshotted|screen ?recorded) (him|her)\b|\b(he|she) (has )?(just )?(confessed|admitted|owned up)\b"
    r"|\b(blackmail|threaten|extort|sextort)(ing|s|ed)? (him|her|them)\b"
)
_RECOVERY_SERVICE = re.compile(
    r"\b(recover\w*|delet\w*|remov\w*|wipe|erase|take (it|them) down|hack\w*|get (it|them|my \w+) back|lawyer|solicitor|"
    r"police|officer|company|service|expert|agency|investigator|firm|website)\b"
)
# The classifier's "fake pictures" counts only when the message says the pictures are not real.
_FAKE_CUE = re.compile(
    r"\b(fake\w*(?! (account|acc|profile|page|girl|guy|woman|man|person|name|number|identity|insta|snap|one))|ai|a\.i|edit\w*|photoshop\w*|deep ?fakes?|generated|morph\w*|doctored|altered|nudif\w*|"
    r"undress\w*|face ?swap\w*|not (really |actually )?me|isn'?t (really |actually )?me|not my (body|face)|made up|"
    r"my face (on|onto|in)|put my face|someone else'?s body)\b"
)
# Someone real the person was in touch with: more than a scam email.
_REAL_CONTACT = re.compile(
    r"\b(i sent (him|her|them|a|my|some)|we (were|was) (chatting|talking|messaging)|video ?call\w*|facetime\w*|"
    r"(met|added) (him|her|them|someone|a (girl|guy|woman|man)))\b"
)
# A question about which take-down service names one, or taking down, or a service.
_SERVICE_WORDS = re.compile(
    r"\b(report remove|stop ?ncii|take it down|take ?down|taken down|remov\w*|iwf|service|site|which one|for me|for (him|her|them)|"
    r"revenge porn|helpline|childline|ncmec|hash\w*|fingerprint)\b"
)
_ASKS_FOR_A_LINE = re.compile(
    r"\b(number|phone|call|ring|text|contact)\b[^.?!]{0,25}\b(childline|samaritans|shout|helpline|nspcc|papyrus|someone|a person)\b"
    r"|\b(childline|samaritans|shout|nspcc|papyrus)('?s)? (number|phone)\b"
)
# A scam email told about: "got one of those webcam emails", "an email saying they hacked my camera".
_SCAM_EMAIL_TOLD = re.compile(
    r"\b(got|received|had|getting|get|keep getting) (an? |one of those |these |those |another )?(\w+ )?e-?mails?\b"
    r"[^.?!]{0,60}\b(webcam|camera|hack\w*|password|bitcoin|btc|crypto|recorded|video|porn)"
    r"|\b(webcam|sextortion|bitcoin|hacker) e-?mails?\b"
)
# "bet", "say less", "sound": yes, carry on.
_SLANG_OK = re.compile(r"^\W*(bet|say less|aight|ight|kk|sound|safe|cool|gotcha|got it|ok bet|bet bet|nice one|ta)\W*$")
# Asking for a person or a line, as opposed to asking for help in general.
_ASKS_FOR_A_PERSON = re.compile(
    r"\b(person|human|someone|somebody|some1|anyone|any1|people|helpline|line|talk|speak|chat|call|ring|phone|text|number|"
    r"counsell?or|adviser|advisor|real|bot|support|childline|samaritans|shout|nspcc|papyrus|police|officer)\b"
)
# What a scam email says of itself; without any of it, "scam email" is the classifier's guess only.
_EMAIL_CUE = re.compile(
    r"\b(e-?mails?|inbox|spam|junk|subject|sender|webcam|camera|bitcoin|btc|crypto|wallet|malware|virus|password|"
    r"hack(ed|er|ers)?|porn|adult (site|website)s?|recorded you|contacts list|trojan|spyware|device|laptop|computer)\b"
)
# A partner's or ex's threat, told about: the story changes to a partner's only when one is the threat.
_PARTNER_CUE = re.compile(
    r"\b(ex|boyfriend|girlfriend|bf|gf|partner|husband|wife|fianc\w*)\b[^.?!]{0,40}\b(threaten\w*|post\w*|shar\w*|"
    r"send|sent|leak\w*|has|got|keeps|says|said|wants?|demand\w*)\b"
)
_BANK_WORDS = re.compile(
    r"\b(bank|money|refund\w*|pay|paid|payment|card|transfer\w*|paypal|revolut|monzo|chargeback|cash|account|gift ?cards?|"
    r"steam|apple|google play|vouchers?|crypto|bitcoin|reverse|cancel\w*|dispute|fraud)\b|£|\$"
)
_MONEY_ASKED = re.compile(r"\b(pay|paying|paid|fee|fine|money|charge|cost|costs|£|\$)|£|\$|\b\d+\b")
# Outside the UK: 999 and 101 are UK numbers. Northern Ireland is in the UK.
_COUNTRIES: List[Tuple[str, re.Pattern[str]]] = [
    ("us", re.compile(r"\b(i'?m|im|i am|we'?re|we are|live|living|based) (in|from) (the )?(us|usa|u\.s\.?|america|united states|states)\b|\bi'?m american\b")),
    ("australia", re.compile(r"\b(in|from) (australia|oz|sydney|melbourne|brisbane|perth)\b|\baussie\b")),
    ("canada", re.compile(r"\b(in|from) (canada|toronto|vancouver|montreal|ontario)\b|\bcanadian\b")),
    ("ireland", re.compile(r"(?<!northern )\b(in|from) (ireland|the republic|dublin|cork|galway|limerick)\b|\bgarda[ií]?\b")),
    ("other", re.compile(r"\b(not|don'?t live|dont live) in the uk\b|\boutside (the )?uk\b|\b(i'?m|im|i am|we'?re|live|living) (in|from) "
                         r"(france|germany|spain|italy|poland|india|pakistan|nigeria|ghana|kenya|south africa|philippines|"
                         r"netherlands|belgium|sweden|norway|new zealand|singapore|the uae|dubai|brazil|mexico)\b")),
]
# Afraid of being outed: a specialist LGBT+ line helps.
_OUTING = re.compile(
    r"\b(out me|outing me|outed|not out|isn'?t out|not come out|come out yet|coming out|closeted|in the closet)\b"
    r"|\b(i'?m|im|i am|he'?s|she'?s|they'?re) (gay|bi|bisexual|trans|queer|lesbian|nonbinary|non-binary)\b|\bgrindr\b"
)
_ROLE_PATTERNS: List[Tuple[str, re.Pattern[str]]] = [
    (TEACHER, re.compile(
        r"\b(i'?m|i am|as|i work as|from) (a|an|the|his|her|their|deputy|the deputy) (\w+ ){0,2}(teacher|dsl|safeguarding lead|head of year|"
        r"deputy head|assistant head|head of (sixth form|house|department|school)|principal|headteacher|head|"
        r"form tutor|tutor|youth worker|school nurse|head ?teacher|pastoral|teaching assistant|ta|senco|"
        r"learning mentor|school counsellor|college tutor|lecturer|coach)\b"
        r"|\b(teacher|dsl|head of year|school nurse|form tutor|tutor|teaching assistant|youth worker|pastoral lead|"
        r"deputy head|head teacher|headteacher)( \d+)? here\b|\bhead of year \d+\b"
        r"|\b(my|our|a|one of my|one of our) ((year|yr) ?\d{1,2} |\d{1,2}[ -]?(year|yr)s?[ -]?old |sixth form |primary |secondary )?(student|pupil|learner|tutee|form)s?\b"
        r"|^\W*(?!(my|our|his|her|their|a|the) )(\w+ ){0,2}(teacher|tutor|lecturer|coach|youth worker|teaching assistant|head of year|dsl)\b( (at|in|from|for) [\w ]{1,30})?[.,:;!-]"
        r"|\bi (coach|teach|run (a|the|our) (youth|football|sports|rugby|scout|girls'?|boys'?) ?(club|group|team|centre))\b"
        r"|\bone of (my|our|the) (lads|players|girls|boys|members|squad|team|young people|kids)\b"
        r"|\b(boy|girl|student|pupil|child|kid|young person) in (my|our) (year|class|form|school|tutor group|group)\b"
        r"|\bin year \d+\b.{0,60}\b(disclosed|told me)\b"
        r"|\b(has|have) (just )?disclosed\b|\b(our|the school'?s?) (dsl|safeguarding lead)\b"
        r"|\b(students|pupils|kids|children|young people) (have |has )?(come|came|been coming) to me\b"
        r"|\ba (year|yr) ?\d{1,2} (girl|boy|student|pupil|lad)\b"
        r"|\b(school office|school receptionist|office staff|work (at|in) (a|the|our) (school|college|academy))\b"
    )),
    (PARENT, re.compile(
        r"\b(my|our) (\d{1,2} ?(year|yr)s? ?old |teenage |little |eldest |youngest |step ?)?"
        r"(son|daughter|child|kid|boy|girl|lad|lass|teen|teenager|stepson|stepdaughter|grandson|granddaughter)\b"
        r"|^\W*(son|daughter|stepson|stepdaughter)\b"
        r"|\b(i'?m|i am) (a|his|her|their) (parent|mum|mom|dad|father|mother|carer|guardian|nan|gran|grandma|grandad|"
        r"foster carer|step ?mum|step ?dad|aunt|uncle)\b|\bon behalf of my\b|\b(foster|adopted) (son|daughter|child|kid|placement)\b"
    )),
    (OTHER_HELPER, re.compile(
        r"\b(support worker|social worker|key worker|care worker|care home|youth worker|mentor|counsellor|"
        r"advocate)\b|\b(asking|writing|here) (about|for|on behalf of) (a|an|my|our|someone)\b|\bon behalf of\b"
    )),
    (FRIEND, re.compile(
        r"\b(my|our) (best |close |little |older |younger |big )?(friend|mate|bestie|bro|brother|sister|sis|cousin|"
        r"flatmate|roommate|housemate|colleague|coworker|partner|husband|wife|boyfriend|girlfriend|bf|gf)('s|s)?\b"
    )),
]


@dataclass(frozen=True)
class Parse:
    """The NLU result for one message."""

    intent: Optional[str]
    text: str = ""
    ranking: Tuple[Tuple[str, float], ...] = ()
    entities: Tuple[Tuple[str, str], ...] = ()

    @classmethod
    def from_message(cls, message: Dict[str, Any]) -> "Parse":
        ranking = tuple(
            (str(r.get("name")), float(r.get("confidence") or 0.0)) for r in message.get("intent_ranking") or []
        )
        entities = tuple(
            (str(e.get("entity")), str(e.get("value"))) for e in message.get("entities") or [] if e.get("value")
        )
        return cls((message.get("intent") or {}).get("name"), message.get("text") or "", ranking, entities)

    @property
    def confidence(self) -> float:
        return self.ranking[0][1] if self.ranking else 1.0

    def entity(self, name: str) -> Optional[str]:
        return next((value for entity, value in self.entities if entity == name), None)

    def all_of(self, name: str) -> Tuple[str, ...]:
        return tuple(value for entity, value in self.entities if entity == name)

    def runner_up(self, wanted: frozenset[str]) -> Optional[str]:
        """The best-ranked intent in `wanted` behind the one acted on, if confident enough to count."""
        for name, confidence in self.ranking[1:]:
            if name in wanted and confidence >= ALSO_SEEN:
                return name
        return None


@dataclass(frozen=True)
class State:
    """The conversation so far, as the slots keep it."""

    situation: Situation
    step: Optional[str] = None
    last_reply: Optional[str] = None
    age_asked: int = 0  # how many times the age question has been asked


@dataclass(frozen=True)
class Reading:
    """What the message means: the act to carry out, and what we now know."""

    act: str
    situation: Situation
    told: Optional[str] = None  # the situation this message tells (SITUATION, RETOLD, crisis "also")
    question: Optional[str] = None
    news: Tuple[str, ...] = field(default=())  # what changed: paid, not_paid, shared, age, helper ...
    platforms: Tuple[str, ...] = ()  # apps named in this message


def normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'").strip()


def payment_told(text: str) -> Optional[bool]:
    """True: says they (or the person helped) paid; False: says they haven't; None: says neither."""
    for match in _PAID.finditer(text):
        before = text[max(0, match.start() - 30): match.start()]
        around = text[match.start(): match.end() + 20]
        # "they want him to pay with his mum's card" is the demand, not a payment.
        demanded = re.search(r"\bto (pay|send|buy|give)?\s*$", before)
        if not re.search(rf"\b{_NEG}\s+(\w+\s+){{0,3}}$", before + " ") and not _NOT_PAID.search(around) and not demanded:
            return True
    return False if _NOT_PAID.search(text) else None


def sharing_told(text: str) -> Optional[bool]:
    """True: the pictures are already out; False: says they are not; None: neither."""
    if _NOT_SHARED.search(text):
        return False
    return True if _SHARED.search(text) else None


def role_told(text: str) -> Optional[str]:
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(text):
            return role
    return None


# A story in the person's own words, when the classifier did not name one: pictures and a threat.
_IMAGE_CUE = re.compile(
    r"\b(pics?|pictures?|photos?|nudes?|naked|video|vid|clip|images?|snaps|recording|recorded|webcam|facetime|video call)\b"
)
_THREAT_CUE = re.compile(
    r"\b(unless|or else|if i (don'?t|dont|do not)|if (he|she|they) (don'?t|dont)|threaten\w*|blackmail\w*|show everyone|"
    r"send (it|them) to|post (it|them)|leak\w*|expose|going round|posted|shared|demand\w*|extort\w*|"
    r"wants? (money|£|\$|\d)|asking (me )?for (money|£|\$|\d)|(has|have|got) (a |my )?(\w+ )?(video|pics?|photos?|nudes?) of (me|him|her)"
    r"|(has|have|got|with|holding) (all )?(my|his|her) (\w+ )?(nudes?|pics?|pictures?|photos?|videos?|vid))\b"
)
# Said in so many words: "someone is trying to sextort me", "im being blackmailed".
_EXTORTION_WORDS = re.compile(
    r"\b(sextort\w*|blackmail(ing|ed|in)? (me|him|her)|extort\w* (me|him|her)|(being|getting) blackmailed|threatening me)\b"
)
_MORE_PICTURES = re.compile(r"\b(send|do|make) (more|another|a video|a vid|more pics|more photos)\b|\bmore (pics|pictures|photos|videos|nudes)\b")


def story_in_words(text: str) -> Optional[str]:
    """The situation a message tells by its words alone (pictures and a threat), or None."""
    if not (_IMAGE_CUE.search(text) and _THREAT_CUE.search(text)) and not _EXTORTION_WORDS.search(text):
        return None
    if payment_told(text):
        return "already_paid"
    if sharing_told(text):
        return "images_shared"
    return "blackmail_images" if _MORE_PICTURES.search(text) else "blackmail_money"


def _learn(state: State, parse: Parse, text: str) -> Tuple[Situation, List[str]]:
    """Fold what this message says into what we knew: helpers stay helpers, payments stay paid
    unless the person says otherwise, an age told in passing counts."""
    known = state.situation
    news: List[str] = []
    situation = known
    intent = parse.intent or ""
    if intent not in SITUATION_BY_INTENT and not known.known:
        # "...what do I do?" after a whole story: the story is what tells who is speaking.
        intent = parse.runner_up(SITUATION_INTENTS | {"helper"}) or story_in_words(text) or intent
        if intent == "helper" and not role_told(text):
            # A second guess of "helper" with nobody named ("now they say they'll show everyone") is the
            # writer's own story.
            intent = "blackmail_money"
    role = role_told(text)
    # A teacher's or grandparent's story often reads like the victim's own ("someone is threatening to
    # send a photo of her"): who is telling it decides, unless the message is about "me".
    own_story = bool(_OWN_STORY.search(text))
    if intent == "helper":
        # The classifier's "helper" for "guy says he hacked my snap and has my pics" is the writer's own story.
        tells_for_someone = not own_story or (role in (TEACHER, PARENT) and not _PLAINLY_MINE.search(text))
    elif intent in SITUATION_BY_INTENT:
        tells_for_someone = not own_story and (
            role in (TEACHER, PARENT, OTHER_HELPER) or (role == FRIEND and bool(_THIRD_PERSON_STORY.search(text)))
        )
    else:
        tells_for_someone = False
    if tells_for_someone and not known.known:
        situation = situation.but(is_helper=True, kind=situation.kind or HELPER)
        news.append("helper")
    if situation.is_helper and role and situation.role in (None, OTHER_HELPER, FRIEND) and role != situation.role \
            and not (role == OTHER_HELPER and situation.role):
        situation = situation.but(role=role)
    answering = state.step == AGE_QUESTION or situation.age_group in (None, UNKNOWN)
    age = read_age(text, answering=answering, about_someone_else=situation.is_helper)
    button_age = parse.entity("age_group")
    group = button_age or age.group
    if group and situation.is_helper and situation.age_group in (UNDER_18, ADULT) and not button_age \
            and state.step != AGE_QUESTION and len(text.split()) > 8:
        # "her boyfriend is 19" in a parent's later message is someone else's age, not a correction.
        group = None
    if group and group != situation.age_group:
        situation = situation.but(age_group=group)
        news.append("age")
    if age.pictured_under18 and not situation.pictured_under18:
        situation = situation.but(pictured_under18=True)
        news.append("pictured_under18")
    country = next((key for key, pattern in _COUNTRIES if pattern.search(text)), None)
    if country and country != situation.country:
        situation = situation.but(country=country)
        news.append("country")
    if _OUTING.search(text) and not situation.fears_outing:
        situation = situation.but(fears_outing=True)
        news.append("outing")
    paid = payment_told(text)
    told = SITUATION_BY_INTENT.get(intent)
    if told == PAID and paid is False:
        told = None
    pressed = text.startswith("/")
    if paid is None and told == PAID and (pressed or (_PAID_VERB.search(text) and _MONEY.search(text))):
        paid = True
    situation = _fold(situation, news, "has_paid", paid, "paid")
    if paid is False and situation.kind == PAID:
        situation = situation.but(kind="money")
    real_contact = bool(_REAL_CONTACT.search(text)) or (
        any("mail" not in p.lower() for p in parse.all_of("platform")) and bool(_IMAGE_CUE.search(text))
    )
    if situation.kind == EMAIL_SCAM and (told == SHARED or real_contact):
        # Money sent, or a real person with real pictures: more than a scam email.
        situation = situation.but(kind=PAID if situation.has_paid else "money")
    shared = sharing_told(text)
    if told == SHARED and shared is False:
        told = None
    if shared is None and told == SHARED and not _THREAT_ONLY.search(text):
        shared = True
    return _fold(situation, news, "is_shared", shared, "shared"), news


def _fold(situation: Situation, news: List[str], field: str, said: Optional[bool], name: str) -> Situation:
    """Record what a message said about paying or sharing: "paid" / "not_paid" news, and the flag set or,
    when the person says otherwise, cleared."""
    if said is None:
        return situation
    changed = getattr(situation, field) != said
    if changed or not said:
        # "not paid" is worth a word each time; "paid" only when it is new.
        news.append(name if said else f"not_{name}")
    return situation.but(**{field: said}) if changed else situation


def _situation_kind(known: Situation, told: str) -> str:
    """The situation slot after this telling: a real threat is never replaced by the scam email, and a
    helper's story keeps the helper's plan."""
    if known.kind in (None, HELPER):
        return told
    if known.kind == EMAIL_SCAM and told in ("money", "images", "fake", "partner"):
        # The scam email stays a scam email until someone real is in the story (see _learn).
        return known.kind
    if told in (EMAIL_SCAM, HELPER, PAID, SHARED):
        return known.kind or told
    return told


def _told_situation(parse: Parse, news: List[str], situation: Situation) -> Optional[str]:
    """The situation intent this message tells, with negations taken out ("I haven't paid a penny"), and
    a payment only where the message speaks of money."""
    intent = parse.intent or ""
    if intent == "already_paid" and ("not_paid" in news or not situation.has_paid):
        return "blackmail_money"
    if intent == "images_shared" and "not_shared" in news:
        return "blackmail_money"
    if intent in SITUATION_BY_INTENT:
        return intent
    return None


def _checked(parse: Parse, text: str) -> Parse:
    """The parse with guesses the words don't bear out replaced: only an offer to delete the pictures for
    money is the recovery scam, only a message about money asks about the bank, only pictures said to be
    unreal are fakes (each then the classifier's next guess), and a scam email has no one real in it."""
    intent = parse.intent
    if text.startswith("/"):
        # A button press says exactly what it means.
        return parse
    if _SLANG_OK.match(text):
        return Parse("affirm", parse.text, (("affirm", 1.0),), parse.entities)
    if intent == "ask_human" and not _ASKS_FOR_A_PERSON.search(text):
        # "need help with smth" is an opening, not a request for a helpline.
        return Parse("opening", parse.text, (("opening", parse.confidence),) + parse.ranking[1:], parse.entities)
    if (intent == "ask_recovery_scam" and not (_RECOVERY_SERVICE.search(text) and _MONEY_ASKED.search(text))) or (
        intent == "ask_bank" and not _BANK_WORDS.search(text)
    ) or (intent == "fake_images" and not _FAKE_CUE.search(text)) or (
        intent == "ask_which_service" and not _SERVICE_WORDS.search(text)
    ):
        rest = tuple(r for r in parse.ranking[1:] if r[0] not in ("crisis", "danger_now"))
        intent = next((name for name, _ in rest if name != "nlu_fallback"), "nlu_fallback")
        # The next guess is checked in its turn ("fake pictures", then "scam email", then a real threat).
        return _checked(Parse(intent, parse.text, rest, parse.entities), text)
    if intent in ("already_paid", "blackmail_money") and _SCAM_EMAIL_TOLD.search(text) and not _REAL_CONTACT.search(text):
        # "got one of those webcam emails and paid": the scam email, paid; its plan gains the bank step.
        return Parse("email_scam", parse.text, (("email_scam", parse.confidence),) + parse.ranking[1:], parse.entities)
    if intent == "email_scam" and (_REAL_CONTACT.search(text) or not _EMAIL_CUE.search(text)) and "email" not in text:
        # A video call with someone met online is a real person with a real recording, not a mass email.
        told = "already_paid" if payment_told(text) else "blackmail_money"
        return Parse(told, parse.text, ((told, parse.confidence),) + parse.ranking[1:], parse.entities)
    return parse


def interpret(parse: Parse, state: State) -> Reading:
    text = normalise(parse.text)
    parse = _checked(parse, text)
    intent = parse.intent or "nlu_fallback"
    situation, news = _learn(state, parse, text)
    platforms = parse.all_of("platform")

    def reading(act: str, **kwargs: Any) -> Reading:
        return Reading(act, situation, news=tuple(news), platforms=platforms, **kwargs)

    if intent == "danger_now" and state.last_reply in (CRISIS, CRISIS_AGAIN):
        # "he's at his house, i'm 20 min away" straight after a crisis: still the crisis, and its reply
        # says 999 as well.
        return reading(CRISIS, question="again")
    if intent in ("crisis", "danger_now"):
        # Safety first; a story told in the same breath is kept, so the plan can pick it up after.
        also = parse.runner_up(SITUATION_INTENTS) or story_in_words(text)
        told = SITUATION_BY_INTENT[also] if also else None
        if told and not situation.known:
            situation = situation.but(kind=told)
        return reading(CRISIS if intent == "crisis" else DANGER, told=told, question=parse.runner_up(QUESTIONS))

    # After the crisis reply, only a clear step back to the blackmail ("ok", "can we carry on", "what do I
    # do about the pics?") leaves it: "idk", "not tonight", "like 12", "he's in his room" are still the
    # crisis talking, and an age told meanwhile is kept without leaving it.
    # Once the crisis reply has been repeated, any question or plain step on counts, so no one is held there.
    moving_on = (intent in CLEARLY_MOVING_ON and parse.confidence >= 0.6) or (
        intent in QUESTIONS | SITUATION_INTENTS and parse.confidence >= 0.6 and bool(_ABOUT_THE_BLACKMAIL.search(text))
    ) or (state.last_reply == CRISIS_AGAIN and (
        intent in CLEARLY_MOVING_ON or (intent in MOVING_ON and parse.confidence >= 0.7)
        or (intent in QUESTIONS and parse.confidence >= 0.3 and bool(_ABOUT_THE_BLACKMAIL.search(text)))
    ))
    if state.last_reply in (CRISIS, CRISIS_AGAIN) and (not moving_on or _STILL_IN_CRISIS.search(text)):
        also = parse.runner_up(SITUATION_INTENTS) or (parse.intent if parse.intent in SITUATION_INTENTS else None) \
            or story_in_words(text)
        if also and not situation.known:
            situation = situation.but(kind=SITUATION_BY_INTENT[also])
        return reading(CRISIS, question="again")

    if state.step == AGE_QUESTION and intent not in SITUATION_BY_INTENT:
        if "age" in news or intent == "tell_age" and situation.age_group:
            return reading(AGE_ANSWER)
        if _WHY.search(text) and state.last_reply != AGE_WHY:
            return reading(AGE_WHY)
        # "nah i aint paid" answers something else, not the age question.
        about_the_story = any(n in news for n in ("paid", "not_paid", "shared", "not_shared"))
        if (intent in ("prefer_not_say", "deny") or _REFUSES_AGE.search(text)) and not about_the_story:
            situation = situation.but(age_group=UNKNOWN)
            return reading(AGE_SKIPPED)

    told_intent = _told_situation(parse, news, situation)
    if told_intent is None and intent in QUESTIONS and not state.situation.known:
        # "he says he'll post my pics if i dont pay, what do i do": a question and a story at once.
        told_intent = parse.runner_up(SITUATION_INTENTS)
    if told_intent is None and not state.situation.known and intent not in ("tell_age", "prefer_not_say"):
        # Whatever the classifier made of it, pictures and a threat in one message are a story.
        told_intent = story_in_words(text)
    if told_intent is not None:
        told = SITUATION_BY_INTENT[told_intent]
        if told == HELPER and not situation.is_helper:
            told = state.situation.kind or "money"
        if told == HELPER and state.situation.known and not state.situation.is_helper:
            # The victim doesn't become a helper because one message read that way.
            told = state.situation.kind or "money"
        if told == HELPER and not _OTHER_PERSON.search(text) and not state.situation.known and not text.startswith("/"):
            # "hey, this is awkward to say" is not yet anyone's story (a button press is), nor a helper's.
            situation = state.situation
            return reading(OPENING)
        question = parse.intent if parse.intent in QUESTIONS else None
        if state.situation.known and told != state.situation.kind and (
            parse.confidence < CHANGE_CONFIDENCE or (told == "partner" and not _PARTNER_CUE.search(text))
        ):
            # "im dead if my mum sees this" read as a partner's threat: too unsure to change the story.
            told = state.situation.kind or told
        situation = situation.but(kind=_situation_kind(situation, told))
        if state.situation.known:
            return reading(RETOLD, told=told, question=question)
        return reading(SITUATION, told=told, question=question)

    if intent in ("already_paid", "images_shared"):
        # Negated: "nothing paid so far", "no he hasn't posted it" — news for the plan, not a new story.
        return reading(RETOLD if state.situation.known else SITUATION, told=situation.kind or "money")
    if intent in QUESTIONS:
        return reading(QUESTION, question=intent)
    if intent in ("next_step", "affirm"):
        return reading(NEXT)
    if intent == "repeat_step":
        return reading(REPEAT)
    if intent == "show_plan":
        return reading(OVERVIEW)
    if intent == "tell_age":
        # An age said again ("she's 14" after "a year 9 pupil") is still an answer: the plan for that age.
        told_age = "age" in news or situation.age_group in (UNDER_18, ADULT) and situation.known
        if not told_age and situation.known and _MONEY.search(text):
            # "he wants £120 by 9": numbers about the demand, not an age.
            return reading(RETOLD, told=situation.kind)
        return reading(AGE_ANSWER) if told_age else reading(NOT_UNDERSTOOD)
    if intent == "prefer_not_say":
        # "does it matter?" after the age is known is not a refusal to give it, and before the question
        # was ever asked there is nothing to decline.
        if state.age_asked == 0 and state.step != AGE_QUESTION:
            return reading(OPENING if not state.situation.known else NOT_UNDERSTOOD)
        return reading(AGE_SKIPPED) if situation.age_group in (None, UNKNOWN) else reading(NOT_UNDERSTOOD)
    if state.situation.known and any(n in news for n in ("paid", "not_paid", "shared", "not_shared", "pictured_under18")):
        # "nah i aint paid" read as a plain "no": it is news about the story.
        return reading(RETOLD, told=situation.kind)
    if "age" in news and situation.known:
        # "she's 14" typed as a reply to anything: an age, whatever the classifier thought.
        return reading(AGE_ANSWER)
    simple = {
        "ask_human": HUMAN, "greet": GREET, "opening": OPENING, "goodbye": GOODBYE, "thanks": THANKS,
        "deny": DENY, "bot_challenge": BOT, "out_of_scope": OUT_OF_SCOPE,
    }
    act = simple.get(intent, NOT_UNDERSTOOD)
    if act in (OUT_OF_SCOPE, NOT_UNDERSTOOD) and state.situation.known and platforms:
        # "snapchat. some girl called amelia": which app it was, more of the story.
        return reading(RETOLD, told=situation.kind)
    if act in (OUT_OF_SCOPE, NOT_UNDERSTOOD) and _ASKS_FOR_A_LINE.search(text):
        # "what's the number for childline": the people to talk to.
        return reading(HUMAN)
    if act == OUT_OF_SCOPE and not state.situation.known and parse.confidence < 0.5:
        # "what's the quickest way to make this stop" before any story: not off topic, just not told yet.
        return reading(OPENING)
    return reading(act)
