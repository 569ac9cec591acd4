"""What people say about age ("im 15", "fifteen", "she's 14", "I was 16 in the pic but I'm 20 now").

Two readings: a message that answers the assistant's age question may be a bare "15" or "sixteen";
any other message counts only an explicit statement ("im 15", "my 14 year old", "she is 16"), so an
amount ("50 quid"), a deadline ("24 hours") or a time ("by 10") is never read as an age.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Optional, Tuple

UNDER_18 = "under18"
ADULT = "adult"
UNKNOWN = "unknown"
AGE_GROUPS = (UNDER_18, ADULT, UNKNOWN)

_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty one": 21, "twenty two": 22, "twenty three": 23, "twenty four": 24, "twenty five": 25,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
}
_NUM = r"(\d{1,2}|" + "|".join(sorted((w.replace(" ", "[ -]") for w in _WORDS), key=len, reverse=True)) + r")"
_AGE = "(?P<n>" + _NUM[1:]  # the same, as the named group an age is read from
_NOT_AN_AGE = (
    r"(?!\s*(?:%|quid|pounds?|dollars?|euros?|k\b|grand|mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years? ago|"
    r"times?|pm|am\b|o'?clock|followers|messages|pics|photos|people|of (my|his|her|them)|x\b|\.\d|,\d{3}))"
)
# A birthday to come: "i'm 18 in march", "she's 16 next month" (a year younger now).
_SOON = (
    r"\s+(?:in|next|on|this|come|by) (?:like |about |around |roughly |only |just )?(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?|a (?:few |couple of )?(?:weeks?|months?|days?)|(?:\d+|two|three|four|five|six) (?:weeks?|months?|days?)|"
    r"week|month|(?:the )?(?:summer|spring|winter|autumn|new year)|(?:my|his|her) birthday)\b"
)
_TURNED_WHEN = re.compile(rf"\b(turned\s+{_NUM}){_SOON}")
# The writer's own age: "i'm 15", "im fifteen", "aged 16", "we're both 17", "21m".
_SELF = re.compile(
    rf"\b(i'?m|im|i am|i'?m only|i just turned|i turned|aged|age|we'?re both|we are both|were both|we'?re|we are)\s+"
    rf"(only\s+|just\s+|still\s+|nearly\s+|almost\s+|both\s+)?{_AGE}\b{_NOT_AN_AGE}(?!{_SOON})"
)
# Someone else's: "my son is 15", "she's fourteen", "my stepson (15)", "Year 10 girl, 14", "he turned 18".
_OTHER = re.compile(
    rf"\b(son|daughter|child|kid|boy|girl|lad|lass|player|brother|sister|bro|sis|friend|mate|bestie|cousin|nephew|niece|grandson|"
    rf"granddaughter|stepson|stepdaughter|student|pupil|learner|girlfriend|boyfriend|gf|bf|partner|flatmate|"
    rf"dad|father|mum|mom|mother|husband|wife|grandad|grandfather|grandma|grandmother|gran|nan|uncle|aunt|auntie|colleague|"
    rf"he|she|they|hes|shes|he'?s|she'?s|they'?re)(s|es)?(\s*,)?(\s+who)?(\s+is|\s+was|'s|\s+who'?s|\s+just turned|\s+turned|\s+has just turned|\s+have|\s+has)?\s+"
    rf"(only\s+|just\s+|still\s+|nearly\s+|almost\s+)?{_AGE}\b{_NOT_AN_AGE}(?!{_SOON})"
)
# Hurried: "son 14 pics posted on insta", "son 16 sextortion whatsapp": straight after the child, a number
# is their age (before "pics" too, or at the start of a sentence).
_CHILD_THEN_AGE = re.compile(
    rf"\b(son|daughter|stepson|stepdaughter|brother|sister|nephew|niece|grandson|granddaughter|boy|girl|lad)\s*,?\s+{_AGE}(?=\s+(pics?|photos?)\b)"
)
_CHILD_STARTS_AGE = re.compile(rf"(^|[.!?;]\s*)(my )?(son|daughter|stepson|stepdaughter)\s*,?\s+{_AGE}\b{_NOT_AN_AGE}")
# Doing it at an age, said in the present: "am i gonna get arrested for sending a nude at 17".
_DOING_AT = re.compile(rf"\b(sending|sharing|taking|send|share|take)\b[^.?!]{{0,25}}\bat {_AGE}\b{_NOT_AN_AGE}")
# The writer's own age, said in passing: "35, male", "16m", "21 f", "17 boy here", "male, 35" to start.
_SELF_TAGGED = (
    re.compile(rf"\b{_AGE}\s*,?\s*(male|female|m|f)\b(?!\s*(from|of))"),
    re.compile(rf"\b{_AGE}\s*,?\s*(boy|girl|guy|lad|man|woman|bloke) here\b"),
    re.compile(rf"^\W*(male|female|man|woman|guy|girl|boy|lad|bloke)\s*,\s*{_AGE}\b"),
    # "I'm a teacher, 32."
    re.compile(rf"\b(i'?m|im|i am) (a|an) \w+( \w+)?\s*,\s*{_AGE}\s*(?=[.,;!]|$)"),
)
# A number that is a sentence of its own ("...wants more. 15. snap"): only while the age is unknown. One of a
# list ("50, 100, 150") is a sum.
_STANDALONE = re.compile(rf"(^|[.!?,]\s+)(?<!\d,\s){_AGE}\s*(?=[.!?]|,\s(?!\d)|$)")
# Beside a payment, such a number is the money: "steam card, 50, used my dad's card".
_MONEY_NEAR = re.compile(r"\b(card|cards|steam|gift|voucher|paypal|paid|pay|sent|quid|pounds?|bucks|dollars?|bitcoin|crypto)\b|[£$€]")
# Said at the start of a sentence, the writer's own: "literally just turned 18 last month".
_JUST_TURNED = re.compile(rf"(^|[.!?,;]\s*)(literally\s+|only\s+)?(just\s+)?turned\s+{_AGE}\b{_NOT_AN_AGE}")
_BEFORE_YOU_ASK = re.compile(rf"\b{_AGE}\s*,?\s*(before you ask|if it matters|if that matters|btw|fyi)\b")
# A school year told about oneself at the start: "year 11, some guy…", "year 9 boy here", "lower sixth".
_SCHOOL_SELF = re.compile(
    r"^\W*(i'?m |im )?(in )?(year|yr) ?([7-9]|1[0-2])\b|\b(year|yr) ?([7-9]|1[0-2]) (boy|girl|student|pupil|lad) here\b"
    r"|^\W*(lower sixth|s ?[1-5])\b"
)
# "we're both 15": the writer's age and the person's they are helping.
_BOTH = re.compile(
    rf"\b(we'?re|we are|were|we|(me|i) and (him|her|my \w+) (are|r)|(my|his|her) \w+ and (me|i) (are|r))\s+((both|all)\s+{_AGE}\b{_NOT_AN_AGE}|(?P<m>\d{{1,2}})\s+(both|all|the pair)( of us)?\b)"
)
# "a girl who comes here, 15, told me", "one of my lads, 16, said": an age between commas after a person.
_APPOSITION = re.compile(
    rf"\b(girls?|boys?|lads?|lass|students?|pupils?|son|daughter|young (person|people|woman|man|women|men|lady)|kids?|child|children|players?|members?|learners?)\b"
    rf"[^.?!,]{{0,30}},\s*(aged\s+)?{_AGE}\s*[,.)]"
)
# "He's a first-year, 19, and..."
_DESCRIBED = re.compile(rf"\b(he'?s|hes|she'?s|shes|he is|she is) (a|an) [\w-]+( [\w-]+)?\s*,\s*{_AGE}\s*[,.)]")
# "a girl of 13", "my grandson who lives with me is 14", "all are 14 or 15".
_OF_AGE = re.compile(
    rf"\b(girl|boy|lad|lass|child|kid|son|daughter|grandson|granddaughter|nephew|niece|brother|sister|student|pupil|"
    rf"woman|man|lady|gentleman|guy|bloke|mother|father|mum|dad)s? (of|aged)\s+{_AGE}\b{_NOT_AN_AGE}"
)
# "I'm a married woman of 45", "I am a dad aged 38".
_SELF_OF_AGE = re.compile(
    rf"\b(i'?m|im|i am) (a|an) (\w+ ){{0,2}}(woman|man|lady|guy|bloke|mum|mom|dad|mother|father|widow|widower)s? "
    rf"(of|aged)\s+{_AGE}\b{_NOT_AN_AGE}"
)
_WHO_IS = re.compile(
    rf"\b(son|daughter|grandson|granddaughter|nephew|niece|brother|sister|stepson|stepdaughter|child|boy|girl|young person|placement)\b"
    rf"[^.?!,]{{3,30}}\b(is|'s) (only |just )?{_AGE}\b{_NOT_AN_AGE}"
)
_ALL_ARE = re.compile(rf"\b(all|both|they)( of them)?( are|'re)? (aged )?{_AGE}( or | and |-)\d{{1,2}}\b")
_BRACKETED = re.compile(rf"\(\s*{_AGE}\s*(m|f)?\s*[,)/ ]")
# "15 years old", "15yo", "15 y/o", "a 14 year old", "my 15yr old son".
# "together 6 years" is a duration, not an age: "years" counts only with "old".
_YEARS_OLD = re.compile(rf"\b{_AGE}\s*-?\s*((years?|yrs?)\s*-?\s*old|yo|y/o|y\.o\.?)(?!\w)")
# "I'll be 16 in June", "i turn 15 next month", "nearly 16": a year younger now.
_WILL_BE = re.compile(
    rf"\b(i'?ll|ill|i will|he'?ll|she'?ll) be\s+{_NUM}\b"
    rf"|\b(i|he|she) (turns?|'?ll turn|will turn|am turning|'?m turning|is turning|'?s turning)\s+{_NUM}\b(?!\s*(ago|years ago))"
    rf"|^\W*(nearly|almost|not quite|about to (be|turn))\s+{_NUM}\b"
    rf"|\b(i'?m|im|i am|(son|daughter|child|brother|sister)('s| is)) (only |just |still )?{_NUM}(?={_SOON})"
)
# The age in the picture: "I was 16 in the pic", "when I was 15", "they're from when I was 17".
_PICTURED = re.compile(
    rf"(\b(i|he|she|they) (was|were)\s+{_NUM}\b[^.?!]{{0,30}}\b(in ((most|all|some|a few|one|two) of )?(it|them|the (pics?|pictures?|photos?|videos?|vid|clip)))"
    rf"|\bin (it|them|the (pics?|pictures?|photos?|videos?|vid|clip)),? (i|he|she|they) (was|were) (only |just )?{_NUM}\b"
    rf"|\bwhen (i|he|she|they|we) (was|were)\s+(still\s+|only\s+|just\s+|both\s+|like\s+|about\s+|around\s+)?{_NUM}\b"
    rf"|\b(i|he|she|they) (was|were) (only |just )?{_NUM} then\b"
    rf"|\b(was|were) (i|he|she|they) (still\s+|only\s+|just\s+)?{_NUM} in (it|them|the (pics?|pictures?|photos?|videos?|vid|clip))\b"
    rf"|\bwhen\b[^.?!]{{0,40}}\b(and|while) (i|he|she|they|we) (was|were)\s+(still\s+|only\s+|just\s+)?{_NUM}\b"
    rf"|\bbefore (my|his|her|their) (18th |eighteenth )?birthday\b"
    rf"|\b(i|he|she|they|we) (was|were)\s+(only\s+|still\s+|both\s+)?{_NUM}\s+(when|at the time)\b"
    rf"|(^|[,.;!?]\s*)(was|were)\s+{_NUM}\b[^.?!]{{0,10}}\bin (it|them|the (pics?|pictures?|photos?|videos?|vid|clip))"
    rf"|\b(i|he|she|they|we) (was|were) (both |all |still |only )?(under ?(18|eighteen|age)|minors?|kids|teens)\b"
    rf"|\bbefore (i|he|she|they) (turned|was|were) (18|eighteen)\b|\bturned (18|eighteen)\b[^?!]{{0,60}}\b(before|(were|are|was|is|from) (from )?last year)\b"
    rf"|\b(pics?|pictures?|photos?|videos?|vid|clip|nudes?)\b[^.?!]{{0,30}}\b(from when|taken when|when)\s+(i|he|she|they)\s+(was|were)\s+{_NUM}\b"
    rf"|\bunder ?(18|age)\b[^.?!]{{0,20}}\b(in (it|them|the (pics?|pictures?|photos?|videos?)))"
    # "like we were both 16", "pictures of me from 17 and 18": the age then, not now.
    rf"|\bwe were (both |all )?(1[0-9]|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)\b(?! (years?|yrs?|months?|weeks?|days?|mins?|minutes?|hours?|hrs?)\b)|\b(pics?|pictures?|photos?|videos?|nudes?) of (me|him|her|them) from (1[0-9]|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)\b(?! (years?|yrs?|months?|weeks?|days?|mins?|minutes?|hours?|hrs?)\b)"
    rf"|\b(from|back in|was( [a-z]+){{0,4}} in|\b(we|they|you) were( [a-z]+){{0,4}} in) (year|yr) ?([7-9]|1[0-2])\b"
    rf")"
)
_UNDER = re.compile(
    r"\b(under|below|less than)\s*(18|eighteen)\b|\bu18\b|\bunder ?age\b"
    r"|\b(we'?re|we are|were) (all |both )?(in )?(year|yr) ?([7-9]|1[0-2])\b"
    # "not even 18 yet", "nearly 18", "i turn 18 next month": still under 18.
    r"|\bnot (even )?(18|eighteen)( yet)?\b|\b(nearly|almost|not quite)\s*(18|eighteen)\b"
    r"|\b(turn|turning)\s*(18|eighteen)\b|\b(i'?m|im|i am) (a )?(minor|kid|child|teen(ager)?)\b"
    r"|\bin (year|yr) ?([7-9]|1[0-3])\b|\bat (secondary|high) school\b|\bin (sixth form|high school|secondary)\b"
)
# "he's an adult", "she's over 18", "they're a minor": the person helped.
_THEY_ARE_ADULT = re.compile(
    r"\b(he|she|they|hes|shes|he'?s|she'?s|they'?re)( is| are)? (an? )?(adult|grown ?up|over (18|eighteen)|18\+)"
)
_THEY_ARE_UNDER = re.compile(
    r"\b(he|she|they|hes|shes|he'?s|she'?s|they'?re)( is| are)? (an? )?(minor|child|kid|under (18|eighteen)|under ?age)\b"
    r"|\b(he|she|they|hes|shes|he'?s|she'?s|they'?re)( is| are| goes| go)? (in|at|to) (primary|junior|infant|secondary|high) school\b"
)
# "we're 16", said by a friend answering the question: the friend's age and the one helped.
_WE_ARE = re.compile(rf"^\W*(we'?re|we are|were|we r)\s+(both\s+)?{_AGE}\b{_NOT_AN_AGE}")
# A pupil in Year 7 to 12 is under 18 (Year 13 may be 18).
_SCHOOL_YEAR = re.compile(r"\b(year|yr) ?([7-9]|1[0-2])s?\b")
_SCHOOL_YEAR_ANSWER = re.compile(r"\b((year|yr|y) ?([5-9]|1[0-2])|s ?[1-6]|p ?[5-7])\b")
_NOT_CHILD = re.compile(r"\b(not|no longer) (a )?(kid|child|minor|teen(ager)?)\b")
_OVER = re.compile(
    r"\b(over|above)\s*(18|eighteen)\b|\b18\s*\+|\b(i'?m|im|i am) (an )?(adult|grown ?up)\b|\bat uni(versity)?\b"
    r"|\b(i'?m|im|i am) a grown (man|woman|adult)\b"
)
# An answer to the question: a number first ("23. No I haven't paid", "16 ye", "21m").
_BARE = re.compile(
    rf"^[^\w£$€]*((yeah|yes|ye|yh|ok|okay|k|fine|alright|sure|well|lol|erm|umm?|ugh|oh|right|whatever|meh|bruh|idk|fine then)[,.! ]+){{0,2}}(i'?m |im |i am )?"
    rf"{_AGE}\s*(m|f|male|female)?\b{_NOT_AN_AGE}"
)
# An answer to the question may also be "over", "under", "adult", "a minor", "teen".
_BARE_GROUP_UNDER = re.compile(r"^\W*(under|minor|a minor|teen|teenager|kid|child|no,? under)\W*$")
_BARE_GROUP_ADULT = re.compile(r"^\W*(over|adult|an adult|grown ?up|older)(\W*$|[.,!]+\s)")


# "ground me till i'm 40", "when i'm 18 i'll…": an age to come, not the age now.
_AGE_TO_COME = re.compile(r"\b(till|til|until|untill|by the time|once|when)\s+(i'?m|im|i am|i turn|i'?ll be|ill be|i get to)\s+\w+")
# A grown-up's life, told in passing by the writer: "sent it to my wife", "my colleagues have seen it",
# "I've written letters to my daughters". (Not "my boss": teenagers have Saturday jobs.)
_ADULT_LIFE = re.compile(
    r"\bmy (wife|husband|marriage|colleagues|co-?workers|mortgage|daughters|sons|grandchildren|grandkids|kids|children)\b"
    r"|\bmy ex-? ?(husband|wife)\b|\bour (kids|children)\b|\b(share|shared|joint) custody\b"
    r"|\b(i'?m|im|i am) (married|divorced|widowed|retired|a (grand)?(father|mother|dad|mum) of)\b"
)
# "mid forties", "in my sixties", "early 20s": a decade is enough to tell the group.
_DECADE = re.compile(
    r"\b(i'?m |im |i am )?(in my |in his |in her )?(early|mid|late)?[- ]?"
    r"(teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|[2-8]0s)\b"
)
# "born 2011", "born in 2009": the year gives the age near enough.
_BORN = re.compile(r"\bborn (in )?((19|20)\d\d)\b")
# Pictures from both sides of 18: "some are from after my birthday", "so like a mix", "some from this year".
_MIXED = re.compile(
    r"\b(some (of them|of the (pics|photos|pictures|videos|vids|ones)|pics|photos|pictures|videos|vids|are|were|ones)|others|the others|"
    r"the rest|the newer ones|the new ones|the recent ones)\b[^.?!]{0,40}\b(after (my|his|her|their) "
    r"(18th |eighteenth )?birthday|after (i|he|she|they) turned (18|eighteen)|this year|recent(ly)?|"
    r"(when|since) (i|he|she|they) (was|were|turned|'?ve been) (18|19|2\d|eighteen|nineteen|twenty\w*)|at (18|19|2\d)|from after(?=\W*($|[.!?,])))\b"
    r"|\bfrom (1[0-7]|fifteen|sixteen|seventeen) (and|&|to|till|until) (1[89]|2\d|eighteen|nineteen)\b(?! (years?|months?|weeks?|days?)\b)"
    r"|\b(like a|kind of a|bit of a|it'?s a|its a|so a) mix\W*$|\bmix of (ages|both|before and after)\b|\bboth (ages|before and after)\b"
)
# "i was 17 when i sent most of them", from someone 18 now: the rest from after.
_MOST_OF_THEM = re.compile(r"\b(sent|took|taken|made|filmed|from) (most|half) of them\b|\b(most|half) of them (were|are|was) (from|taken|sent)\b")
# "20 now" beside the age in the picture: the age now.
_NOW = re.compile(rf"\b{_AGE}\s+now\b")


def _decade_group(text: str) -> Optional[str]:
    match = _DECADE.search(text)
    if not match:
        return None
    decade = match.group(4)
    if decade == "teens":
        # "late teens" may be 18 or 19; "early/mid teens" is under 18.
        return UNDER_18 if match.group(3) in ("early", "mid") else None
    return ADULT


def _born_group(text: str) -> Optional[str]:
    match = _BORN.search(text)
    return group_for_years(date.today().year - int(match.group(2))) if match else None


@dataclass(frozen=True)
class AgeStatement:
    """An age group the message states, and whether the pictures were taken under 18."""

    group: Optional[str]
    pictured_under18: bool = False
    pictured_adult_too: bool = False  # also pictures from 18 or over: "some are from after my birthday"


def _years(token: str) -> int:
    token = re.sub(r"[ -]+", " ", token)
    return int(token) if token.isdigit() else _WORDS[token]


def group_for_years(years: int) -> Optional[str]:
    if years < 5 or years > 99:
        return None
    return UNDER_18 if years < 18 else ADULT


def _first_found(pattern: re.Pattern[str], text: str) -> Optional[Tuple[int, str]]:
    """Where the first age the pattern finds starts, and its group."""
    for match in pattern.finditer(text):
        said = match.groupdict()
        years = _years(said.get("n") or said["m"]) - (1 if re.search(r"\b(nearly|almost)\b", match.group(0)) else 0)
        group = group_for_years(years)
        if group:
            return match.start(), group
    return None


def _first_group(pattern: re.Pattern[str], text: str) -> Optional[str]:
    """The first age the pattern finds: the person a message is about is usually named first ("she's 17,
    her boyfriend is 19")."""
    found = _first_found(pattern, text)
    return found[1] if found else None


def _earliest_group(patterns: Tuple[re.Pattern[str], ...], text: str) -> Optional[str]:
    """The age said first in the message, whichever way it is said ("A 17-year-old student... her ex, who
    is 19": the student's)."""
    found = [f for f in (_first_found(p, text) for p in patterns) if f]
    return min(found)[1] if found else None


def _adult_pictured(found: Optional[re.Match[str]]) -> bool:
    """Whether a picture told of was taken at 18 or over ("from when I was 19"; not "under 18")."""
    if found is None or re.search(r"under|before|minor|kids|teens", found.group(0)):
        return False
    return any(_years(g) >= 18 for g in found.groups() if g and re.fullmatch(_NUM, g))


def _standalone_group(text: str) -> Optional[str]:
    """A number that is a sentence of its own, unless a payment is told beside it."""
    for match in _STANDALONE.finditer(text):
        # Only the clause just before counts: "steam card, 50, used..." is money; "he wants more gift cards.
        # 14. insta" and "unless i pay, on insta, 17" tell an age.
        sentence = re.split(r"[.!?]", text[max(0, match.start() - 25): match.start() + 1])[-1]
        before = next((clause for clause in reversed(sentence.split(",")) if clause.strip()), "")
        if not _MONEY_NEAR.search(before):
            return group_for_years(_years(match.group("n")))
    return None


_JOKE_AGE = re.compile(r"^\W*(i'?m |im )?(69|420|1000|100|99)\b[^a-z]*(lol|lmao+|haha+|jk|xd|😂|🤣|💀)?\W*(lol|lmao+|haha+|jk)?\W*$|\b(69|420)\W+(lol|lmao+|haha+|jk)\b")


def read_age(text: Optional[str], answering: bool = False, about_someone_else: bool = False) -> AgeStatement:
    """The age group `text` states (None when it states none). `answering`: the message may be a reply to
    the age question, so a bare "15", "sixteen" or "over" counts too. `about_someone_else`: a helper's
    message, where "my son is 15" counts and the writer's own "I'm 45" does not."""
    if not text:
        return AgeStatement(None)
    lowered = _AGE_TO_COME.sub(" ", text.lower().replace("\u2019", "'"))
    # "I turned 18 in March" is past: only "I'm 18 in March" is a birthday to come.
    lowered = _TURNED_WHEN.sub(r"\1", lowered)
    if _JOKE_AGE.search(lowered):
        # "69 lol" is a joke, not an age: the question still stands.
        return AgeStatement(None)
    pictured = _PICTURED.search(lowered)
    pictured_under18 = False
    rest = lowered
    if pictured:
        numbers = [g for g in pictured.groups() if g and re.fullmatch(_NUM, g)]
        years = _years(numbers[0]) if numbers else 0
        pictured_under18 = (bool(numbers) and years < 18) or bool(
            re.search(r"under ?(18|eighteen|age)|\b(year|yr) ?\d|minors?|kids|teens|before|turned (18|eighteen)\b.*\blast year", pictured.group(0))
        )
        rest = lowered[: pictured.start()] + " " + lowered[pictured.end():]
    group = _group_now(rest, answering, about_someone_else) or _decade_group(rest) or _born_group(rest)
    if group is None and pictured:
        # "was 16 in the pics, 20 now"; "I turned 18 last week but the pics are from before".
        group = _first_group(_NOW, rest) or (ADULT if re.search(r"\bturned (18|eighteen)\b", pictured.group(0)) else None)
    if group is None and re.search(r"\b(took|taken|sent|made|filmed|recorded|from)\b[^.?!]{0,30}\bafter (my|his|her|their) (18th|eighteenth)\b", rest):
        # "i took them this summer, after my 18th".
        group = ADULT
    if group is None and pictured and numbers and re.search(r"\b(still (am|is|are)|(am|is|are) still)\b", rest):
        # "i was 17 when it was filmed and still am".
        group = group_for_years(years)
    if group is None and pictured and (_adult_pictured(pictured) or _adult_pictured(_PICTURED.search(rest))):
        # "the videos are from when I was 22", "some from when I was 17 and some from when I was 19": an
        # adult in a picture is an adult now.
        group = ADULT
    adult_too = bool(_MIXED.search(lowered)) or (pictured_under18 and (
        _adult_pictured(_PICTURED.search(rest)) or (group == ADULT and bool(_MOST_OF_THEM.search(lowered)))))
    if pictured_under18 and group is None and not re.search(r"\b(now|today|these days)\b", rest):
        # "the pics are from when I was 16" on its own says nothing about the age now.
        return AgeStatement(None, True, adult_too)
    return AgeStatement(group, pictured_under18, adult_too)


def _group_now(text: str, answering: bool, about_someone_else: bool) -> Optional[str]:
    if about_someone_else:
        explicit = _earliest_group(
            (_OTHER, _BOTH, _APPOSITION, _OF_AGE, _WHO_IS, _ALL_ARE, _BRACKETED, _YEARS_OLD, _DESCRIBED, _CHILD_THEN_AGE, _CHILD_STARTS_AGE), text
        )
    else:
        explicit = _first_group(_SELF, text) or _first_group(_JUST_TURNED, text) or _first_group(_DOING_AT, text) \
            or _first_group(_SELF_OF_AGE, text) \
            or _first_group(_YEARS_OLD, text) or next(
            (group for group in (_first_group(p, text) for p in _SELF_TAGGED) if group), None
        )
        if not explicit and answering:
            # Before the age is known: "…and he wants more. 15. snap", "twenty-five, before you ask".
            explicit = _standalone_group(text) or _first_group(_BEFORE_YOU_ASK, text)
        if not explicit and _SCHOOL_SELF.search(text):
            return UNDER_18
        if not explicit and answering and len(text.split()) <= 8:
            # "she's 16, we both are" as a short answer to the question: someone told about is still an
            # answer (in a longer message, "he said he was 18" is the blackmailer's age).
            explicit = _first_group(_BOTH, text) or _first_group(_OTHER, text)
    if explicit:
        return explicit
    will_be = _WILL_BE.search(text)
    if will_be:
        return group_for_years(_years(next(g for g in reversed(will_be.groups()) if g and re.fullmatch(_NUM, g))) - 1)
    if about_someone_else and _SCHOOL_YEAR.search(text):
        return UNDER_18
    if about_someone_else and _THEY_ARE_ADULT.search(text):
        return ADULT
    if about_someone_else and _THEY_ARE_UNDER.search(text):
        return UNDER_18
    if about_someone_else and answering:
        we_are = _first_group(_WE_ARE, text)
        if we_are:
            return we_are
    if not about_someone_else:
        if _NOT_CHILD.search(text) or _OVER.search(text) or _ADULT_LIFE.search(text):
            return ADULT
        if _UNDER.search(text):
            return UNDER_18
    if answering:
        bare = _BARE.match(text)
        if bare:
            return group_for_years(_years(bare.group("n")))
        if len(text.split()) <= 6 and _SCHOOL_YEAR_ANSWER.search(text):
            # "year 10", "yr 9 lol", "S4": a school year in answer is under 18.
            return UNDER_18
        if _BARE_GROUP_UNDER.match(text):
            return UNDER_18
        if _BARE_GROUP_ADULT.match(text):
            return ADULT
        if len(text.split()) <= 4:
            # "fifteen lol", "sixteen tbh": a word number in a longer message is more often a count
            # ("about ten of my friends").
            for word, value in sorted(_WORDS.items(), key=lambda kv: -len(kv[0])):
                if re.search(rf"\b{word}\b", text):
                    return group_for_years(value)
    return None


def states_own_age(text: str) -> bool:
    """Whether the message says the writer's age in so many words ("I'm 17", "a 17 year old"), as opposed
    to a word that only suggests one ("underage", "at uni")."""
    lowered = text.lower().replace("\u2019", "'")
    return bool(_SELF.search(lowered) or _JUST_TURNED.search(lowered) or _YEARS_OLD.search(lowered) or any(p.search(lowered) for p in _SELF_TAGGED))


def age_group_from_text(text: Optional[str]) -> Optional[str]:
    """The age group an answer to the age question gives, or None."""
    return read_age(text, answering=True).group
