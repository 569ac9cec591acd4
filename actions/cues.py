"""What the words of a message say, whatever the classifier made of it: payment and sharing (and their
negations), who else is in the story, a story told in so many words, a scam email, ages and questions
(who is telling it, and in what role: actions/roles.py; the words around a crisis or danger:
actions/safety_cues.py; what a question about money asks: actions/money_cues.py). Plain regular expressions over the
lowercased text; actions/reading.py weighs them with the parse and the conversation so far.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple


def normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'").strip()


# Staff without a school's safeguarding lead behind them: a private tutor, "not a teacher at a school".
NO_SAFEGUARDING_LEAD = re.compile(
    r"\b(don'?t|do not|dont|doesn'?t|does not) have (a|an|any) (dsl|safeguarding (lead|team|officer)|designated)\b"
    r"|\bnot (a teacher )?(at|in|from|with|part of) (a|any) (school|college|organisation|organization)\b|\bno (dsl|safeguarding lead)\b"
)
# Asking whether Childline is still for them at 18 (it is for under-19s).
CHILDLINE_AT_18 = re.compile(r"\bchildline\b[^.?!]{0,40}\b(18|eighteen|too old|over 18|an adult|adults)\b|\b(18|eighteen|too old)\b[^.?!]{0,40}\bchildline\b")
NEG = (
    r"(haven'?t|havent|have not|hasn'?t|hasnt|didn'?t|didnt|did not|never|not|won'?t|wont|will not|"
    r"don'?t|dont|do not|aint|ain'?t|refuse to|refused to|no way i'?m|not gonna|not going to)"
)
# A negation covers the words up to its verb, not a later clause ("i didn't pay so they sent it").
UNTIL_VERB = r"((?!(pay|paid|so|and|but|because|cos|then|now|know|knows|knew|realise|realize|realised|realized|tell|told|notice|noticed|see|saw|sure|if|whether)\b)[\w']+\s+){0,3}?"
NOT_PAID = re.compile(
    rf"\b{NEG}\s+{UNTIL_VERB}(paid|pay|payed|sent|send|given|give|transferred|bought|buy)\b"
    # ("I'd rather not give his exact age" keeps something back; it says nothing about paying.)
    r"(?! (out )?(my|his|her|their|your|our|the|any|out)? ?(exact |real |full )?(age|name|details|address|info\w*|number|school)\b)"
    r"|\b(nothing|no money|not (a|one) (penny|cent|pound|thing)|zero|nowt|none of (them|us|the \w+)|no ?one|nobody|neither( of (them|us))?)\b"
    r"[^.?!]{0,20}\b(paid|sent|given|yet|so far)\b"
    r"|\bnot (a|one) (penny|cent|pound|quid)\b|\bno,? i (haven'?t|havent|didn'?t|didnt)\b"
    r"|\b(paid|sent|given|transferred) (them |him |her )?(nothing|no money|not a penny|zero|nowt)\b"
    r"|\b(didn'?t|didnt|did not|don'?t|dont|do not) have (it|the money|that much|that kind of money|enough|any money|\S*\d\S*)\b"
    r"|\b(couldn'?t|couldnt|could not|can'?t|cant|cannot) (afford|pay)\b"
)
PAID = re.compile(
    r"\b(i'?ve|ive|i have|i|we|he|she|they|already|just|and|so|then|has|have|had|'s|'ve|mate|friend|son|daughter|grandson|"
    r"granddaughter|brother|sister|nephew|niece|cousin|husband|wife|partner|boyfriend|girlfriend|pupil|student)"
    r"\s+(already\s+|just\s+|then\s+|actually\s+|been\s+)?"
    r"(paid|payed|transferred|(sent|gave) (him|her|them) (the |some |all (of )?my |my )?(money|cash|savings|wages|£|\$|€|\d|bitcoin|btc|crypto|gift ?cards?|vouchers?|steam)|sent (the )?(money|cash|£|\$|€|\d)"
    r"|bought (the |them |him |her |some )?(gift|vouchers?|cards?|steam|amazon|apple|google|itunes))"
    r"|\b(sent|paid|payed|gave|given|handed|transferred|already send)\s+(him|her|them|the guy|that guy|it|someone|somebody|this guy|some guy|a guy|this girl|some girl|the scammer|the person)?\s*(like |about |around |nearly |almost |over )?(£|\$|€|\d+ ?(quid|pounds?|dollars|euros|k\b|grand))"
    r"|\b(sent|paid|gave|given|handed|transferred)\s+(him|her|them|the guy|that guy)\s+(all (of )?my|my|all (of )?his|his|all (of )?her|her) (savings|wages|pocket money|birthday money|money|cash)\b"
    # "paid 300 to this guy": a bare sum straight after "paid".
    r"|\b(paid|payed)\s+(like |about |around |nearly |almost |over )?\d{2,5}\b(?!\s*(years?|yrs?|days?|weeks?|months?|times?|pics?|photos?|mins?|minutes?|hours?|hrs?|followers|%))"
    r"|\b(sent|gave|transferred) (him|her|them|the guy|that guy) (the |some |a few )?(money|cash|bitcoin|btc|crypto|gift ?cards?|vouchers?|steam (cards?|codes?))"
    r"|\b(send|sended|sent|pay|payed|paid) already (like |about )?(£|\$|€|\d)|\b(with|by|through|via|on) (western union|moneygram|remitly)\b"
    # A card or account used to pay: "he used my card on my phone to send them £75".
    r"|\b(used|using) (my|his|her|their|\w+'?s) (\w+ )?(card|bank account|account|paypal|apple pay|google pay|revolut|monzo|savings|money|wages) (\w+ ){0,4}to (send|pay|buy)\b(?! (for|it when))"
    # Crypto by the amount: "paid 0.01 btc", "sent them 0.002 eth".
    r"|\b(paid|payed|sent|transferred)\s+(him|her|them|the guy|that guy)?\s*(like |about |around |nearly |almost |over )?\d*[.,]?\d+ ?(btc|bitcoin|eth|ethereum|usdt|ltc|crypto)\b"
    r"|\bsent the (crypto|bitcoin|btc|gift ?cards?|vouchers?|codes?)\b|\b(got|took|had|has had|taken) ((£|\$|€)\s?\d+|\d+ ?(quid|pounds?|dollars|euros|grand)) (off|from|out of) (me|my|his|her|him)\b"
    r"|\b(i|we|he|she|they) did (pay|send (it|the money|him|her|them) (\w+ )?(money|cash|£|\$|€|\d))|\b(i|we) did (pay|send the money)\b"
    r"|\bbought\b[^.?!]{0,20}\b(gift ?cards?|vouchers?|steam|amazon|apple|google play|itunes)"
    r"|\b(been sending|was sending|has sent|have sent|had sent|been giving|has given|have given|had given) (\w+ ){0,2}(money|cash|£|\$|€|gift ?cards?|vouchers?|bitcoin|crypto)"
    r"|\b(been paying|was paying|kept paying|keep paying|have been paying|has been paying) (him|her|them|it|this|the \w+|a \w+|someone|somebody)\b"
    # "three payments totalling about £300", "he has taken £500 from her savings".
    r"|\bpayments? (totalling|totaling|adding up to) (about |around |nearly |over |almost )?(£|\$|€|\d)"
    r"|\b(taken|took|drained|emptied) (about |around |nearly |over |almost )?(£|\$|€|\d+)[^.?!]{0,20}\b(from|out of|off) (my|his|her|their|our) (savings|account|bank|card)"
    # "Paid 4 times. £900 total.": a payment said without "I".
    r"|(^|[.!?]\s+)(paid|payed)\s+((him|her|them)\b|£|\$|€|\d+ (times|quid|pounds)|once|twice|already)"
    r"|\b(paid|payed) (someone|them|him|her|the scammer|the blackmailer)\b"
    r"|\b(sent|paid|payed|transferred) (them |him |her )?\d+ (on|via|through|by|with|using) (apple|google|paypal|cash ?app|revolut|monzo|bank|my|his|her)\b"
    r"|\b(on|with|using|used) (my|his|her|their) (mum|mom|dad|parents?|nan|brother|sister)'?s? ((credit|debit|bank) )?(card|bank|account|paypal)"
    # A parent finding the payments: "found £120 of Google Play card purchases on my card".
    r"|\b(found|noticed|spotted|seen|saw)\b[^.?!]{0,40}\b(purchases?|payments?|charges?|transactions?)\b[^.?!]{0,20}\b(on|from|in) (my|his|her|our|the) (\w+ )?(card|account|statement|bank)"
)
MONEY_WORDS = (
    r"£|\$|€|\b(money|cash|quid|pounds?|dollars?|euros?|gift ?cards?|vouchers?|bitcoin|crypto|btc|steam cards?|"
    r"paypal|venmo|revolut|monzo|apple ?pay|google ?pay|cash ?app|bank transfer|\d+ ?(k|grand|quid|pounds|dollars|euros))\b"
)
MONEY = re.compile(MONEY_WORDS)
# The classifier's "already paid" counts only with a verb of paying close before a word for money, in one
# sentence: "I sent photos. Now he wants £2,000" and "i sent one back and now its demanding £££" are threats.
PAID_VERB = re.compile(
    rf"\b(paid|payed|transferred|bought|gave|sent|handed over|spent|used)\b(?![^.?!]{{0,25}}\b(demand|want|ask)\w*)[^.?!]{{0,25}}?({MONEY_WORDS})"
)
# "they'll send it to my mum unless...": a threat, not something already shared.
THREAT_ONLY = re.compile(r"\b(will|'ll|ll|gonna|going to|threaten\w*|unless|if i don'?t|if i dont|or else|or (he|she|they)|says? (he|she|they))\b")
NOT_SHARED = re.compile(
    # ("I'd prefer not to share my age" keeps something back; it says nothing about the pictures.)
    rf"\b{NEG}\s+{UNTIL_VERB}(posted|post|shared|share|sent|send|leaked|leak|put)\b"
    r"(?! (my|your|our|his|her|their) (age|name|details|info\w*|location|number|school)| (that|this|any details|personal))"
    r"|\bnot (posted|shared|sent|out|leaked)( (it|them|anything))?( yet)?\b|\bnothing'?s? (been )?(posted|shared|out)\b"
    # "is there anything that can stop them being posted?": a worry, not news.
    r"|\b(stop|prevent|before|avoid|keep) (\w+ ){0,2}(being|getting|from being|from getting|get|are|is) (posted|shared|leaked|spread|sent out)\b"
)
SHARED = re.compile(
    r"\b(has|have|'s|'ve|already|just|actually)\s+(already\s+|just\s+|actually\s+|now\s+)?(posted|shared|leaked|put (it|them) (up|online)|sent (it|them|the (pics?|video|vid|photos?)) to)\b"
    # ("i sent them something" is the writer sending to the blackmailer, not the pictures getting out.)
    r"|\b(?<!\bi )(?<!\bive )(?<!\bi've )(posted|shared|leaked|sent) (it|them|my (pics?|pictures?|photos?|nudes?|video|vid))\b"
    # "sent them the money": a payment, not the pictures.
    r"(?! if| unless| or|\s+(the |some |a |an |more |another |like |about |around |nearly |almost |over |all (of )?my |my )?(£|\$|€|\d|money|cash|savings|wages|bitcoin|btc|crypto|gift|vouchers?|steam|amazon|payment|transfer|quid|pounds?))"
    r"|\b(has|have|'s|'ve|they|he|she)? ?(posted|shared|leaked|sent) (the|those|these|that) (pics?|pictures?|photos?|nudes?|videos?|vid|images?|clip) to\b"
    r"|\b(everyone|people|my (mates|friends)) (has|have) (seen|got) (it|them)\b|\bgoing (round|around)\b"
    r"|\b(being|been|is being|was) (shared|posted|passed round|spread)\b|\bspread(ing)? (round|around)\b"
)
REFUSES_AGE = re.compile(
    r"\b(rather not|prefer not|not (gonna|going to) (say|tell)|none of (your|ur) (business|concern)|not telling|"
    r"doesn'?t matter|does it matter|not saying|skip( it| that)?|pass|mind your own|nope|nah|no comment|"
    r"i'?d rather not|don'?t want to say|dont want to say|no thanks)\b"
)
WHY = re.compile(
    # (Not any "why": "why do they even pick me" is not about the age question.)
    r"^\W*(why|how come|what for|y)\W*$|^\W*(why|how come|y)\b[^.?!]{0,25}\b(you|u|it|that)\b[^.?!]{0,15}\b(need|want|ask|asking|matter|care|relevant)"
    r"|\b(why|how come)\b[^.?!]{0,20}\b(my |the )?age\b|^\W*what for\b"
    r"|^\W*(does|do|would) (it|that|my age|age) (matter|make a difference|change anything)\b"
)
# Someone other than the writer: the subject of a helper's message.
# Someone else named: "my son", "a pupil", "boys in Year 9" (not just a pronoun: the blackmailer is often "he" or "they").
NAMED_OTHER = re.compile(
    r"\b(my|our|a|his|her|their|this) (best |close |little |older |younger |big |eldest |youngest )?(\d{1,2}[ -]?(year|yr)s?[ -]?old )?(son|daughter|child|kid|boy|girl|teen|teenager|friend|mate|bestie|brother|sister|"
    r"cousin|nephew|niece|grandson|granddaughter|student|pupil|learner|partner|husband|wife|boyfriend|girlfriend|"
    r"bf|gf|flatmate|colleague|young person|stepson|stepdaughter)s?('s|s')?\b|\bsomeone i know\b"
    r"|\bthe (\d{1,2}[ -]?(year|yr)s?[ -]?old )?(boy|girl|child|kid|lad|teen|young person|pupil|student) (i|we)\b"
    r"|\b(my|our) \d{1,2}[ -]?(year|yr)s?[ -]?old\b"
    # Staff about several young people: "boys in Year 9 are being targeted", "three sextortion cases".
    r"|\b(boys|girls|pupils|students|young people|lads|teenagers|learners)\b|\b(cases|case) (of|among|in)\b"
    # A pupil, a disclosure: words staff use about someone else ("pupil is sixteen, has sent £60").
    r"|(?<!i am a )(?<!i'm a )(?<!im a )\b(pupil|learner|young person)\b|\b(disclosure|disclosed)\b"
)
OTHER_PERSON = re.compile(NAMED_OTHER.pattern + r"|\b(he|she|they|him|her|them|his)\b")
OWN_STORY = re.compile(
    r"\b(of me|me unless|me if|me or|blackmailing me|threatening me|sextorting me|hacked my|if i (don'?t|dont|do not)|and i did|"
    r"my (?!(friend|mate|bestie|son|daughter|brother|bro|sister|sis|cousin|kid|child|boyfriend|girlfriend|partner|student|pupil)s?'?s? )"
    r"(\w+ )?(nudes|pics|pictures|photos|video|vid|nude|snaps|pic|picture|photo))\b|\bi (accepted|met|added|sent)\b"
    r"|\b(i'?m|im|i am) being\b|\bi('?ve| have)? (sent|paid|payed|was recorded|been recorded)\b"
    r"|(^|[.!?]\s*)(i )?(got|getting|been|being|was|have been|i'?ve been) (caught|catfished|scammed|sextorted|played|blackmailed|recorded)\b"
    r"|\b(i'?ve|ive|i have) (been|got) (caught|catfished|sextorted|blackmailed)\b"
    r"|\b(messaging|messaged|texting|texted|dming|dm'?d|contacting|emailing) me (with|saying|and saying|that)\b"
    r"|\b(pics?|pictures?|photos?|nudes?|videos?|vids?|snaps?) (off|from|outta|out of) me\b|\bgot me to (send|take|do|film)\b"
    r"|\b(happening|happened) to me\b|\b(i'?m|im|i am) the one (being|who'?s being|who is being|getting)\b"
    r"|\b(send|sent|show|showed|share|shared|post|posted|leak|leaked)(ing)? (it|them|\w+ \w+) to (all )?my\b"
    r"|^\W*(\w+ )?(man|woman|guy|girl|lad|bloke|male|female) here\b"
)
# A quotation: from an opening quote after a space to a closing one before a space or a stop ("he's"
# inside stays in).
QUOTED = re.compile(r"(?:^|(?<=[\s:(]))[\"'][^\"]+?[\"'](?=[\s.,!?;:)]|$)")
PICTURES = r"video|vid|pics?|pictures?|photos?|images?|nudes?|recording|footage"
# The writer's own pictures, whoever else the message names ("my cousin says she got a pic of me").
OWN_PICTURES = re.compile(
    rf"\b({PICTURES}|clip) of (me|myself)\b|\bmy (own )?(pics|pictures|photos|nudes|videos?|vids?)\b"
    # Taken from the writer's own profile to make fakes: "taken photos off my Instagram".
    rf"|\b({PICTURES}) (off|from) my (instagram|insta|ig|facebook|fb|socials?|profile|tiktok|snap\w*|linkedin|account)\b"
)
# Plainly the writer's own, whoever else is named ("my son told me to use this. they have a video of me").
PLAINLY_MINE = re.compile(
    rf"\b({PICTURES}|deepfakes?|fakes?) of me\b|\b(blackmailing|threatening|sextorting) me\b"
    r"|\b(i'?m|im|i am) the one (being|who'?s being|who is being|getting)\b"
    r"|\bi (got|received|had|have had) (an? |one of those |these |those )?(\w+ )?e-?mails?\b"
    # "I'm a teacher, 44, and I've been caught in one of these things": staff telling their own story.
    r"|\b(i'?ve|ive|i have) (been|got) (caught|sextorted|blackmailed|catfished)\b(?![^.?!]*\b(before|in the past|last (year|time)|years? ago)\b)"
)
# A friend's or partner's story: "my best mate is getting blackmailed", "threatening to send photos of her".
THIRD_PERSON_STORY = re.compile(
    r"\b(is|'s|has been|got|keeps|keep) (being |getting )?(blackmailed|threatened|sextorted|scammed|extorted|targeted)\b"
    r"|\b(of (her|him|them)|her (family|mum|mom|dad|parents|friends)|his (family|mum|mom|dad|parents|friends))\b"
    r"|\b(she|he)('s| is| has| was) (being|been|getting|got|paid|sent)\b|\b(he|she) asked me\b"
    r"|\b(his|her) (kids|children|boss|work|job|wife|husband|partner|followers|contacts|colleagues)\b"
    r"|\b(friend|mate|bestie|brother|bro|sister|sis|cousin)('?s|s') (nudes?|pics?|pictures?|photos?|videos?|vid)\b"
    r"|\b(recorded|filmed|screenshotted|screen ?recorded) (him|her)\b|\b(he|she) (has )?(just )?(confessed|admitted|owned up)\b"
    # "someone on TikTok has his pics": the pictures are someone else's.
    r"|\b(has|have|got|with|holding|posted|sharing|shared) (all )?(his|her) (\w+ )?(nudes?|pics?|pictures?|photos?|videos?|vids?)\b"
    r"|\b(blackmail|threaten|extort|sextort)(ing|s|ed)? (him|her|them)\b"
)
RECOVERY_SERVICE = re.compile(
    r"\b(recover\w*|delet\w*|remov\w*|wipe|erase|take (it|them) down|hack\w*|get (it|them|my \w+) back|lawyer|solicitor|"
    r"police|officer|company|service|expert|agency|investigator|firm|website)\b"
)
# The classifier's "fake pictures" counts only when the message says the pictures are not real.
FAKE_CUE = re.compile(
    r"\b(fake\w*(?! (account|acc|profile|page|girl|guy|woman|man|person|name|number|identity|insta|snap|one))|ai|a\.i|edit\w*|photoshop\w*|deep ?fakes?|generated|morph\w*|doctored|altered|nudif\w*|"
    r"undress\w*|face ?swap\w*|not (really |actually )?me|isn'?t (really |actually )?me|not my (body|face)|made up|"
    r"my face (on|onto|in)|put my face|someone else'?s body)\b"
)
# Someone real the person was in touch with: more than a scam email.
REAL_CONTACT = re.compile(
    r"\b(i sent (him|her|them|a|my|some)|we (were|was) (chatting|talking|messaging)|video ?call\w*|facetime\w*|"
    r"(met|added) (him|her|them|someone|a (girl|guy|woman|man)))\b"
    # Real pictures shown back: "they're showing me one of my private pics", "got into my memories".
    r"|\b(showing|showed|sent|sending) me (one of )?(my|a) (own |private )?(pics?|pictures?|photos?|nudes?|videos?)\b"
    r"|\bmy (snapchat |snap )?memories\b|\bmy eyes only\b"
)
# Someone named as the one doing it: "this scammer", "the blackmailer".
BLACKMAILER = re.compile(r"\b(scammers?|blackmailers?|extortionists?|sextortionists?|blackmailing|sextorting|extorting)\b")
# Real pictures taken from a real account, even when sent by email: "got into my iCloud... emailed me photos
# from my camera roll".
OWN_CLOUD = re.compile(
    r"\b(got|get|gotten|broke|broken|hacked) (into|in to) my (icloud|google photos|camera roll|gallery|snap\w*|memories)\b"
    r"|\b(sent|emailed|showed|shown|sending|showing) me (my )?(photos?|pics?|pictures?|videos?) (from|off|out of) my "
    r"(camera roll|phone|icloud|gallery|google photos|memories|cloud)\b"
)


def real_pictures(text: str) -> bool:
    """Whether a message tells of real contact or real pictures, not the mass scam email's bluff."""
    return bool(REAL_CONTACT.search(text) or OWN_CLOUD.search(text))


# "is ceop anonymous", "is reporting anonymous": whether reporting tells anyone, not whether this is a person.
REPORT_ANONYMOUS = re.compile(r"\b(is|are|can) (ceop|reporting|the report|reports|101|the police|it) (\w+ )?anonymous\b|\banonymous (report\w*|to (ceop|the police))\b|\breport(ing)? (it )?anonymously\b")
# A question about which take-down service names one, or taking down, or a service.
SERVICE_WORDS = re.compile(
    r"\b(report remove|stop ?ncii|take it down|take ?down|taken down|remov\w*|iwf|service|site|which one|for me|(two|different|both) (different )?(things|ones|sites|services|websites)|two sets|for (him|her|them)|"
    r"revenge porn|helpline|childline|ncmec|hash\w*|fingerprint)\b"
)
# A helper who turns out to be the one it is happening to: "ok fine its me, there is no mate".
ITS_ME = re.compile(
    r"(^|[.,!?]\s*|\b(ok|okay|fine|alright|honestly|tbh|ngl|actually|look|yeah|yh|ye|but)\W+)(it'?s|its|it is|it was) "
    r"(actually |really |just |literally )?me\b(?! again| here| (he|she|they|who)\b)"
    r"|\b(there is|there'?s|theres) no (mate|friend|m8)\b|\b(the|my) (mate|friend|m8) (is|was) (actually |really )?me\b"
    r"|\bi (lied|was lying)\b[^.?!]{0,30}\b(me|my own|myself)\b|\bnot (my|a) (mate|friend)\W+(it'?s|its|it is) me\b"
)
# Account security in any words: "should i turn on 2 factor" is no age, whatever the number.
ACCOUNT_SECURITY = re.compile(r"\b(2fa|mfa|(2|two)[- ]?(factor|step)|passwords?|passcodes?|log ?ins?|authenticator)\b")
# A take-down service asked about by name: the age group it is for.
# "Take It Down" the service, not "get the site to take it down".
SERVICE_NAMED_UNDER18 = re.compile(
    r"\b(report ?remove|iwf|ncmec)\b|\b(use|using|try|about|called|is|does|with|through|via|what'?s|whats|what is|on) take it down\b"
    r"|\btake it down (site|website|service|tool|thing|\.org|work|for (me|him|her|them|under))|^\W*take it down\W*$"
)
SERVICE_NAMED_ADULT = re.compile(r"\b(stop ?ncii|revenge porn helpline)\b")
ASKS_FOR_A_LINE = re.compile(
    r"\b(number|phone|call|ring|text|contact)\b[^.?!]{0,25}\b(childline|samaritans|shout|helpline|nspcc|papyrus|someone|a person)\b"
    r"|\b(childline|samaritans|shout|nspcc|papyrus)('?s)? (number|phone)\b"
    r"|\bwho (do|should|can|could) (i|we) (call|ring|phone|telephone|talk to|speak to|contact)\b"
)
# A scam email told about: "got one of those webcam emails", "an email saying they hacked my camera".
SCAM_EMAIL_TOLD = re.compile(
    r"\b(got|received|had|getting|get|keep getting) (an? |one of those |these |those |another )?(\w+ )?e-?mails?\b"
    r"[^.?!]{0,60}\b(webcam|camera|hack\w*|password|bitcoin|btc|crypto|recorded|video|porn)"
    r"|\b(webcam|sextortion|bitcoin|hacker|scam) e-?mails?\b"
    r"|\b(got|received|had|getting|to|from) (an? |this |one of those |the )?e-?mail (that |which )?(said|says|saying|claim\w*)\b"
    r"[^.?!]{0,60}\b(webcam|camera|hack\w*|recorded|filmed|video|password)"
    # The same scam by text message, with a link to click: "we have your private video, click to see".
    r"|\bclick (on )?(the |this )?(link )?(to|and) (see|view|watch|open)\b"
)
# A parent taking over the keyboard: "Hi this is his mum now. He's 14", "mum here: he's 15".
PARENT_TAKING_OVER = re.compile(
    r"\b(this is|it'?s|its|i'?m|im) (his|her|their) (mum|mom|dad|mother|father|parent|carer|nan|gran|grandma|grandad)\b"
    r"|^\W*(hi,? )?(mum|mom|dad|mother|father) (here|again)\b"
)
# A question, by its mark or its first word ("so I just ignore it?", "what about the photos"), also after a
# first sentence ("right ok. will the bank give the money back").
ASKS = re.compile(
    r"\?|^\W*(what|how|why|when|where|who|which|can|could|should|will|would|do|does|did|is|are|am)\b"
    r"|[.!;]\s+(what|how|why|where|which|can|could|should|will|would|does|is)\b(?! do\b)"
)
# Stopping pictures going up before they do: the hash services' question ("can it be stopped from going
# onto Instagram", "can I stop it being uploaded before he does it").
PREVENT_POSTING = re.compile(
    r"\b(stop|prevent|block)\b[^.?!]{0,30}\b(being |getting |from )?(uploaded|posted|put (up|online)|going (up|online|onto|on))\b"
    r"|\bbe (stopped|prevented|blocked) from (going|being|getting)\b"
)
# Steps of the plan at a glance said done by number: "done 1 and 2", "did steps 1-3".
DONE_STEPS = re.compile(
    r"^\W*(ok\W+|right\W+)?(done|did|finished|sorted|completed|ive done|i'?ve done|i did|we'?ve done|we did)\s+"
    r"(steps?\s+|number\s+|no\.?\s*)?\d((\s*(,|and|&|\+|-|to)\s*)\d)*\b"
)
# Leaving, said in passing: "forget it", "ok im going now".
LEAVING = re.compile(
    r"^\W*(ok |okay |right |anyway |nah |no )?(forget it|forget i said anything|never ?mind|nvm|leave it|"
    r"(i'?m|im|i am) (going|off|leaving|gonna go|going to go)( now)?|(gtg|got to go|gotta go)( now)?)\W*$"
)
# No demand: "hes not asking for anything, he just did it to be nasty" (news about the story, not a refusal).
NO_DEMAND = re.compile(
    r"\b(not|n'?t|never|hasn'?t|hasnt|didn'?t|didnt) (even )?(asking|asked|wanting|wanted|want|demanding|demanded) (me )?(for )?(anything|money|a penny|any money|cash|more pics)\b"
    r"|\b(no|not) (money|demands?)\b(?! yet)|\bjust (did it|doing it|wants? to) (to be )?(nasty|spiteful|control|humiliate|hurt)\b"
)
# Leaving for now, said in passing: "ok thanks im going to try sleep and do this tomorrow".
LEAVING_FOR_NOW = re.compile(
    r"\b(going to|gonna|off to|heading to) (try (and |to )?)?(sleep|bed|go to (bed|sleep)|get some sleep)\b"
    r"|\b(do|finish|look at|sort|deal with) (this|the rest|everything|all this)( properly)? (tomorrow|in the morning|later on|after school)\b"
)
# "bet", "say less", "sound": yes, carry on.
SLANG_OK = re.compile(r"^\W*(bet|say less|aight|ight|kk|sound|safe|cool|gotcha|got it|ok bet|bet bet|nice one|ta)\W*$")
# Asking for a person or a line, as opposed to asking for help in general.
ASKS_FOR_A_PERSON = re.compile(
    r"\b(person|human|someone|somebody|some1|anyone|any1|people|helpline|line|talk|speak|chat|call|ring|phone|text|number|"
    r"counsell?or|adviser|advisor|real|bot|support|childline|samaritans|shout|nspcc|papyrus|police|officer)\b"
)
# What a scam email says of itself; without any of it, "scam email" is the classifier's guess only.
EMAIL_CUE = re.compile(
    r"\b(e-?mails?|inbox|spam|junk|subject|sender|webcam|camera|bitcoin|btc|crypto|wallet|malware|virus|password|"
    r"hack(ed|er|ers)?|porn|adult (site|website)s?|recorded you|contacts list|trojan|spyware|device|laptop|computer)\b"
)
# A partner's or ex's threat, told about: the story changes to a partner's only when one is the threat.
PARTNER_CUE = re.compile(
    r"\b(ex|boyfriend|girlfriend|bf|gf|partner|husband|wife|fianc\w*)\b[^.?!]{0,40}\b(threaten\w*|post\w*|shar\w*|"
    r"send|sent|leak\w*|has|got|keeps|says|said|wants?|demand\w*)\b"
)
# Outside the UK: 999 and 101 are UK numbers. Northern Ireland is in the UK.
COUNTRIES: List[Tuple[str, re.Pattern[str]]] = [
    ("us", re.compile(
        r"\b(i'?m|im|i am|we'?re|we are|live|living|based) (in|from) (the )?(us|usa|u\.s\.?|america|united states|states)\b|\bi'?m american\b"
        r"|\b(work|works|for) (for )?(people|anyone|kids|teens) (in|from) (the )?(us|usa|u\.s\.?|america|united states|states)\b"
        r"|\b(i'?m|im|i am|we'?re|we are|live|living|based) (in|from) (texas|california|florida|new york|ohio|michigan|illinois|arizona|pennsylvania|new jersey|north carolina|"
        r"south carolina|virginia|tennessee|indiana|missouri|minnesota|wisconsin|colorado|alabama|louisiana|kentucky|oregon|"
        r"oklahoma|connecticut|utah|iowa|nevada|arkansas|mississippi|kansas|nebraska|idaho|massachusetts|maryland)\b"
    )),
    ("australia", re.compile(r"\b(in|from) (australia|oz|sydney|melbourne|brisbane|perth)\b|\baussie\b")),
    ("canada", re.compile(r"\b(in|from) (canada|toronto|vancouver|montreal|ontario)\b|\bcanadian\b")),
    ("ireland", re.compile(r"(?<!northern )\b(in|from) (ireland|the republic|dublin|cork|galway|limerick)\b|\bgarda[ií]?\b")),
    ("other", re.compile(r"\b(not|don'?t live|dont live) in the uk\b|\boutside (the )?uk\b|\b(i'?m|im|i am|we'?re|live|living) (in|from) "
                         r"(france|germany|spain|italy|poland|india|pakistan|nigeria|ghana|kenya|south africa|philippines|"
                         r"netherlands|belgium|sweden|norway|new zealand|singapore|the uae|dubai|brazil|mexico)\b")),
]
# Afraid of being outed: a specialist LGBT+ line helps.
OUTING = re.compile(
    r"\b(out me|outing me|outed|not out|isn'?t out|not come out|come out yet|coming out|closeted|in the closet)\b"
    r"|\b(i'?m|im|i am|he'?s|she'?s|they'?re) (gay|bi|bisexual|trans|queer|lesbian|nonbinary|non-binary)\b|\bgrindr\b"
)
def _demanded(before: str, said: str) -> bool:
    """Whether words said to pay are the demand or a pretence, not a payment: "they want him to pay with his
    mum's card", "so they think i've paid", "he wants me to send it through Western Union"."""
    # ("if i already paid, can i get it back?" says it was paid.)
    if re.search(r"\b(used|using|took|taken)\b[^.?!]{0,30}\bto\s*$", before):
        # "he used my card on my phone to send them £75": a payment made, not one asked for.
        return False
    if re.search(r"\bto (pay|send|buy|give)?\s*$|\b(think|thinks|believe|pretend\w*|fake)\b[^.?!]{0,12}$|\b(if|unless|whether|wish)\s+$", before) \
            and not re.match(r"(i |we )?already\b", said):
        return True
    # ("wants 1000 pounds, i panicked and sent him 200": the demand is in a clause of its own.)
    return bool(re.search(r"\b(wants?|wanting|asking|asked|demand\w*|told me to|telling me to)\b[^.?!,;]{0,40}$", before)) \
        and not re.search(r"\b(so|then|and)\b[^.?!]{0,10}$", before)


def payment_told(text: str) -> Optional[bool]:
    """True: says they (or the person helped) paid; False: says they haven't; None: says neither."""
    for match in PAID.finditer(text):
        before = text[max(0, match.start() - 30): match.start()]
        around = text[match.start(): match.end() + 20]
        demanded = _demanded(before, match.group(0))
        # "nothing's been paid": the negation may come before the words that say paid, in the same clause ("i
        # didnt have it so i sent £40" is a payment after all).
        clause = re.split(r"\b(?:so|but|then|anyway)\b", before)[-1]
        if not re.search(rf"\b{NEG}\s+(\w+\s+){{0,3}}$", clause + " ") and not NOT_PAID.search(clause[-20:] + around) \
                and not demanded:
            return True
    return False if NOT_PAID.search(text) else None


def sharing_told(text: str) -> Optional[bool]:
    """True: the pictures are already out; False: says they are not; None: neither."""
    if NOT_SHARED.search(text):
        return False
    return True if SHARED.search(text) else None


# A story in the person's own words, when the classifier did not name one: pictures and a threat.
IMAGE_CUE = re.compile(
    r"\b(pics?|pictures?|photos?|nudes?|naked|video|vid|clip|images?|snaps|recording|recorded|webcam|facetime|video call)\b"
    # Said without naming it: "i sent them something i shouldnt have".
    r"|\bsent (them|him|her|someone|some\w*|a (guy|girl|lad|man|woman)) (something|stuff|things|smth|sth) (that )?(i )?(really )?(shouldn'?t|shouldnt|should not)\b"
)
THREAT_CUE = re.compile(
    r"\b(unless|or else|if i (don'?t|dont|do not)|if (he|she|they) (don'?t|dont)|threaten\w*|blackmail\w*|show everyone|"
    r"send (it|them) to|post (it|them)|leak\w*|expose|going round|posted|shared|demand\w*|extort\w*|"
    r"stop (\w+ ){0,2}(from )?(send|sendin|sending|post|posting|sharing|leaking)|put (it|them) (on|up|online)|"
    r"wants? (money|£|\$|\d)|asking (me )?for (money|£|\$|\d)|(has|have|got) (a |my )?(\w+ )?(video|pics?|photos?|nudes?) of (me|him|her)"
    r"|(has|have|got|with|holding) (all )?(my|his|her) (\w+ )?(nudes?|pics?|pictures?|photos?|videos?|vid)"
    # "sum1 sayin theyll post my pic"
    r"|((he|she|they|someone|somebody|sum1|it)'?ll|(?<!\bi )will|gonna|going to|wanna|want to|wants to) (post|share|send|leak|spread|upload|expose) (my|his|her|our|the|them|those|these))\b"
)
# Said in so many words: "someone is trying to sextort me", "im being blackmailed".
EXTORTION_WORDS = re.compile(
    r"\b(sextort\w*|blackmail(ing|ed|in)? (me|him|her)|extort\w* (me|him|her)|(being|getting) blackmailed|threatening me|"
    r"(will|gonna|going to|threaten\w* to|(says|said|saying) (he|she|they)('?ll|'?d| will| would)) expose (me|him|her)|"
    r"(they'?re|theyre|he'?s|hes|she'?s|shes) (gonna|going to) (send|post|leak|share) (it|them)|"
    r"(insta|ig|snap|snapchat|instagram|tiktok|discord|whatsapp|facebook|fb|online|webcam|nudes?|pics?|photo|video) blackmail|"
    r"(someone|somebody|some (guy|girl|man|woman|account|person|lad)|a (guy|girl|man|woman|stranger))('?s| has| have)? (got|gotten|has) "
    r"(my|me) (pics?|pictures?|photos?|nudes?|videos?|vids?))\b"
    # A sum demanded, said in so many words to this service: "lad wants €200", "asking me for $500".
    r"|\b(wants?|wanting|asking( me)? for|asked( me)? for|demand\w*)( me to (pay|send))? ?(£|\$|€) ?\d"
)
MORE_PICTURES = re.compile(r"\b(send|do|make) (more|another|a video|a vid|more pics|more photos)\b|\bmore (pics|pictures|photos|videos|nudes)\b")


def story_in_words(text: str) -> Optional[str]:
    """The situation a message tells by its words alone (pictures and a threat), or None."""
    if not (IMAGE_CUE.search(text) and THREAT_CUE.search(text)) and not EXTORTION_WORDS.search(text):
        return None
    if FAKE_CUE.search(text):
        return "fake_images"
    if payment_told(text):
        return "already_paid"
    if sharing_told(text):
        return "images_shared"
    return "blackmail_images" if MORE_PICTURES.search(text) else "blackmail_money"


def steps_said_done(text: str) -> int:
    """The highest step number a message says is done ("done 1 and 2": 2), or 0."""
    match = DONE_STEPS.match(text)
    return max(int(n) for n in re.findall(r"\d", match.group(0))) if match else 0
