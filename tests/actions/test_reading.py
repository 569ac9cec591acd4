"""What a message means in context (actions/reading.py): the parse and the conversation state together."""
from typing import Any, List, Optional, Tuple

import pytest

from actions.age import ADULT
from actions.plan import EMAIL_SCAM, FRIEND, TEACHER, Situation
from actions.reading import (
    CRISIS_AGAIN, AGE_ANSWER, AGE_SKIPPED, AGE_WHY, CRISIS, DENY, GREET, NEXT, NOT_UNDERSTOOD, OPENING, QUESTION, RETOLD, SITUATION,
    Parse, State, interpret,
)
from actions.cues import payment_told, sharing_told
from actions.roles import role_told

VICTIM_IN_PLAN = Situation("money", "under18")
ASKED_AGE = State(Situation("money", None), step="age", age_asked=1)


def parse(intent: str, text: str, ranking: Optional[List[Tuple[str, float]]] = None,
          entities: Optional[List[Tuple[str, str]]] = None) -> Parse:
    return Parse(intent, text, tuple(ranking or [(intent, 0.95)]), tuple(entities or []))


def read(intent: str, text: str, state: State = State(Situation(None, None)), **kwargs: Any):
    return interpret(parse(intent, text, **kwargs), state)


@pytest.mark.parametrize("text", ["I've not sent her a penny", "nothing paid so far", "i havent paid anything",
                                  "no i didnt pay him", "not a penny", "I don't think he's paid anything"])
def test_negated_payment_is_not_a_payment(text):
    assert payment_told(text.lower()) is False
    reading = read("already_paid", text)
    assert reading.act == SITUATION and not reading.situation.has_paid and reading.situation.kind == "money"


@pytest.mark.parametrize("text", ["i already sent him 80 on paypal", "ive paid them £50", "he's paid them twice, £80 and £120",
                                  "i bought £300 of apple gift cards", "my friend has paid someone with his dad's card",
                                  "I've given them £60 already", "my son has been paying someone who has photos of him",
                                  "He used my credit card, three payments totalling about £300",
                                  "he has now taken £500 from her savings account", "if i already bought them steam cards can i get it back",
                                  "sent the crypto like they said and they still want more", "the guy got £250 off me last week",
                                  "i send already 300 pound with western union yesterday", "paid them 0.05 btc last night",
                                  "he wanted 500, i freaked out and sent him 100 by bank transfer",
                                  "she used my debit card to send them £40 on friday"])
def test_told_payments_are_payments(text):
    assert payment_told(text.lower()) is True


@pytest.mark.parametrize("text", ["they sent it to my cousin", "19. sent them like a month ago",
                                  "does the fact they actually sent it make it worse", "he wants £200 by tonight",
                                  "she sent a pic first then i sent one back and now its demanding £££",
                                  "I sent photos. Now a man says he'll send them to my wife unless I pay £2,000."])
def test_pictures_sent_or_money_demanded_are_not_payments(text):
    assert payment_told(text.lower()) is not True
    assert not read("already_paid", text).situation.has_paid


def test_saying_you_have_not_paid_undoes_an_earlier_guess():
    state = State(Situation("paid", "adult", has_paid=True), step="evidence")
    reading = read("ask_should_pay", "No, I haven't paid anything. Should I just pay?", state)
    assert not reading.situation.has_paid and reading.situation.kind == "money"


def test_a_threat_to_post_is_not_a_sharing():
    assert sharing_told("no he hasnt posted it yet") is False
    # Keeping one's age back says nothing about the pictures.
    assert sharing_told("i'd prefer not to share my age") is None
    reading = read("images_shared", "they said they'll send it to my mum and my football team")
    assert not reading.situation.is_shared


def test_posted_pictures_are_shared():
    assert read("images_shared", "they made a group chat with my followers and posted it").situation.is_shared


@pytest.mark.parametrize(
    "text, expected",
    [("15", "under18"), ("fifteen", "under18"), ("im 16", "under18"), ("23. No I haven't paid", "adult"),
     ("16 ye", "under18"), ("over", "adult"), ("twenty two", "adult")],
)
def test_answers_to_the_age_question(text, expected):
    reading = read("tell_age", text, ASKED_AGE)
    assert reading.act == AGE_ANSWER and reading.situation.age_group == expected


@pytest.mark.parametrize("intent, text", [("out_of_scope", "none of your business"), ("prefer_not_say", "rather not say"),
                                          ("deny", "no"), ("gibberish", "not telling")])
def test_refusals_to_give_an_age_skip_it(intent, text):
    reading = read(intent, text, ASKED_AGE)
    assert reading.act == AGE_SKIPPED and reading.situation.age_group == "unknown"


def test_why_after_the_age_question_is_answered_once():
    assert read("out_of_scope", "why do you need that", ASKED_AGE).act == AGE_WHY
    again = State(ASKED_AGE.situation, step="age", last_reply=AGE_WHY)
    assert read("prefer_not_say", "why do you need that", again).act == AGE_SKIPPED


def test_an_age_told_later_is_still_an_age():
    state = State(Situation("money", "unknown"), step="overview")
    assert read("nlu_fallback", "23", state).act == AGE_ANSWER


def test_does_it_matter_after_the_age_is_known_keeps_the_age():
    state = State(Situation("fake", "adult"), step="evidence")
    reading = read("prefer_not_say", "does it matter that its not actually me", state)
    assert reading.act == NOT_UNDERSTOOD and reading.situation.age_group == "adult"


def test_pictures_taken_under_18_of_someone_now_adult():
    reading = read("blackmail_money", "I was 16 in the pic but I'm 20 now, he wants money")
    assert reading.situation.age_group == "adult" and reading.situation.pictured_under18


def test_not_a_kid_is_an_adult():
    assert read("blackmail_money", "I'm not a kid, I'm 25. he wants £300").situation.age_group == "adult"


def test_an_opening_that_says_nothing_yet_is_not_a_situation_nor_a_helper():
    assert read("helper", "hey, this is awkward to say").act == OPENING


@pytest.mark.parametrize("intent, text, kind", [
    ("deny", "no i mean i didnt pay", "money"), ("nlu_fallback", "no money sent", "money"),
    ("already_paid", "i already sent him 50 quid", "paid"),
])
def test_paying_or_not_told_before_any_story_is_the_story(intent, text, kind):
    reading = read(intent, text, State(Situation(None, None), last_reply=DENY))
    assert reading.act == SITUATION and reading.situation.kind == kind


@pytest.mark.parametrize("last_reply, act", [(DENY, SITUATION), (NOT_UNDERSTOOD, SITUATION), (GREET, NEXT), (None, NEXT)])
def test_asking_what_next_with_no_story_told_gets_the_usual_plan_once_past_hello(last_reply, act):
    assert read("next_step", "wat next", State(Situation(None, None), last_reply=last_reply)).act == act


@pytest.mark.parametrize(
    "intent, text, role, age",
    [
        ("blackmail_images", "I'm a teaching assistant. A Year 9 girl showed me a message threatening to send a photo of her", "teacher", "under18"),
        ("blackmail_money", "Head of Year 10 here. A boy in my year has just disclosed he's being blackmailed", "teacher", "under18"),
        ("blackmail_money", "I'm writing on behalf of my grandson who lives with me. He is sixteen. I am 71", "parent", "under18"),
        ("blackmail_money", "my best mate is getting blackmailed, some scammer recorded him. hes 22", "friend", "adult"),
        ("helper", "My daughter is 17. Her boyfriend, who is 19, is threatening her", "parent", "under18"),
        ("helper", "Head of Year 11 here. Looking for guidance on a sextortion disclosure, pupil is sixteen, has sent £60", "teacher", "under18"),
        # The pupil's own words, quoted, are not the teacher's story.
        ("blackmail_money", "A boy in Year 11 (15) told me he's being sextorted and said 'my dad will kill me if he finds out, sir'", "teacher", "under18"),
    ],
)
def test_helpers_are_read_from_who_tells_the_story(intent, text, role, age):
    reading = read(intent, text)
    assert reading.situation.is_helper and reading.situation.role == role and reading.situation.age_group == age


@pytest.mark.parametrize("intent, text", [
    ("helper", "guy says he hacked my snap and has my saved pics and will post them"),
    ("blackmail_money", "I'm 38, married. I accepted a friend request and now they'll send it to my wife"),
])
def test_own_stories_with_family_words_are_the_victims(intent, text):
    assert not read(intent, text).situation.is_helper


def test_a_helper_stays_a_helper_when_the_story_goes_on():
    state = State(Situation("helper", "under18", is_helper=True, role="parent"), step="evidence")
    reading = read("blackmail_money", "they want £200 and they've got his friends list", state)
    assert reading.act == RETOLD and reading.situation.is_helper


def test_later_ages_of_other_people_do_not_replace_the_childs():
    state = State(Situation("helper", "under18", is_helper=True, role="parent"), step="evidence")
    reading = read("partner_threat", "Her boyfriend, who is 19, has been threatening her for weeks now", state)
    assert reading.situation.age_group == "under18"


def test_the_situation_told_again_is_retold_not_new():
    state = State(VICTIM_IN_PLAN, step="evidence")
    assert read("blackmail_money", "its on snapchat and he wants 200", state).act == RETOLD


def test_an_unsure_retelling_does_not_change_the_story():
    state = State(Situation("money", "adult"), step="overview")
    reading = read("partner_threat", "im dead if my mum sees this honestly", state, ranking=[("partner_threat", 0.4)])
    assert reading.situation.kind == "money"


def test_a_question_that_also_tells_the_story_is_the_story():
    ranking = [("ask_should_pay", 0.5), ("blackmail_money", 0.4)]
    reading = read("ask_should_pay", "he says hell post my pics if i dont pay, should i?", ranking=ranking)
    assert reading.act == SITUATION and reading.question == "ask_should_pay"


def test_crisis_keeps_the_story_it_was_told_with():
    ranking = [("crisis", 1.0), ("blackmail_money", 0.6)]
    reading = read("crisis", "he'll post it and i want to die", ranking=ranking)
    assert reading.act == CRISIS and reading.told == "money"


def test_straight_after_the_crisis_reply_an_unclear_message_stays_with_the_crisis():
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply=CRISIS)
    assert read("already_paid", "i havent taken any. i dont know", state, ranking=[("already_paid", 0.5)]).act == CRISIS
    assert read("affirm", "ok lets carry on", state).act == NEXT
    assert read("ask_delete", "can i delete the chat now", state, ranking=[("ask_delete", 0.7)]).act == QUESTION


def test_news_said_as_a_plain_no_is_news():
    state = State(Situation("money", "under18"), step="evidence")
    assert read("deny", "nah i aint paid", state).act == RETOLD


@pytest.mark.parametrize("text, role", [("i'm a form tutor", "teacher"), ("my 15 year old son", "parent"),
                                       ("support worker here, asking about an adult i support", "helper"),
                                       ("my best friends ex", "friend")])
def test_roles(text, role):
    assert role_told(text) == role


def test_platforms_named_are_all_kept():
    reading = read("blackmail_money", "met on insta, moved to snap", entities=[("platform", "insta"), ("platform", "snap")])
    assert reading.platforms == ("insta", "snap")



@pytest.mark.parametrize(
    "intent, text, told",
    [
        ("ask_will_they_post", "now they say they will show everyone if i dont do a video", "images"),
        ("ask_my_fault", "ive been sending steam gift cards to someone who has a video of me", "paid"),
        ("nlu_fallback", "Head of Year 11 here. A nude image of one of our boys is going round pupils' phones", "shared"),
    ],
)
def test_a_story_in_the_persons_own_words_is_a_story_whatever_the_classifier_said(intent, text, told):
    reading = read(intent, text, ranking=[(intent, 0.5)])
    assert reading.act == SITUATION and reading.situation.kind == told


def test_danger_words_straight_after_the_crisis_reply_stay_with_the_crisis():
    state = State(Situation("helper", "under18", is_helper=True), step="evidence", last_reply=CRISIS)
    assert read("danger_now", "hes at his house, im 20 mins away", state).act == CRISIS


@pytest.mark.parametrize("text", ["Ok I've rung 999. They're sending someone round.", "ambulance is on its way now", "ok calling"])
def test_help_on_its_way_is_still_the_crisis(text):
    state = State(Situation("helper", None, is_helper=True), last_reply=CRISIS)
    assert read("affirm", text, state, ranking=[("affirm", 0.9)]).act == CRISIS


@pytest.mark.parametrize("text, country", [("im in the us and he wants $500", "us"), ("We're in Cork", "ireland"),
                                           ("i'm in texas, does this work for people in the US", "us"),
                                          ("I live in Northern Ireland", None), ("im british but living in spain", "other")])
def test_outside_the_uk(text, country):
    assert read("blackmail_money", text).situation.country == country


def test_fear_of_being_outed():
    assert read("blackmail_money", "a guy from grindr says he'll out me to my family").situation.fears_outing


@pytest.mark.parametrize("text", ["they want him to pay with his mum's card", "he wanted 400, i didnt have it so he posted them",
                                  "i couldn't afford what she asked"])
def test_a_demand_or_money_not_had_is_not_a_payment(text):
    assert payment_told(text.lower()) is not True


def test_a_payment_in_plain_words_without_i():
    assert payment_told("i already send 60 pound to her") is True


def test_fake_pictures_need_words_that_say_so():
    reading = read("fake_images", "they've sent the pics to my whole class", ranking=[("fake_images", 0.6), ("images_shared", 0.35)])
    assert reading.situation.kind == "shared"
    assert read("fake_images", "someone put my face on a naked body with an app").situation.kind == "fake"


@pytest.mark.parametrize("text", ["Head of Year 10 here, a pupil told me someone is threatening him",
                                  "I coach a junior rugby team and one of my players is being blackmailed",
                                  "College lecturer: a 17 year old student says a man has a video of him",
                                  "Some pupils have come to me worried that a picture of a Year 8 girl is being passed round",
                                  "A question from a maths teacher: a boy says someone has a photo of him",
                                  "I'm an assistant head and a pupil has told me he is being blackmailed",
                                  "I work on reception at a secondary school. A mum phoned, her son is being blackmailed"])
def test_staff_and_coaches_are_teachers(text):
    assert role_told(text.lower()) == "teacher"
    assert read("blackmail_money", text).situation.is_helper


def test_a_spouse_telling_their_partners_story_is_a_helper():
    text = "My wife admitted a man recorded her on a call and wants money or he'll send it to her boss"
    assert read("blackmail_money", text).situation.is_helper


def test_the_writers_own_story_stays_theirs_even_when_read_as_a_helper():
    text = "woman here, 24. a guy i met online posted my pics to my friends list"
    assert not read("helper", text, ranking=[("helper", 0.6), ("images_shared", 0.3)]).situation.is_helper


def test_sextortion_said_in_one_word_is_a_story():
    reading = read("ask_how_report", "help someone is trying to sextort me", ranking=[("ask_how_report", 0.4)])
    assert reading.act == SITUATION


def test_an_unclear_message_before_any_story_is_an_opening_not_off_topic():
    assert read("out_of_scope", "how do i make it all go away", ranking=[("out_of_scope", 0.3)]).act == OPENING


def test_the_story_told_with_a_crisis_is_kept():
    reading = read("crisis", "a man has all my pics and i cant cope im going to unalive myself", ranking=[("crisis", 1.0)])
    assert reading.act == CRISIS and reading.situation.known


def test_still_talking_about_the_crisis_after_its_reply_stays_with_it():
    state = State(VICTIM_IN_PLAN, step="plan", last_reply=CRISIS)
    reading = read("ask_will_they_post", "i dont know. i havent taken any yet", state, ranking=[("ask_will_they_post", 0.8)])
    assert reading.act == CRISIS


def test_a_scam_email_stays_a_scam_until_someone_real_is_in_it():
    state = State(Situation("email_scam", "adult"), step="plan")
    assert read("blackmail_money", "how did they get my old password", state).situation.kind == "email_scam"
    real = read("retold", "actually a girl on snap i was chatting to has my vid", state, entities=[("platform", "snap")])
    assert real.situation.kind != "email_scam"


def test_a_partner_named_in_an_idiom_does_not_change_the_story():
    state = State(Situation("email_scam", "adult"), step="plan")
    assert read("partner_threat", "my husband would kill me if he saw that", state).situation.kind == "email_scam"


def test_a_negation_does_not_reach_past_its_own_clause():
    assert sharing_told("i didnt pay so they sent it to loads of people from my class") is True


def test_a_video_call_with_someone_met_online_is_not_a_scam_email():
    text = "met a woman on a dating site, we did a video call and now a man wants 2000 or he sends it to my family"
    assert read("email_scam", text).situation.kind == "money"


def test_an_age_after_a_word_of_reluctance():
    assert read("tell_age", "ok fine 14", ASKED_AGE).act == AGE_ANSWER


def test_a_deadline_while_the_age_is_asked_is_more_of_the_story():
    reading = read("tell_age", "she wants £90 by 11", ASKED_AGE)
    assert reading.act == RETOLD and reading.situation.age_group is None


def test_someone_elses_age_in_a_long_story_is_not_the_writers():
    text = "this man i met online said he was 19 and now hes got my pics and says hell send them to my school"
    assert read("blackmail_money", text).situation.age_group is None


def test_a_scam_email_guess_without_anything_of_an_email_is_a_real_threat():
    assert read("email_scam", "the same tiktok account has threatened three of my mates").situation.kind != "email_scam"
    assert read("email_scam", "got an email saying they hacked my webcam").situation.kind == "email_scam"


def test_asking_for_help_in_general_is_an_opening_not_a_helpline_request():
    assert read("ask_human", "yo need help with something").act == OPENING
    assert read("ask_human", "can i talk to a real person").act != OPENING


def test_slang_for_yes_carries_on():
    assert read("out_of_scope", "bet", State(VICTIM_IN_PLAN, step="evidence")).act == NEXT


def test_a_parent_named_in_passing_does_not_make_the_writers_own_story_a_helpers():
    text = "my daughter said to use this. someone has a video of me and wants money"
    assert not read("helper", text).situation.is_helper


def test_declining_before_the_age_was_asked_declines_nothing():
    reading = read("prefer_not_say", "i'd rather not get into it")
    assert reading.act == OPENING and reading.situation.age_group is None


def test_a_story_told_while_the_crisis_continues_is_kept():
    state = State(Situation(None, None), last_reply=CRISIS)
    reading = read("blackmail_money", "a man on snap has my nudes and says monday", state, ranking=[("blackmail_money", 0.5)])
    assert reading.act == CRISIS and reading.situation.known


def test_each_next_guess_is_checked_in_turn():
    text = "a fake account says they'll send my pics to my college unless i pay"
    reading = read("fake_images", text, ranking=[("fake_images", 0.5), ("email_scam", 0.3), ("blackmail_money", 0.1)])
    assert reading.situation.kind == "money"


@pytest.mark.parametrize("text", ["nah not tonight. but i keep thinking about it", "like 12", "its not deep. just my arms",
                                  "she's in her room now. should i go in", "were both 15"])
def test_after_the_crisis_reply_the_crisis_stays_until_the_person_steps_back_to_the_blackmail(text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply=CRISIS)
    assert read("tell_age", text, state, ranking=[("tell_age", 0.9)]).act == CRISIS


@pytest.mark.parametrize("intent, text", [("affirm", "ok lets carry on"), ("ask_how_report", "how do i report him on snap")])
def test_a_clear_step_back_to_the_blackmail_leaves_the_crisis(intent, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply=CRISIS)
    assert read(intent, text, state, ranking=[(intent, 0.9)]).act != CRISIS


def test_after_the_crisis_reply_was_repeated_a_question_moves_on():
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="crisis_again")
    assert read("ask_in_trouble", "can my friends get in trouble for having it", state,
                ranking=[("ask_in_trouble", 0.5)]).act == QUESTION


def test_a_button_press_is_taken_as_pressed():
    assert read("ask_human", "/ask_human").act == "human"


@pytest.mark.parametrize(
    "intent, text",
    [("ask_human", "I don't want to call anyone, can I text somewhere?"),
     ("ask_tell_adult", "I don't want to ring anyone, I just wanted to tell someone"),
     ("affirm", "ok. I moved them to the kitchen"), ("tell_age", "im 15. no one knows"),
     ("ask_how_report", "i havent taken anything. theyre in the bathroom cabinet")],
)
def test_who_to_talk_to_and_where_the_means_are_stay_with_the_crisis(intent, text):
    for last in (CRISIS, "crisis_again"):
        state = State(VICTIM_IN_PLAN, step="evidence", last_reply=last)
        assert read(intent, text, state, ranking=[(intent, 0.95)]).act == CRISIS


def test_a_story_first_told_while_still_in_crisis_is_kept():
    state = State(Situation(None, None), last_reply=CRISIS)
    reading = read("blackmail_money", "some guy has my pics and says hes sending them to my whole school tomorrow. i cant be there",
                   state, ranking=[("blackmail_money", 0.5), ("crisis", 0.4)])
    assert reading.act == CRISIS and reading.told == "money" and reading.situation.kind == "money"


def test_a_negated_payment_behind_a_question_is_not_a_payment():
    reading = read("ask_my_fault", "ok i get it. havent paid", ranking=[("ask_my_fault", 0.45), ("already_paid", 0.39)])
    assert reading.told == "money" and not reading.situation.has_paid


def test_an_app_named_before_any_story_is_the_start_of_one():
    reading = read("out_of_scope", "snapchat, some girl called amelia that added me", entities=[("platform", "snapchat")])
    assert reading.act == OPENING


@pytest.mark.parametrize("text", ["Nothing's been paid.", "None of them have paid as far as we know.", "nobody has paid"])
def test_nothing_paid_said_by_a_helper_is_not_a_payment(text):
    state = State(Situation("helper", "under18", is_helper=True), step="overview")
    reading = read("already_paid", text, state)
    assert not reading.situation.has_paid and "not_paid" in reading.news


def test_a_word_that_suggests_an_age_does_not_change_an_age_told():
    state = State(Situation("money", "adult"), step="overview")
    reading = read("blackmail_money", "They've also said the girl in the video was underage and they'll report me", state)
    assert reading.situation.age_group == "adult"


def test_parents_asleep_and_in_the_bedroom_stay_with_the_crisis():
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="crisis_again")
    assert read("tell_age", "im in my bedroom my parents are asleep", state).act == CRISIS


def test_an_age_told_after_the_repeated_crisis_reply_is_kept_and_stays_with_the_crisis():
    state = State(Situation("money", None), step="age", last_reply="crisis_again")
    reading = read("tell_age", "im 14", state)
    assert reading.act == CRISIS and reading.situation.age_group == "under18"



@pytest.mark.parametrize("text", ["Been blackmailed for 3 weeks. Paid 4 times. £900 total.",
                                  "My son has been giving money to someone on Discord for two weeks."])
def test_payments_said_without_i_are_payments(text):
    assert payment_told(text.lower()) is True


def test_an_amount_told_later_is_more_of_the_story():
    state = State(Situation("helper", "under18", is_helper=True), step="overview")
    assert read("out_of_scope", "Total is about £600 from his account.", state).act == RETOLD


def test_a_question_about_money_after_the_repeated_crisis_reply_moves_on():
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="crisis_again")
    reading = read("ask_bank", "and the £900, is that just gone", state, ranking=[("ask_bank", 0.4)])
    assert reading.act == QUESTION


def test_whether_to_pay_is_not_a_bank_question():
    ranking = [("ask_bank", 0.4), ("ask_should_pay", 0.32)]
    assert read("ask_bank", "is it worth just paying £50 to make it go away", ranking=ranking).question == "ask_should_pay"


def test_an_age_given_late_with_a_question_is_the_age_answer():
    state = State(Situation("images", "unknown"), step="overview", age_asked=1)
    reading = read("ask_tell_adult", "fine im 14. dont tell anyone", state)
    assert reading.act == AGE_ANSWER and reading.situation.age_group == "under18"


def test_paying_for_weeks_is_a_payment():
    assert payment_told("he's been paying them for a month, about £900 so far") is True


def test_a_grandchilds_advice_does_not_make_the_writers_scam_email_a_helpers_story():
    text = "My grandson said I should use this. I have had an email saying someone has a video of me from my computer camera and wants bitcoin."
    assert read("helper", text).situation.kind == "email_scam"


def test_does_it_matter_how_old_i_am_asks_why():
    assert read("prefer_not_say", "does it matter how old i am", ASKED_AGE).act == AGE_WHY


@pytest.mark.parametrize("text, role", [("a girl in my year got hold of a pic i sent my ex", None),
                                        ("hello, i am a student in the uk from abroad, 20 years old", None),
                                        ("a boy in my form told me someone has his pics", "teacher")])
def test_pupils_speaking_of_each_other_are_not_teachers(text, role):
    assert role_told(text) == role


def test_no_bank_card_is_news_not_a_bank_question():
    state = State(Situation("fake", "under18"), step="overview")
    reading = read("ask_bank", "no i didnt pay, i dont have a bank card", state, ranking=[("ask_bank", 0.6), ("already_paid", 0.3)])
    assert reading.act != QUESTION and not reading.situation.has_paid


def test_an_unsure_story_after_the_repeated_crisis_reply_stays_with_the_crisis():
    state = State(Situation(None, None), last_reply="crisis_again")
    text = "fine. some guy has my pics and says hes sending them to my whole school tomorrow. i cant be there when that happens"
    reading = read("blackmail_money", text, state, ranking=[("blackmail_money", 0.41), ("partner_threat", 0.31)])
    assert reading.act == CRISIS and reading.situation.known


def test_a_helpers_news_during_someone_elses_crisis_stays_with_the_crisis():
    state = State(Situation("helper", None, is_helper=True), last_reply=CRISIS)
    assert read("tell_age", "hes 14 im 19. our parents are at work", state, ranking=[("tell_age", 0.6)]).act == CRISIS


def test_a_pretend_payment_is_not_a_payment():
    assert payment_told("what if i send them a fake payment screenshot so they think ive paid") is not True


def test_a_teachers_own_ai_image_is_her_own_story_at_her_age():
    text = "I'm a teacher, 32. Someone has made an AI nude image of me and is threatening to send it to parents unless I pay"
    reading = read("fake_images", text)
    assert not reading.situation.is_helper and reading.situation.age_group == "adult"


def test_a_club_welfare_officer_tells_a_helpers_story():
    text = "I'm the welfare officer for a youth football club. One of our under-16 players told his coach someone's blackmailing him"
    assert read("blackmail_money", text).situation.is_helper


@pytest.mark.parametrize("intent", ["ask_how_report", "ask_human"])
@pytest.mark.parametrize("last", [CRISIS, "crisis_again"])
def test_a_helper_asking_about_the_police_during_someone_elses_crisis_stays_with_the_crisis(intent, last):
    state = State(Situation("helper", "under18", is_helper=True, role="friend"), step="overview", last_reply=last)
    reading = read(intent, "should i call the police? his mum doesnt have my number", state, ranking=[(intent, 0.8)])
    assert reading.act == CRISIS


@pytest.mark.parametrize("text", ["my mum doesnt know ive paid", "he didn't know i'd paid", "not sure if she's paid"])
def test_who_knows_about_a_payment_or_doubt_about_it_is_not_a_denial(text):
    assert payment_told(text.lower()) is not False


def test_asked_for_the_steps_again_without_a_story_gets_the_plan_for_the_usual_case():
    state = State(Situation(None, None), last_reply="next")
    reading = read("next_step", "what do i do next", state)
    assert reading.act == SITUATION and reading.situation.kind == "money"
    # The first time, the person is asked what is happening.
    assert read("next_step", "what do i do next").act != SITUATION


def test_an_unclear_statement_in_a_known_story_is_more_of_it():
    state = State(VICTIM_IN_PLAN, step="evidence")
    assert read("nlu_fallback", "my laptop doesn't even have a webcam that works tbh", state).act == RETOLD
    assert read("nlu_fallback", "So I just ignore it?", state).act != RETOLD


@pytest.mark.parametrize("text", ["there is a guy saying he will expose me", "hw do u stop sum1 sendin ur pics"])
def test_a_threat_to_expose_or_send_pictures_is_a_story(text):
    assert read("ask_will_they_post", text).act == SITUATION


def test_money_sent_and_a_friend_who_paid_are_payments():
    assert payment_told("he already sent them like £40 from his card") is True
    assert sharing_told("he already sent them like £40 from his card") is not True
    assert payment_told("my mate paid some scammer 100 quid last night") is True


def test_who_to_telephone_is_asking_for_a_line():
    assert read("nlu_fallback", "Who do I telephone?").act == "human"


@pytest.mark.parametrize("intent, text", [("prefer_not_say", "He is sixteen, if that matters."),
                                          ("ask_screenshot", "He's fifteen, sorry, I should have said that at the start."),
                                          ("ask_will_they_post", "He is 14. He is a good boy, he is very embarrassed.")])
def test_a_helpers_late_age_is_an_answer(intent, text):
    state = State(Situation("helper", None, is_helper=True), step="evidence", age_asked=1)
    reading = read(intent, text, state)
    assert reading.act == AGE_ANSWER and reading.situation.age_group == "under18"


def test_nothing_paid_said_at_the_age_question_is_news_not_a_refusal():
    state = State(Situation("money", None), step="age", age_asked=1, last_reply="situation")
    assert read("prefer_not_say", "i havent sent her anything no money nothing", state).act == RETOLD


@pytest.mark.parametrize("text, kind", [("HELP THEYRE GONNA SEND IT IN 5 MINS WHAT DO I DO", "money"),
                                        ("a lad at college has made AI nudes of me and is saying he'll put them on the group chat", "fake")])
def test_a_threat_in_any_words_is_a_story(text, kind):
    reading = read("nlu_fallback", text)
    assert reading.act == SITUATION and reading.situation.kind == kind


def test_a_parents_credit_card_is_a_payment():
    assert payment_told("i used my mums credit card to pay someone who had my pics") is True


def test_friends_of_the_same_age_or_school_year():
    state = State(Situation("helper", None, is_helper=True), step="age", age_asked=1)
    assert read("tell_age", "were both in year 10", state).situation.age_group == "under18"
    assert read("tell_age", "we're all 15", state).situation.age_group == "under18"


def test_pictures_got_off_the_writer_are_the_writers_own_story():
    text = "someone got pics off me on snap, pretending to be a girl from another school"
    reading = read("helper", text, ranking=[("helper", 0.68), ("images_shared", 0.1)])
    assert not reading.situation.is_helper


def test_a_number_in_a_question_after_the_age_is_known_is_the_question():
    state = State(Situation("money", "adult"), step="police")
    reading = read("tell_age", "Is it 101 then?", state, ranking=[("tell_age", 0.6), ("ask_how_report", 0.3)])
    assert reading.act == QUESTION and reading.question == "ask_how_report"
    assert read("tell_age", "Is it 101 then?", state, ranking=[("tell_age", 0.75)]).act == NOT_UNDERSTOOD
    assert read("tell_age", "ok. can i text 999?", state, ranking=[("tell_age", 0.43), ("ask_bank", 0.25)]).question != "ask_bank"
    assert read("tell_age", "she's 14", State(Situation("helper", "under18", is_helper=True), step="police")).act == AGE_ANSWER


@pytest.mark.parametrize("text", ["ok fine its me, there is no mate", "honestly it's me not my friend", "the friend is me"])
def test_a_helper_who_says_it_is_them_gets_their_own_plan(text):
    state = State(Situation("helper", "under18", is_helper=True, role="friend"), step="evidence")
    reading = read("affirm", text, state)
    assert reading.act == SITUATION and not reading.situation.is_helper and reading.situation.kind == "money"
    assert reading.situation.age_group == "under18"


def test_its_me_again_keeps_the_helper():
    state = State(Situation("helper", "under18", is_helper=True, role="parent"), step="evidence")
    assert read("greet", "hi its me again", state).situation.is_helper


@pytest.mark.parametrize("text, role", [("hi im asking for my friend, hes 15 and someone is threatening him", "friend"),
                                        ("writing on behalf of my mate, someone has his pics", "friend")])
def test_asking_for_a_friend_is_a_friend(text, role):
    assert role_told(text) == role


@pytest.mark.parametrize("intent, text", [("show_plan", "insta blackmail. what do i do. fast pls"),
                                          ("helper", "its happening to me. the sextortion thing they warned us about")])
def test_the_word_itself_tells_the_writers_own_story(intent, text):
    reading = read(intent, text, ranking=[(intent, 0.4)])
    assert reading.act == SITUATION and not reading.situation.is_helper


def test_an_age_said_with_an_ok_is_the_answer():
    state = State(Situation("money", "unknown"), step="overview", age_asked=1)
    assert read("affirm", "ok fine im 15. does that change stuff", state).act == AGE_ANSWER


def test_staff_telling_of_several_pupils_is_a_helpers_story():
    text = "Headteacher here. Boys in Year 9 are being targeted by a sextortion account on Instagram"
    reading = read("helper", text, ranking=[("helper", 0.99)])
    assert reading.act == SITUATION and reading.situation.is_helper and reading.situation.role == "teacher"
    assert reading.situation.age_group == "under18"


def test_two_factor_is_a_password_question_not_an_age():
    reading = read("tell_age", "should i turn on 2 factor", State(Situation("money", "under18"), step="evidence"))
    assert reading.act == QUESTION and reading.question == "ask_passwords"


@pytest.mark.parametrize("intent, text, helper", [
    ("already_paid", "A colleague confided in me today. She's 28, a guy she met on an app has her photos and she paid £60", True),
    ("helper", "My niece lives with me. She's fifteen. Someone on TikTok is demanding money for photos she sent", True),
    ("tell_age", "im 14 and someones got my pics", False),
])
def test_stories_told_in_passing(intent, text, helper):
    reading = read(intent, text, ranking=[(intent, 0.6)])
    assert reading.act == SITUATION and reading.situation.is_helper == helper


def test_a_helpers_story_with_a_payment_said_with_did():
    assert payment_told("she did send him money, £150 on revolut") is True
    assert payment_told("can i get them back") is None


@pytest.mark.parametrize("text, group", [
    ("Morning. I'm 45 and feel ridiculous saying this. I've been sextorted on Instagram. Someone with a fake profile.", "adult"),
    ("ok is it for me, im sixteen and someone is threatening to post my pic", "under18"),
])
def test_a_helper_guess_with_nobody_else_in_it_is_the_writers_own_story(text, group):
    reading = read("helper", text, ranking=[("helper", 0.5)])
    assert reading.act == SITUATION and not reading.situation.is_helper and reading.situation.age_group == group


def test_a_teacher_who_is_the_one_being_blackmailed_is_the_victim():
    text = "I'm a secondary school teacher and I'm the one being blackmailed, not a student. I'm 34."
    reading = read("helper", text, ranking=[("helper", 0.9)])
    assert not reading.situation.is_helper and reading.situation.age_group == "adult"


def test_a_threat_in_the_words_of_a_question_is_a_story():
    reading = read("ask_will_they_post", "sum1 sayin theyll post my pic")
    assert reading.act == SITUATION and reading.question == "ask_will_they_post"


def test_a_story_first_read_as_someone_elses_becomes_the_writers_own_when_they_say_so():
    state = State(Situation("helper", None, is_helper=True), step=None, last_reply=SITUATION)
    reading = read("blackmail_money", "he's blackmailing me with a pic. im 16. i havent paid him", state)
    assert not reading.situation.is_helper and reading.situation.age_group == "under18"


@pytest.mark.parametrize("text, role", [
    ("I look after my nephew, he's 16. Tonight he told me someone online has a video of him and wants £1000.", "parent"),
    ("A colleague (38) has received a fake nude made from her LinkedIn photo. He wants £500.", "helper"),
])
def test_carers_and_colleagues_tell_someone_elses_story(text, role):
    reading = read("blackmail_money", text)
    assert reading.situation.is_helper and reading.situation.role == role


@pytest.mark.parametrize("text", ["forget it", "ok im going now", "nvm"])
def test_leaving_said_in_passing_is_a_goodbye(text):
    assert read("nlu_fallback", text, State(Situation("money", None), last_reply=SITUATION)).act == "goodbye"


def test_the_age_in_the_picture_told_in_an_opening_is_kept():
    reading = read("helper", "something from 3 years ago has come back. someone has a video from when I was 17")
    assert reading.act == OPENING and reading.situation.pictured_under18


def test_a_worry_about_pictures_being_posted_is_not_news_that_they_were():
    assert sharing_told("is there anything that can stop them being posted?") is False


def test_the_bank_named_in_a_statement_is_not_a_bank_question():
    state = State(Situation("partner", "adult"), step=None, last_reply=SITUATION)
    reading = read("ask_bank", "He's not asked for money. He checks my phone and controls the bank card anyway.", state,
                   ranking=[("ask_bank", 0.5), ("partner_threat", 0.3)])
    assert reading.question != "ask_bank"


def test_a_bank_question_put_after_a_comma_is_still_a_bank_question():
    state = State(Situation("helper", "under18", is_helper=True, has_paid=True), step=None, last_reply=SITUATION)
    reading = read("ask_bank", "the bank asked if i authorised it, what do i say", state)
    assert reading.question == "ask_bank"


@pytest.mark.parametrize("text, guess", [("She did give him her sort code. Should she ring the bank?", "ask_screenshot"),
                                         ("It started on Instagram. What should I do about the card?", "next_step"),
                                         ("he wants to know if the £30 is gone for good", "nlu_fallback")])
def test_a_question_plainly_about_the_bank_is_the_bank_question(text, guess):
    state = State(Situation("helper", "under18", is_helper=True, has_paid=True), step="evidence")
    reading = read(guess, text, state, ranking=[(guess, 0.6), ("ask_bank", 0.25)])
    assert reading.question == "ask_bank"


def test_an_own_age_told_first_makes_the_story_that_follows_the_writers_own():
    state = State(Situation(None, "under18"), step=None, last_reply=AGE_ANSWER)
    reading = read("helper", "someone on insta has them. they want 150. not paid", state)
    assert reading.act == SITUATION and not reading.situation.is_helper and reading.situation.age_group == "under18"


@pytest.mark.parametrize("text", [
    "paid 300 to this guy already by bank transfer and now he wants 500 more",
])
def test_a_bare_sum_after_paid_is_a_payment(text):
    assert payment_told(text) is True


@pytest.mark.parametrize("text, role", [
    ("School nurse, not teaching staff. A boy of 15 told me he's being blackmailed and has paid £60", "teacher"),
    ("Work on reception at a secondary. Overheard kids saying their mate is being threatened with his nudes", "teacher"),
])
def test_school_staff_by_their_job(text, role):
    assert role_told(text.lower()) == role


def test_savings_sent_are_a_payment_not_pictures_shared():
    text = "sent them all my savings, 600, and they want more"
    assert payment_told(text) is True and sharing_told(text) is None


@pytest.mark.parametrize("last, text", [("crisis", "ok"), ("crisis", "fine i'll text shout"), ("crisis", "thanks"),
                                        ("crisis_again", "ok shes downstairs")])
def test_agreeing_straight_after_the_crisis_reply_stays_with_the_crisis(last, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply=last)
    assert read("affirm", text, state, ranking=[("affirm", 0.9)]).act == CRISIS


@pytest.mark.parametrize("last, text", [("crisis_again", "ok"), ("crisis_again", "ok i texted shout"), ("crisis", "ok lets carry on"),
                                        ("crisis", "/affirm"), ("crisis", "ok what now"), ("crisis", "fine. doing the online report now")])
def test_a_bare_ok_the_second_time_or_asking_to_go_on_leaves_the_crisis(last, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply=last)
    assert read("affirm", text, state, ranking=[("affirm", 0.9)]).act != CRISIS


def test_a_helper_asking_what_the_young_person_can_use_tonight_stays_with_the_crisis():
    state = State(Situation("helper", "under18", is_helper=True, role="teacher"), step="dsl", last_reply="crisis_again")
    reading = read("ask_human", "Is there anything she can use herself tonight if it gets bad? She doesn't want to call anyone.",
                   state, ranking=[("ask_human", 0.9)])
    assert reading.act == CRISIS


@pytest.mark.parametrize("intent, text", [("affirm", "ok"), ("affirm", "yes he's still out there"),
                                          ("danger_now", "I'm in the bathroom with the door locked"),
                                          ("nlu_fallback", "hes still banging")])
def test_after_the_danger_reply_the_danger_goes_on_until_it_is_over(intent, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="danger")
    reading = read(intent, text, state, ranking=[(intent, 0.9)])
    assert reading.act == "danger" and reading.question == "still"


@pytest.mark.parametrize("intent, text", [("goodbye", "he's gone now"), ("affirm", "ok im safe now")])
def test_when_the_danger_is_over_the_plan_goes_on(intent, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="danger")
    assert read(intent, text, state, ranking=[(intent, 0.9)]).act == NEXT


def test_a_bare_ok_after_the_danger_said_again_goes_on():
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="danger_again")
    assert read("affirm", "ok", state, ranking=[("affirm", 0.9)]).act == NEXT


@pytest.mark.parametrize("text", ["Can I stop it being uploaded before he does it",
                                  "She asked whether the photos can be stopped from going onto Instagram or Facebook."])
def test_stopping_pictures_going_up_is_the_take_down_services_question(text):
    state = State(Situation("partner", "adult"), step="evidence", last_reply="question")
    reading = read("nlu_fallback", text, state, ranking=[("nlu_fallback", 0.3), ("ask_delete", 0.2)])
    assert reading.act == QUESTION and reading.question == "ask_which_service"


def test_getting_an_account_back_is_not_a_bank_question():
    state = State(Situation("money", "under18"), step="evidence", last_reply="question")
    reading = read("ask_bank", "can i get my account back tho", state, ranking=[("ask_bank", 0.72)])
    assert reading.question == "ask_passwords"


def test_a_bank_question_after_a_first_sentence_is_still_asked():
    state = State(Situation("helper", "under18", is_helper=True, role="parent"), step="evidence", last_reply="question")
    reading = read("ask_bank", "right ok. will the bank give the money back do you think", state, ranking=[("ask_bank", 0.99)])
    assert reading.question == "ask_bank"


def test_a_private_tutor_or_staff_without_a_safeguarding_lead_are_adults_helping():
    assert role_told("i'm a private maths tutor, i go to a family's home once a week") == "helper"
    state = State(Situation("helper", "under18", is_helper=True, role="teacher"), step="dsl", last_reply="question")
    reading = read("ask_tell_adult", "I'm not a teacher at a school so I don't have a safeguarding lead. Where does that leave me?",
                   state, ranking=[("ask_tell_adult", 0.8)])
    assert reading.situation.role == "helper"


@pytest.mark.parametrize("text", ["can you just give me the steps for when your teenager is being sextorted. Son is 15, it's on snapchat",
                                  "nephew staying with us for half term. got talking to a girl on snapchat"])
def test_a_child_named_at_the_start_of_a_sentence_is_a_parents_story(text):
    assert role_told(text.lower()) == "parent"


def test_a_parent_finding_the_payments_on_their_card_is_a_payment():
    assert payment_told("found £120 of google play card purchases on my card. my son (14) says someone is blackmailing him")


@pytest.mark.parametrize("intent, text", [("thanks", "i feel really sleepy"), ("affirm", "ok shes coming up"),
                                          ("thanks", "she's on her way up")])
def test_how_they_feel_and_help_close_by_after_taking_something_stay_with_the_crisis(intent, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply="crisis_again")
    assert read(intent, text, state, ranking=[(intent, 0.55)]).act == CRISIS


def test_something_sent_that_should_not_have_been_and_a_demand_is_a_story():
    reading = read("nlu_fallback", "theres this person on insta and i sent them something i shouldnt have and now theyre saying pay or else",
                   ranking=[("nlu_fallback", 0.3), ("crisis", 0.29)])
    assert reading.act == SITUATION and reading.situation.kind == "money"


@pytest.mark.parametrize("last", ["crisis", "crisis_again"])
@pytest.mark.parametrize("text", ["fine i'll text shout", "ok gonna ring samaritans", "i will call childline"])
def test_saying_they_will_reach_out_is_met_with_the_lines_again(last, text):
    state = State(VICTIM_IN_PLAN, step="evidence", last_reply=last)
    reading = read("affirm", text, state, ranking=[("affirm", 0.9)])
    assert reading.act == CRISIS and reading.question == "reaching_out"


@pytest.mark.parametrize("intent, text", [("ask_in_trouble", "can i still ring childline or am i too old"),
                                          ("ask_human", "can i still use childline at 18")])
def test_asking_whether_childline_is_still_for_them_at_18_is_asking_who_to_talk_to(intent, text):
    state = State(Situation("partner", "adult"), step="evidence", last_reply="question")
    assert read(intent, text, state, ranking=[(intent, 0.7)]).act == "human"


@pytest.mark.parametrize("text", ["no hes ok hes come out now hes with his dad", "she's calmed down now"])
def test_a_helper_saying_the_crisis_has_eased_goes_on(text):
    state = State(Situation("helper", "under18", is_helper=True, role="parent"), step="evidence", last_reply="crisis_again")
    assert read("deny", text, state, ranking=[("deny", 0.7)]).act != CRISIS


def test_owning_the_story_in_the_same_message_as_asking_for_a_friend_is_the_writers_own():
    reading = read("helper", "asking for a friend. ok its me. a guy on roblox got me to add him on snap then asked for pics and now wants robux",
                   ranking=[("helper", 0.8), ("blackmail_money", 0.2)])
    assert not reading.situation.is_helper


def test_real_pictures_shown_back_are_not_the_mass_scam_email():
    reading = read("email_scam", "they say they've hacked my snapchat and have my memories. and they're showing me one of my private pics",
                   ranking=[("email_scam", 0.8), ("blackmail_money", 0.2)])
    assert reading.situation.kind == "money"


def test_i_did_send_it_is_not_a_payment():
    assert not payment_told("is it my fault tho like i did send it")


def test_a_step_dad_writing_for_his_stepdaughter_is_a_parent_even_when_it_is_me_here():
    text = ("i'm writing on behalf of my partner's daughter, i'm her step-dad. some account has sent a nude picture of her "
            "to her friends. she's 14. her mum is on nights so it's me here.")
    reading = read("helper", text, ranking=[("helper", 1.0)])
    assert reading.situation.is_helper and reading.situation.role == "parent"


def test_asking_why_they_were_picked_is_not_asking_why_the_age_is_needed():
    reading = read("ask_my_fault", "why do they even pick me lol i only got like 200 followers", ASKED_AGE,
                   ranking=[("ask_my_fault", 0.6)])
    assert reading.act != AGE_WHY


def test_a_hurried_parent_naming_son_and_age_is_a_parent():
    assert role_told("just give me the steps. son 16 sextortion whatsapp. paid £20 already") == "parent"


def test_asking_whether_to_pay_before_saying_anything_else_is_a_demand_told():
    reading = read("ask_should_pay", "if i pay will they actually delete it")
    assert reading.act == SITUATION and reading.situation.kind == "money" and reading.question == "ask_should_pay"
    assert read("ask_should_pay", "should my son pay them").situation.kind != "money"


@pytest.mark.parametrize("text", ["she's coming over. what should we do first when she gets here", "my sister's on her way"])
def test_help_coming_over_after_the_crisis_reply_stays_with_the_crisis(text):
    state = State(Situation("money", "adult"), step="evidence", last_reply=CRISIS)
    assert read("danger_now", text, state).act == CRISIS



def test_reaching_out_read_as_danger_after_the_crisis_reply_is_reaching_out():
    state = State(Situation("money", "adult"), step="evidence", last_reply=CRISIS_AGAIN)
    assert read("danger_now", "Ok. I'll ring my brother and then head home", state).question == "reaching_out"


def test_a_sibling_in_charge_is_not_owning_the_story():
    text = "My little brother (14) just told me someone's blackmailing him. Our parents are away so it's me. Where do I start?"
    reading = read("helper", text)
    assert reading.situation.is_helper and reading.situation.age_group == "under18"


@pytest.mark.parametrize("text, group", [("we're 16", "under18"), ("He's in primary school.", "under18")])
def test_a_helpers_answer_about_both_of_them_or_the_school_gives_the_age(text, group):
    state = State(Situation("helper", None, is_helper=True), step="age", age_asked=1)
    assert read("tell_age", text, state).situation.age_group == group


def test_school_staff_who_say_they_are_the_dsl_are_staff():
    text = "I'm DSL at an 11-18 secondary. Three Year 11 boys have come forward about the same Instagram account."
    assert read("blackmail_money", text).situation.role == "teacher"


def test_keeping_back_an_age_says_nothing_about_paying():
    assert payment_told("i'd rather not give his exact age online if that's ok") is None


def test_an_opening_read_as_a_helper_keeps_the_writers_own_age():
    reading = read("helper", "hi im 12 and someone from roblox is being mean to me")
    assert reading.act == OPENING and reading.situation.age_group == "under18" and not reading.situation.is_helper


def test_a_report_question_about_a_scammer_before_any_story_is_the_story():
    reading = read("ask_how_report", "right, not paying this scammer and not going to. just want to know the best way to report them")
    assert reading.act == SITUATION and reading.situation.kind == "money"


def test_a_bank_holiday_is_not_a_bank_question():
    state = State(Situation("helper", "adult", is_helper=True), step="removal")
    text = "will the revenge porn helpline be open tomorrow? it's a bank holiday monday"
    assert read("ask_bank", text, state, ranking=[("ask_bank", 0.5), ("ask_human", 0.3)]).question != "ask_bank"


def test_a_relatives_scam_email_told_as_an_email_that_said_is_the_scam_email():
    text = "My dad's 60 and he paid £800 in bitcoin to an email that said they'd recorded him through his webcam"
    assert read("helper", text).situation.kind == "email_scam"


def test_a_relative_who_paid_for_the_young_person_is_helping():
    text = "My cousin (15) messaged me in a panic. Someone on TikTok has his pics. I sent them £60 off my card to buy time"
    reading = read("helper", text)
    assert reading.situation.is_helper and reading.situation.age_group == "under18" and reading.situation.has_paid


@pytest.mark.parametrize("text, named", [("is take it down for me", True), ("whats take it down", True),
                                         ("can i get the site to take it down without him knowing?", False)])
def test_take_it_down_the_service_is_not_taking_it_down(text, named):
    from actions import cues
    assert bool(cues.SERVICE_NAMED_UNDER18.search(text)) is named


def test_real_photos_taken_from_a_hacked_cloud_are_not_the_mass_scam_email():
    text = "someone has got into my icloud. they've emailed me photos from my camera roll and say they'll send them unless i pay"
    assert read("email_scam", text).situation.kind != "email_scam"


@pytest.mark.parametrize("text", ["pastoral lead at a secondary. a 14-year-old boy has told me he paid £200 to a blackmailer",
                                  "i lecture at an fe college. one of my 16 year old apprentices has shown me threatening messages"])
def test_staff_by_their_job_are_staff(text):
    assert role_told(text) == "teacher"


def test_a_story_read_as_a_helpers_keeps_a_bare_age_as_the_writers():
    reading = read("helper", "snapchat blackmail. 16. not paid. what do i do")
    assert not reading.situation.is_helper and reading.situation.age_group == "under18"


def test_whether_ceop_is_anonymous_is_not_asking_about_the_bot():
    assert read("bot_challenge", "is ceop anonymous").question == "ask_police_tell_parents"


@pytest.mark.parametrize("text, told", [
    ("he wants me to send it through western union", None), ("he's demanding weekly payments of £50", None),
    ("he hacked my snap and took all the pics from my account", None), ("he wanted more so i paid £50 on paypal", True),
])
def test_a_demand_is_not_a_payment(text, told):
    assert payment_told(text) is told


def test_where_the_blackmailer_says_he_is_from_is_not_where_the_writer_is():
    for text in ["he says he's from texas", "someone from the us is blackmailing me"]:
        assert read("blackmail_money", text).situation.country is None


def test_a_blackmailers_email_to_family_is_not_the_mass_scam_email_nor_a_scams_claim_real_pictures():
    from actions import cues
    assert not cues.SCAM_EMAIL_TOLD.search("he sent my mum an email that said he'd post the video")
    assert not cues.OWN_CLOUD.search("got an email saying they hacked into my phone and recorded me")


@pytest.mark.parametrize("text", ["is it illegal for her too? we were both 16", "the pictures of me from 16 are the problem"])
def test_an_age_said_of_the_past_is_the_pictures_not_the_age_now(text):
    situation = read("ask_in_trouble", text, State(Situation("money", ADULT))).situation
    assert situation.age_group == ADULT and situation.pictured_under18


@pytest.mark.parametrize("text", ["she has photos of me from 17 and 18", "some were before his birthday and some are from after."])
def test_pictures_from_both_sides_of_18_get_both_services(text):
    situation = read("blackmail_images", text, State(Situation("images", ADULT, is_helper="his" in text))).situation
    assert situation.pictured_under18 and situation.pictured_adult_too


def test_staff_telling_their_own_story_get_their_own_plan():
    situation = read("helper", "Im a lecturer, 39, and ive been caught by one of these video call scams").situation
    assert not situation.is_helper and situation.age_group == ADULT


@pytest.mark.parametrize("text, role", [("i work as a counsellor at a secondary school and a pupil told me today", TEACHER),
                                        ("what do you do to help a mate whos getting threatened", FRIEND)])
def test_who_is_helping_from_how_they_say_it(text, role):
    assert read("helper", text).situation.role == role


def test_not_paid_and_going_to_the_bank_is_news_not_a_bank_question():
    reading = read("ask_bank", "She hasn't paid. She was going to go to the bank for the bitcoin but I stopped her.",
                   State(Situation(EMAIL_SCAM, ADULT, is_helper=True)))
    assert reading.question != "ask_bank"


def test_paying_someone_is_a_payment():
    assert payment_told("sent some guy £30 on insta yesterday and he wants more")


@pytest.mark.parametrize("intent", ["deny", "prefer_not_say"])
def test_saying_there_is_no_demand_at_the_age_question_is_news_not_a_refusal(intent):
    reading = read(intent, "she isnt asking for money, she just did it to be spiteful", State(Situation("partner", None), step="age", age_asked=1))
    assert reading.act == RETOLD and reading.situation.age_group is None


def test_pictures_taken_after_an_18th_are_an_adults():
    assert read("images_shared", "he shared my nudes in a group chat, i sent them after my 18th").situation.age_group == ADULT


def test_turned_18_with_pictures_from_last_year_were_under_18():
    situation = read("blackmail_money", "i turned 18 in june but the pics were from last year, he wants £300").situation
    assert situation.age_group == ADULT and situation.pictured_under18


@pytest.mark.parametrize("intent", ["ask_how_report", "bot_challenge"])
def test_whether_reporting_is_anonymous_is_whether_anyone_is_told(intent):
    assert read(intent, "can i report it anonymously?", State(VICTIM_IN_PLAN)).question == "ask_police_tell_parents"


def test_a_parent_taking_over_the_keyboard_tells_the_young_persons_age():
    reading = read("helper", "hi its his dad now. hes 15, what do we do first", State(Situation("money", None), step="age", age_asked=1))
    assert reading.situation.age_group == "under18"


def test_a_text_with_a_link_to_click_is_the_mass_scam():
    text = "got a text with a link saying they have a video of me, click to watch before it goes to my contacts"
    assert read("blackmail_money", text).situation.kind == EMAIL_SCAM


@pytest.mark.parametrize("text", ["he used a fake account to send me threats saying he'll post my nudes unless i pay",
                                  "i used my phone to send the pics to him and now he wants money"])
def test_using_something_to_send_pictures_or_threats_is_not_a_payment(text):
    assert not payment_told(text)


@pytest.mark.parametrize("text", ["he says he'll post them after my 18th", "pictures of me from 2 years ago", "we were 2 weeks into talking"])
def test_words_about_time_are_not_ages(text):
    situation = read("blackmail_money", text).situation
    assert situation.age_group is None and not situation.pictured_under18


def test_a_pupil_sent_here_by_the_school_nurse_tells_their_own_story():
    assert role_told("the nurse at my school said to come on here. someone is threatening to post the pics") is None
