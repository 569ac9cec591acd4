"""Who is telling the story, by the words they use about themselves and the person they help: school staff,
parents and carers, other helpers (support workers, colleagues, relatives of an adult), friends."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from actions.plan import FRIEND, OTHER_HELPER, PARENT, TEACHER

FAMILY_TARGETED = (
    r"\b(my|our) (elderly |old )?(dad|father|mum|mom|mother|grandad|grandfather|grandma|grandmother|gran|nan|uncle|aunt|auntie)"
    r"( \(\d+\))?( is \d+ and)? ((is being|has been|was|got|'s been|'s being|had been) "
    r"(blackmailed|threatened|scammed|sextorted|targeted|contacted|tricked|conned)\b"
    # "My dad (61) got one of those emails saying they've filmed him".
    r"|(has |'s )?(got|received|had|opened) (one of those|an?|this|these|some) (\w+ ){0,2}e-?mails?\b)"
)
# "on behalf of my mate": a friend's words, not a parent's or an adult helper's.
A_FRIEND = r"(best |close )?(friend|mate|bestie|bro|m8|pal)"
ROLE_PATTERNS: List[Tuple[str, re.Pattern[str]]] = [
    # A private tutor works for a family, with no school's safeguarding lead: an adult helping.
    (OTHER_HELPER, re.compile(r"\b(private|home|personal) (\w+ )?(tutor|teacher)\b")),
    (TEACHER, re.compile(
        r"\b(i'?m|i am|as|i work as|from) (a|an|the|his|her|their|deputy|the deputy) (\w+ ){0,2}(teacher|dsl|safeguarding lead|head of year|"
        r"deputy head|assistant head|head of (sixth form|house|department|school)|principal|headteacher|head|"
        r"form tutor|tutor|youth worker|school nurse|head ?teacher|pastoral|teaching assistant|ta|senco|"
        r"learning mentor|school counsellor|college tutor|lecturer|coach)\b"
        r"|\b(teacher|dsl|head of year|school nurse|form tutor|tutor|teaching assistant|youth worker|pastoral lead|"
        r"deputy head|head teacher|headteacher)( \d+)? here\b|\bhead of year \d+\b"
        # ("I am a student" is the writer's own life, not a teacher's.)
        r"|(?<!i am )(?<!i'm )(?<!im )\b(my|our|a|one of my|one of our) ((year|yr) ?\d{1,2} |\d{1,2}[ -]?(year|yr)s?[ -]?old |sixth form |primary |secondary )?(student|pupil|learner|tutee|form)s?\b"
        r"|\b(my|our|one of my|one of our) (\d{1,2}[ -]?(year|yr)s?[ -]?old )?(apprentice|trainee)s?\b"
        r"|^\W*(?!(my|our|his|her|their|a|the) )(\w+ ){0,2}(teacher|tutor|lecturer|coach|youth worker|teaching assistant|head of year|dsl|"
        r"pastoral (lead|manager|worker|officer)|safeguarding (lead|officer))\b( (at|in|from|for) [\w ]{1,30})?[.,:;!-]"
        r"|\bi (coach|teach|lecture|run (a|the|our) (youth|football|sports|rugby|scout|girls'?|boys'?) ?(club|group|team|centre))\b"
        r"|\bone of (my|our|the) ([\w-]+ )?(lads|players|girls|boys|members|squad|team|young people|kids)\b"
        r"|\b(welfare|safeguarding|child protection) (officer|lead|manager|coordinator)\b"
        r"|\bi work (at|in|for|on (the )?reception (at|in)|in the (school )?office (at|of)) (a|the|our|my) (\w+ ){0,2}(school|academy|college)\b"
        # ("a girl in my year" is how pupils speak of each other: only staff speak of a boy in their form.)
        r"|\b(student|pupil|child|young person) in (my|our) (year|class|form|school|tutor group|group)\b"
        r"|\b(boy|girl|kid) in (my|our) (form|tutor group)\b"
        r"|\bin year \d+\b.{0,60}\b(disclosed|told me)\b"
        r"|\b(has|have) (just )?disclosed\b|\b(our|the school'?s?) (dsl|safeguarding lead)\b"
        r"|\b(i'?m|im|i am) (the )?(deputy )?(dsl|designated safeguarding lead)\b"
        r"|\b(students|pupils|kids|children|young people) (have |has )?(come|came|been coming) to me\b"
        r"|\ba (year|yr) ?\d{1,2} (girl|boy|student|pupil|lad)\b"
        r"|\b(school office|school receptionist|office staff|work (at|in) (a|the|our) (school|college|academy))\b"
        r"|^\W*(the )?school nurse\b|\breception (at|in|of) (a|the|our) (secondary|primary|school|college|academy)\b"
        r"|\b(i'?m|im|i am|i work as|as) (a|an|the) (school )?(counsellor|counselor|nurse|librarian|mentor|receptionist|technician|support worker) "
        r"(in|at|for) (a|the|our) (\w+ ){0,2}(school|academy|college)\b"
    )),
    (PARENT, re.compile(
        r"\b(my|our) (\d{1,2} ?(year|yr)s? ?old |teenage |little |eldest |youngest |step ?)?"
        r"(son|daughter|child|kid|boy|girl|lad|lass|teen|teenager|stepson|stepdaughter|grandson|granddaughter)\b"
        r"|^\W*(son|daughter|stepson|stepdaughter)\b"
        # "...sextorted. Son is 15", "nephew staying with us for half term", "when your teenager is...".
        r"|(^|[.!?;]\s*)(son|daughter|stepson|stepdaughter|nephew|niece|grandson|granddaughter)( is| has| was|'s|,| \(| staying| living|\s+\d{1,2})\b"
        r"|\bwhen your (teenage |\d{1,2} ?(year|yr)s? ?old )?(son|daughter|child|kid|teen|teenager)\b"
        r"|\b(i'?m|i am) (a|his|her|their) (parent|mum|mom|dad|father|mother|carer|guardian|nan|gran|grandma|grandad|"
        r"foster carer|step[ -]?mum|step[ -]?dad|step[ -]?parent|aunt|uncle)\b|\bon behalf of my\b(?! " + A_FRIEND + r")|\b(foster|adopted) (son|daughter|child|kid|placement)\b"
        # Kinship carers: "I look after my nephew, he's 16".
        r"|\bi (look after|care for|am raising|'m raising|am bringing up|'m bringing up) (my|our) (nephew|niece|grandson|granddaughter|"
        r"grandchild|grandkids|little brother|little sister|younger brother|younger sister)\b|\b(kinship|foster) carer\b"
    )),
    (OTHER_HELPER, re.compile(
        r"\b(support worker|social worker|key worker|care worker|care home|youth worker|mentor|counsellor|"
        r"advocate)\b|\b(asking|writing|here) (about|for|on behalf of) (a|an|our|someone|my(?! " + A_FRIEND + r"))\b"
        r"|\bon behalf of\b(?! my " + A_FRIEND + r")"
        r"|\b(a|my|our) (colleague|co-?worker|neighbour|neighbor|relative) (has )?(just )?(confided in me|told me|came to me)\b"
        # "A colleague (38) has received a fake nude": someone else's story told by the person beside them.
        r"|^\W*(a|my|our) (colleague|co-?worker|neighbour|neighbor|flatmate|housemate)( \(\d{1,2}\))? (has|is|was|got|received|keeps|just)\b"
        # A grown-up child for a parent: "my father is 75 and has been targeted".
        r"|" + FAMILY_TARGETED
    )),
    (FRIEND, re.compile(
        r"\b(my|our) (best |close |little |older |younger |big )?(friend|mate|bestie|bro|brother|sister|sis|cousin|"
        r"flatmate|roommate|housemate|colleague|coworker|partner|husband|wife|boyfriend|girlfriend|bf|gf)('s|s)?\b"
        # "how do u help a friend whos being blackmailed".
        r"|\b(help|helping|support|supporting) a (friend|mate|bestie)\b|\ba (friend|mate) (who'?s|whos|who is|that'?s|thats) (being|getting)\b"
    )),
]


def role_told(text: str) -> Optional[str]:
    for role, pattern in ROLE_PATTERNS:
        if pattern.search(text):
            return role
    return None
