"""Conversations the load generator plays: shaped like real ones, worded the way frightened teenagers write.

Every conversation: a greeting, a blackmail story, the age button's payload, then several steps of the
plan ("next" buttons and typed "ok"s) mixed with the questions people ask in the middle; about one in four
also carries a crisis message, which goes down the crisis path (the heaviest reply). The wording here is
written for the benchmark, not copied from the training data, so NLU does the work it does in production.
"""
from __future__ import annotations

import random
from typing import List

GREETINGS = ["hi", "hello??", "hey", "hi is anyone there", "um hi", "hiya", "hey i need help", "hello"]

STORIES = [
    "someone on snap has my nudes and says he'll send them to everyone at my school unless i pay £200 tonight",
    "this girl added me on insta and we swapped pics and now some guy says pay 300 dollars or my family sees them",
    "i sent pics to a girl i met on discord and now its a man saying he wants £150 in gift cards or he posts them",
    "omg someone screen recorded our facetime and wants money by midnight or it goes on my followers",
    "a guy says he has a video of me naked and will send it to my mum and my friends if i dont pay him",
    "they're saying i have 24 hours to send £500 or they post my pics with my name on them",
    "some account on tiktok keeps sending me my own photos and says i owe them 100 quid",
    "i did something stupid on a video call and now theyre asking for bitcoin or they share it",
    "he wants more pics or he'll post the ones he already has",
    "she says if i dont send more videos shes going to send the old ones to my whole contact list",
    "i already paid him £80 but now he wants more and says he'll still post them",
    "someone made fake nudes of me with my face and says pay or he posts them",
]

AGE_BUTTONS = ['/tell_age{"age_group":"under18"}', '/tell_age{"age_group":"adult"}', "/prefer_not_say"]

NEXT = ["/next_step", "/next_step", "ok", "what do i do next", "okay then what", "/next_step"]

QUESTIONS = [
    "should i just pay him",
    "will he actually post them",
    "am i going to get in trouble for sending them",
    "can i get the pics taken down",
    "how do i report him",
    "is this my fault",
    "can i talk to a real person",
    "what if he already sent them",
    "is it illegal what hes doing",
]

CRISIS = [
    "i cant do this anymore i just want to die",
    "if they post it im going to kill myself",
    "honestly everyone would be better off without me",
    "ive been thinking about ending it tonight",
]

CLOSINGS = ["thanks", "thank you so much", "ok thanks", "bye"]


def conversation(rng: random.Random) -> List[str]:
    """One conversation's user messages, in order (8 to 13 of them)."""
    messages = [rng.choice(GREETINGS), rng.choice(STORIES), rng.choice(AGE_BUTTONS)]
    questions = rng.sample(QUESTIONS, 3)
    steps = [rng.choice(NEXT) for _ in range(rng.randint(3, 5))]
    middle = steps + questions[: rng.randint(1, 3)]
    rng.shuffle(middle)
    messages += middle
    if rng.random() < 0.25:
        messages.insert(rng.randint(3, len(messages)), rng.choice(CRISIS))
    messages.append(rng.choice(CLOSINGS))
    return messages
