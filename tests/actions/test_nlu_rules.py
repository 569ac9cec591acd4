"""The deterministic overrides after the classifier, and the age parser."""
import pytest

from actions.age import age_group_from_text, read_age
from nlp.intent_overrides import forced_intent, load_patterns

PATTERNS = load_patterns()


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself", "kms", "I’m going to end it all tonight", "ive been cutting again",
        "i dont want to be here anymore", "thinking of taking all my pills", "suicidal", "im gonna unalive",
        "everyone would be better off without me", "KILL MYSELF", "my life is over if this gets out",
        "Honestly I've failed him. I don't even want to be here anymore.", "she doesnt really want to be alive",
        "if i die will they still send it to my family", "my family wont have to deal with the shame if im dead",
        "im not scared of dying im scared of people seeing those pics", "wont be anyones problem much longer",
        "my mate put a goodbye post on his story", "I teach a boy who told me he'll 'just end it' if the video goes out",
        "theres nothing left for me once this is out", "i dont think i can keep living with this hanging over me",
        "tonight is the last night i deal with this",
        "i dont see myself getting to my birthday next month", "i'm not safe with myself right now",
        "my son has been giving his things away and searched how long drowning takes",
        "it'd be easier for my parents if i wasnt their kid anymore. like if i just wasnt",
        "nothing matters anymore i already made up my mind", "how do i make it look like an accident",
        "this is the last thing im ever gonna type probably", "i guess im done. like actually done",
        "she said it'll all be over by Friday anyway, one way or another",
        "He just grabbed his car keys and said he was going for a drive and wasn't coming back.",
        "A pupil told me he's \"sorted a way out\" and won't need to worry about it after this weekend",
        "he said pay or he sends it and tbh i think ill just end things instead", "i just want everything to go dark",
        "honestly if the vid gets out im gonna off myself",
        "he says he'll post it at 6am. i dont plan on being around to see it",
        "if it goes out i'm not sticking around", "sorry for wasting your time, i wont need help after tonight",
        "dont worry about me, it'll all be over soon", "does it hurt to drown", "i have the knife in my hand",
        "if i was gone they couldnt shame me", "i wish i didnt exist",
        "I don't think I'll make it through tonight", "i keep picturing my own funeral and it feels like relief",
        "i already know how im going to do it, i just need to pick a day",
        "ive decided tonight is the night. just wanted someone to know", "my dad keeps his gun in the garage. i know where the key is",
        "My son left a note saying he's sorry and that he can't face anyone.", "i dont think i can do this anymore",
        "how high does a building need to be", "before he went he said we wont have to deal with him anymore",
        "set my alarm for 3am so everyone will be asleep when i do it", "ive been saving up my antidepressants instead of taking them",
        "its fine ive decided. tonight, nobody can fix this anyway", "my head keeps telling me to jump",
        "cant face tomorrow. or any day after it tbh", "if this goes round my school ima neck myself fr",
        "my friend is being blackmailed and shes just texted me saying goodbye",
    ],
)
def test_explicit_crisis_phrases_always_force_crisis(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "crisis"


@pytest.mark.parametrize(
    "text", ["my mum will kill me if she sees it", "my dad is gonna kill me", "they want 200 quid", "im dead 💀"]
)
def test_fear_of_parents_is_not_a_crisis(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) is None


def test_crisis_probability_over_the_threshold_forces_crisis_when_a_crisis_word_is_there():
    assert forced_intent("i feel so worthless", "blackmail_money", PATTERNS, 0.35, 0.3) == "crisis"
    assert forced_intent("i feel so worthless", "blackmail_money", PATTERNS, 0.25, 0.3) is None
    # No word of that kind: the classifier's guess is letters, not meaning.
    assert forced_intent("they want 1k", "blackmail_money", PATTERNS, 0.35, 0.3) is None


@pytest.mark.parametrize(
    "text, predicted",
    [
        ("Thank you dear, you have been very kind.", "crisis"),
        ("ok. ill think about it", "crisis"),
        ("He's 15. He's sitting in my office now, very shaken.", "danger_now"),
    ],
)
def test_the_classifiers_crisis_or_danger_without_such_a_word_falls_to_the_next_intent(text, predicted):
    ranked = [predicted, "thanks", "affirm"]
    assert forced_intent(text, predicted, PATTERNS, 0.9, 0.3, ranked) == "thanks"


@pytest.mark.parametrize(
    "text", ["my dad would murder me if he saw it", "im dead if my mum sees this", "i could die of embarrassment",
             "I could kill whoever did this, honestly", "my parents are gonna kill us both lol",
             "his dads going to kill him when he hears", "this wait is killing me", "she's only doing it to humiliate me",
             "honestly i want to die of shame", "When he told me I wanted to kill him, honestly.",
             "Ok. Thanks. I feel a bit less like my life's over.", "its social suicide if anyone believes the pics are real",
             "Is there any point negotiating a lower amount?", "today is the last day of term and he wants it by then",
             "is there any point going to the police, they've got better things to do",
             "if i tell my mum she will take my phone off me forever lol", "My wife's going to go through the roof when she hears.",
             "so my mates have seen it. my life is over at school lmao", "im dying to see the new marvel film whens it out",
             "How do I get him to open up? Every time I go near his room he shuts the door.",
             "I've been so careful about this stuff my whole life.", "They want £500 more by the end of today.",
             "The call ended and now I've got a screen recording of myself sent to me", "she hasnt noticed yet. shes gonna skin me alive honestly",
             "my dads going to go through the roof when he sees it",
             "She says she'll die if her dad finds out. I think that's a figure of speech",
             "She wanted Skype but I said Skype doesn't exist anymore so we used Google Meet",
             "my brother follows me hell see it and murder me", "shes literally gonna murder me and then bury me in the garden",
             "She wants another £500 now. I'm thinking of paying just to make it end",
             "like hes not actually gonna hurt me i just mean hed be so mad", "lol no he wont actually hurt me hes just strict",
             "lmaooo this is so embarrassing im gonna die", "jk im not gonna die. but someone got my pics on snap",
             "hes not like suicidal or anything just really stressed", "how long before he stops jumping every time his phone buzzes",
             "Still demanding more. Last message was this afternoon.",
             "id be a laughing stock, my whole year would roast me forever, and now he wants more vids",
             "i'm gonna actually die if anyone from school sees it 💀💀", "my life is over lol if this gets out",
             "Nobody would care except my kids seeing it, that would kill me.",
             "says if i pay this one last time he'll delete it. is it worth just paying and ending it",
             "we paid them once hoping it'd end. it hasnt"],
)
def test_idioms_are_neither_crisis_nor_danger(text):
    assert forced_intent(text, "danger_now", PATTERNS, 0.9, 0.3, ["danger_now", "crisis", "blackmail_money"]) == "blackmail_money"


@pytest.mark.parametrize(
    "text",
    ["i took a load of pills", "theres no point anymore", "im thinking of ending it", "i want to unalive myself",
     "kms", "my friend just messaged me saying he wants to kill himself", "my dad will kill me and i want to die",
     "she said her family would be better off without her", "he's locked himself in the bathroom and won't talk",
     "my brother gave me his phone and all his games and said look after our dad",
     "honestly ive been staring at my box of sertraline all evening thinking about taking the lot",
     "is there any point carrying on when everyone is about to see it", "i have a plan for how i'd do it if it gets posted"],
)
def test_indirect_and_third_person_disclosures_are_crisis(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "crisis"


def test_a_teenager_locked_in_their_own_room_is_not_by_itself_a_crisis():
    assert forced_intent("He's locked himself in his room and won't talk to me.", "helper", PATTERNS) is None


@pytest.mark.parametrize("text", ["will they come to my house", "what if he comes to my house and tells my dad",
                                  "she said she deleted it and she's coming to my room"])
def test_a_worry_about_coming_round_and_family_coming_to_the_room_are_not_danger(text):
    assert forced_intent(text, "danger_now", PATTERNS, 0.0, 0.3, ["danger_now", "ask_will_they_post"]) == "ask_will_they_post"


def test_pictures_said_to_exist_are_not_a_wish_not_to_exist():
    text = "He's proved the videos exist by sending her stills from them"
    assert forced_intent(text, "crisis", PATTERNS, 0.6, 0.3, ["crisis", "helper"]) == "helper"


def test_pictures_taken_from_the_writers_profile_are_the_writers_own_story():
    text = "Someone has taken photos off my Instagram (me at my cousin's wedding) and turned them into fake nudes"
    assert forced_intent(text, "helper", PATTERNS, 0.0, 0.3, ["helper", "fake_images"]) == "fake_images"


def test_a_payment_told_without_a_subject_is_the_writers_own():
    text = "paid 600 in bitcoin through one of those atm things last night. they want another 1k. i'm 19"
    assert forced_intent(text, "helper", PATTERNS, 0.0, 0.3, ["helper", "already_paid"]) == "already_paid"


def test_danger_phrases():
    assert forced_intent("he's outside my house right now", "blackmail_money", PATTERNS) == "danger_now"
    assert forced_intent("hes downstairs and hes drunk and angry about me telling someone", "blackmail_money", PATTERNS) == "danger_now"
    assert forced_intent("My ex-partner has just turned up at my work and is threatening me physically", "partner_threat", PATTERNS) == "danger_now"
    assert forced_intent("standing on the bridge near my house thinking about jumping", None, PATTERNS) == "crisis"
    assert forced_intent("hes coming to my house now", "blackmail_money", PATTERNS) == "danger_now"


@pytest.mark.parametrize(
    "text",
    ["my son is being blackmailed", "my 14 year old has paid them", "one of my students told me", "found this on my daughter's phone",
     "my mates 19 and proper bricking it, some bird on insta got nudes off him",
     "My niece lives with me. Someone is demanding money for photos she sent", "A colleague confided in me that a man has her photos"],
)
def test_someone_else_as_the_subject_makes_a_situation_a_helper_message(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "helper"


@pytest.mark.parametrize("text", ["he'll send it to my mum", "a girl was on video chat", "he says he'll send it to my friends"])
def test_family_as_the_target_stays_the_victim(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) is None


def test_family_who_received_the_pictures_are_not_the_subject():
    assert forced_intent("its been posted, my brother got them on snapchat", "images_shared", PATTERNS) is None


@pytest.mark.parametrize(
    "text, predicted, told",
    [
        ("he sent it to my friends", "blackmail_money", "images_shared"),
        ("my ex sent my pics to his mates", "partner_threat", "images_shared"),
        ("used my mums card to pay him, she's gonna kill me", "blackmail_money", "already_paid"),
        ("i did pay them tho. was that wrong", "ask_should_pay", "already_paid"),
        ("gave him some gift cards and now he wants more", "blackmail_images", "already_paid"),
    ],
)
def test_a_demand_that_says_it_was_paid_or_posted_is_that_story(text, predicted, told):
    assert forced_intent(text, predicted, PATTERNS) == told


@pytest.mark.parametrize(
    "text, predicted",
    [
        ("i haven't paid him anything", "blackmail_money"),
        ("i sent them the money already but they still havent deleted it", "already_paid"),
        ("has he posted it yet?", "ask_will_they_post"),
        ("should i pay him", "ask_should_pay"),
    ],
)
def test_no_payment_or_posting_told_keeps_the_guess(text, predicted):
    assert forced_intent(text, predicted, PATTERNS) is None


def test_someone_else_named_but_the_pictures_are_the_writers():
    text = "my cousin just messaged me saying she got a pic of me from a random account"
    assert forced_intent(text, "blackmail_money", PATTERNS) is None
    assert forced_intent(text, "helper", PATTERNS) == "blackmail_money"


@pytest.mark.parametrize("text", ["im being blackmailed", "someone is blackmailing me pls help"])
def test_a_helper_guess_for_the_writers_own_story_is_the_victims(text):
    assert forced_intent(text, "helper", PATTERNS) == "blackmail_money"


def test_a_real_helper_stays_a_helper():
    assert forced_intent("my son is being blackmailed and they keep threatening me too", "helper", PATTERNS) is None


def test_helper_never_overrides_a_question():
    assert forced_intent("will my son get in trouble", "ask_in_trouble", PATTERNS) is None


@pytest.mark.parametrize(
    "text, group",
    [("15", "under18"), ("im 17", "under18"), ("fifteen", "under18"), ("under 18", "under18"), ("u18", "under18"),
     ("19", "adult"), ("im 23", "adult"), ("over 18", "adult"), ("18+", "adult"), ("rather not say", None),
     ("he wants £200", None), ("200 quid", None), ("i was 17 when i took it im still 17", "under18"),
     ("i turn 15 next month", "under18"), ("nearly 16", "under18"), ("i turn 18 in may", "under18"),
     ("i'm 18 in march, can i just wait till then", "under18"), ("im 18 next month", "under18"), ("im 18 now", "adult"),
     ("i turned 18 in march so this is all after that", "adult"), ("im 18 in like 2 months", "under18"),
     ("i paid 3 times now. 50, 100, 150. all from my savings", None), ("adult. that's all you're getting", "adult"),
     ("whatever 14", "under18")],
)
def test_age_parser(text, group):
    assert age_group_from_text(text) == group


def test_a_number_word_in_a_longer_answer_is_a_count_not_an_age():
    assert age_group_from_text("they sent it to about twelve people from my class") is None
    assert age_group_from_text("sixteen lol") == "under18"


def test_we_are_both_gives_the_age_of_the_person_helped():
    assert read_age("were both 14", answering=True, about_someone_else=True).group == "under18"
    assert read_age("me and my mate are both 18, hes getting sextorted", about_someone_else=True).group == "adult"
    # The writer's own age said first is not the helped person's.
    text = "hi im 16 and my brother whos 13 just told me someone is blackmailing him"
    assert read_age(text, about_someone_else=True).group == "under18"
    # The age said first is the person's the message is about, whichever way it is said.
    text = "a 17-year-old student has told us her ex-boyfriend, who is 19, has shared a photo of her"
    assert read_age(text, about_someone_else=True).group == "under18"
    assert read_age("my son have 14 years. a man on instagram have photo of him", about_someone_else=True).group == "under18"


def test_an_age_in_the_picture_said_roughly():
    statement = read_age("there's a photo of me from when i was like 16 that an old boyfriend had")
    assert statement.pictured_under18 and statement.group is None


def test_when_we_were_is_the_age_in_the_picture_only():
    statement = read_age("she has a video from when we were 15 at school", answering=True)
    assert statement.pictured_under18 and statement.group is None


def test_leaving_social_media_is_not_a_crisis():
    assert forced_intent("i just want to disappear off social media for a while", "ask_delete", PATTERNS) is None


@pytest.mark.parametrize("text", ["tomorrow will be my last day", "soon nobody will have to put up with me",
                                  "thinking about ctb", "my sister can have all my things", "i just want to never feel anything again"])
def test_farewells_and_slang_for_suicide_are_crisis(text):
    assert forced_intent(text, "goodbye", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["he just kicked in the door", "they've locked me in my room", "a man is waiting outside my house",
                                  "she's here. she's trying the door handle",
                                  "my daughters ex is outside shouting and says he'll kill her",
                                  "he's driving to mine now and said i'll regret it"])
def test_more_danger_phrases(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "danger_now"


@pytest.mark.parametrize("text", ["okay she's here now", "will they go away for good if i pay", "im going to die if my mates see it lol"])
def test_relief_and_fear_of_being_seen_are_neither_danger_nor_crisis(text):
    assert forced_intent(text, "ask_should_pay", PATTERNS) is None


@pytest.mark.parametrize("text", ["my phone is about to die, will this save", "if people find out my social life is over",
                                  "she's not in danger, just upset", "we're safe now, he left"])
def test_flat_batteries_reputations_and_being_safe_are_neither_crisis_nor_danger(text):
    assert forced_intent(text, "danger_now", PATTERNS, 0.9, 0.3, ["danger_now", "crisis", "thanks"]) == "thanks"


def test_a_helper_saying_the_person_is_an_adult():
    assert read_age("he's an adult, that's all i can say", answering=True, about_someone_else=True).group == "adult"


@pytest.mark.parametrize("text", ["i need it all to end. forever", "soon my parents wont have to worry about me",
                                  "i've been saying goodbye to everyone today"])
def test_more_indirect_crisis(text):
    assert forced_intent(text, "ask_human", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["my boyfriend just slapped me", "she says she's 10 minutes away and coming for me"])
def test_violence_and_someone_minutes_away_are_danger(text):
    assert forced_intent(text, "partner_threat", PATTERNS) == "danger_now"


@pytest.mark.parametrize("text", ["she put 'love you all, bye' on her snap story", "he texted me goodbye and said he's sorry for everything",
                                  "she told me she didn't want to wake up tomorrow"])
def test_a_farewell_reported_by_someone_else_is_crisis(text):
    assert forced_intent(text, "helper", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["his stepdad will 'kill him' apparently", "i wanted to curl up and die at school",
                                  "I nearly died when my aunt mentioned it", "the stupidest person alive, that's me",
                                  "ok thanks, sorry, bye"])
def test_quoted_and_everyday_exaggeration_is_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "thanks"]) == "thanks"


@pytest.mark.parametrize("text", ["a boy of 12 told me at break", "one of the girls i mentor, 15, showed me",
                                  "my granddaughter who stays with us is 13", "they're all 14 or 15", "a few year 9s came to me"])
def test_ages_of_young_people_as_staff_and_family_say_them(text):
    assert read_age(text, about_someone_else=True).group == "under18"


def test_a_younger_brother_with_his_age_in_brackets_is_a_helpers_story():
    assert forced_intent("my little sister (13) is being threatened on snap", "blackmail_money", PATTERNS) == "helper"


@pytest.mark.parametrize("text, group", [
    ("asking for myself. 29, male. she recorded the call", "adult"),
    ("he wants more gift cards. 14. insta", "under18"),
    ("they want crypto. nineteen, before you ask", "adult"),
    ("year 10, a guy on snap has my pics", "under18"),
    ("year 8 girl here and someone wants money", "under18"),
])
def test_the_writers_age_said_in_passing_before_it_was_asked(text, group):
    assert read_age(text, answering=True).group == group


@pytest.mark.parametrize("text", ["he wants £300 by 10.", "not paid. they want $700.", "gave me till 9. help"])
def test_deadlines_and_sums_are_not_ages(text):
    assert read_age(text, answering=True).group is None


def test_not_wanting_to_be_alive_in_any_spelling_is_crisis():
    assert forced_intent("i dont wanna be alive tomorrow", "ask_will_they_post", PATTERNS) == "crisis"


def test_the_worst_day_of_my_life_is_not_a_crisis():
    assert forced_intent("this is the worst day of my life", "crisis", PATTERNS, 0.9, 0.3, ["crisis", "thanks"]) == "thanks"


@pytest.mark.parametrize("text", ["whats the easiest way to go", "i cant live with people knowing", "i wont need my phone after tonight",
                                  "sat on the edge of the roof"])
def test_methods_farewells_and_places_are_crisis(text):
    assert forced_intent(text, "ask_how_report", PATTERNS) == "crisis"


def test_a_stranger_in_the_garden_is_danger():
    assert forced_intent("there's someone in our garden looking in", "blackmail_money", PATTERNS) == "danger_now"


@pytest.mark.parametrize(
    "text, group, pictured",
    [
        ("I'm 19 now but we were 17 when I sent them", "adult", True),
        ("i turned 18 last week but the pics were from before that", "adult", True),
        ("was 16 in the pics, 20 now. someone found them", "adult", True),
        ("can I still report him even though we were both under 18?", None, True),
        ("born 2011", "under18", False),
        ("Mid forties, if you must know.", "adult", False),
        ("I'm sixty and widowed.", "adult", False),
        ("we're 17 both of us", "under18", False),
        ("3 of us. we're all year 11", "under18", False),
        ("paid a guy £150 on monzo to not send my pics, 24, insta. he wants more now", "adult", False),
    ],
)
def test_ages_as_people_say_them_and_the_age_in_the_picture(text, group, pictured):
    said = read_age(text, answering=True)
    assert (said.group, said.pictured_under18) == (group, pictured)


@pytest.mark.parametrize(
    "text",
    ["my dad is gonna ground me till im 40 if he finds out", "we were together 6 years", "he wants 50, 60 quid",
     "when i'm 18 i'll be able to sort it"],
)
def test_ages_to_come_durations_and_amounts_are_not_ages(text):
    assert read_age(text, answering=True).group is None


def test_a_helpers_parent_is_read_at_their_age():
    assert read_age("My father is 75 and has been targeted", about_someone_else=True).group == "adult"


@pytest.mark.parametrize(
    "text",
    ["just so u know im not gonna hurt myself or anything, im just stressed af", "not dead dead just like grounded forever lol",
     "She won't actually kill me, I just mean the marriage is probably over.", "can he find my house from my number"],
)
def test_reassurance_and_worries_put_as_questions_are_neither_crisis_nor_danger(text):
    ranked = ["crisis", "danger_now", "ask_will_they_post"]
    assert forced_intent(text, "crisis", PATTERNS, 0.99, 0.3, ranked) == "ask_will_they_post"
    assert forced_intent(text, "danger_now", PATTERNS, 0.99, 0.3, ranked) == "ask_will_they_post"


@pytest.mark.parametrize(
    "text", ["im not gonna kill myself", "I'm not going to hurt myself, I'm going to kill myself",
             "She's just shown me cuts on her arm", "he's been cutting himself since it happened"],
)
def test_reassurance_never_hides_a_crisis(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "crisis"


def test_a_grown_up_childs_parent_targeted_is_a_helper_story():
    assert forced_intent("My father is 75 and has been targeted by someone on Facebook", "already_paid", PATTERNS) == "helper"


@pytest.mark.parametrize(
    "text, group, pictured",
    [("fine. I'm 23 but in the photo I was 16", "adult", True), ("I'm 20 now but I was 17 in most of them.", "adult", True),
     ("I'm a married woman of 45 and I got talking to a man", "adult", False)],
)
def test_the_age_now_and_in_the_picture_in_either_order(text, group, pictured):
    said = read_age(text)
    assert (said.group, said.pictured_under18) == (group, pictured)


@pytest.mark.parametrize("text", ["Haven't paid and not planning to. Just want it gone.", "i just want the pics taken down"])
def test_wanting_the_pictures_gone_is_not_a_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.99, 0.3, ["crisis", "already_paid"]) == "already_paid"


@pytest.mark.parametrize(
    "text", ["I've written letters to my daughters and sorted out the paperwork", "he's sent the video to two of my colleagues",
             "my wife will kill me", "I'm married with two kids"],
)
def test_a_grown_ups_life_told_in_passing_is_an_adult(text):
    assert read_age(text).group == "adult"


@pytest.mark.parametrize("text", ["my boss at my saturday job", "my mum's husband", "he sent it to my mum"])
def test_other_peoples_lives_are_not_the_writers_age(text):
    assert read_age(text).group is None


@pytest.mark.parametrize(
    "text", ["got a whole packet of tablets lined up", "everyone would find it easier if i was gone", "it'd be better for my family if i wasnt here",
             "dunno how much longer i can go on", "this is the last thing ill ever write"],
)
def test_means_at_hand_last_messages_and_not_lasting_are_crisis(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "crisis"


@pytest.mark.parametrize(
    "text", ["he turned up at my school and won't go", "a text just said look out ur window"],
)
def test_someone_at_work_or_school_who_will_not_leave_is_danger(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "danger_now"


@pytest.mark.parametrize("text", ["my mum said it would be easier for everyone if we just paid",
                                  "i dont know how much longer i can wait for the police to ring"])
def test_easier_and_longer_about_other_things_are_not_crisis(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) is None


def test_a_friend_who_told_me_they_are_being_blackmailed_is_a_helper_story():
    assert forced_intent("my best mate told me hes being blackmailed over a pic he sent", "blackmail_money", PATTERNS) == "helper"


def test_what_they_are_planning_is_not_a_crisis():
    ranked = ["crisis", "ask_delete"]
    assert forced_intent("i havent blocked him yet because i want to know what he's planning", "crisis", PATTERNS, 0.9, 0.3, ranked) == "ask_delete"


def test_a_bracketed_age_with_a_letter_is_the_persons_age():
    assert read_age("my housemate (23f) is being blackmailed", about_someone_else=True).group == "adult"


@pytest.mark.parametrize(
    "text",
    [
        "theres only one way out now", "i cant see myself still being here by friday", "last text from me",
        "scared of what i could do to myself", "been sat in the garage with the engine running", "gonna sort it myself for good",
        "honestly might k!ll myself", "been reading about s*icide", "i need it all to end, forever",
        "just wanted someone to know before i go",
    ],
)
def test_indirect_and_starred_crisis_phrases(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "he's trying to break in the back", "someone climbed over our garden wall", "she's in my building on the stairs",
        "my step dad is about to hit me", "my son has gone to meet him", "im hiding in the bathroom, he's in the house",
        "he's parked at the end of my road",
    ],
)
def test_someone_near_or_about_to_hurt_is_danger(text):
    assert forced_intent(text, "blackmail_money", PATTERNS) == "danger_now"


@pytest.mark.parametrize(
    "text",
    [
        "he tried to get into my snap", "i want the messages to stop permanently", "i blocked him for good",
        "hes downstairs with my mum watching tv", "hiding in my room from my dad lol", "my existing pics will be shared",
        "he knows my address but he hasn't threatened to hurt me", "told my mum, she's coming upstairs",
    ],
)
def test_near_misses_are_neither_crisis_nor_danger(text):
    # The classifier's own danger guess is set aside too, not only the phrases.
    assert forced_intent(text, "danger_now", PATTERNS, ranked=["danger_now", "blackmail_money"]) == "blackmail_money"


def test_a_partner_coming_home_angry_keeps_the_danger_guess():
    text = "im scared hes coming home soon and hes really angry"
    assert forced_intent(text, "danger_now", PATTERNS, ranked=["danger_now", "partner_threat"]) is None


@pytest.mark.parametrize(
    "text", ["i dont think ill be here for christmas", "tell my little brother im sorry",
             "this is the last time youll hear from me", "im so tired of all of it i just want it to stop",
             "my family will be ok. mum has my brother"],
)
def test_a_hint_lets_the_classifiers_first_guess_of_crisis_stand(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper", "out_of_scope"]) is None


def test_a_hint_never_raises_a_crisis_the_classifier_only_suspects():
    ranked = ["images_shared", "crisis"]
    assert forced_intent("the photos have gone round my year group", "images_shared", PATTERNS, 0.52, 0.3, ranked) is None
    # Without even a hint, the classifier's first guess is set aside.
    assert forced_intent("ok. ill think about it", "crisis", PATTERNS, 0.9, 0.3, ["crisis", "affirm"]) == "affirm"
    # A helper asking what the young person should hear from them is not a farewell.
    text = "I'll log it with our safeguarding lead. Anything else she should hear from me tonight?"
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "ask_tell_adult"]) == "ask_tell_adult"


def test_going_to_jump_is_a_crisis_but_jumping_on_a_call_is_not():
    assert forced_intent("im going to jump", "affirm", PATTERNS) == "crisis"
    assert forced_intent("im going to jump on a call with my mum", "affirm", PATTERNS) is None


def test_someone_on_the_way_to_hurt_them_is_danger_and_being_eaten_alive_at_school_is_an_idiom():
    assert forced_intent("my bf is drunk and on his way over to batter me", "partner_threat", PATTERNS) == "danger_now"
    ranked = ["crisis", "images_shared"]
    assert forced_intent("school is gonna eat me alive tomorrow", "crisis", PATTERNS, 0.9, 0.3, ranked) == "images_shared"


@pytest.mark.parametrize("text", ["Been sitting here thinking about driving into a wall tonight to be honest",
                                  "gonna walk into the sea"])
def test_a_crash_or_the_sea_as_a_way_to_die_is_crisis(text):
    assert forced_intent(text, "ask_tell_adult", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["I don't want to ruin a 17 year old's life but this has to stop",
                                  "Honestly part of me wants to take his phone off him for good."])
def test_ruining_a_life_and_for_good_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) == "helper"


@pytest.mark.parametrize("text", ["this is it for me. bye everyone", "what happens to ur discord account when u die"])
def test_farewells_to_everyone_and_after_death_are_crisis(text):
    assert forced_intent(text, "ask_my_fault", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["idk if ill still be here tomorrow", "they'll be sorry when im gone",
                                  "ive got everything ready, just waiting for everyone to go to bed"])
def test_preparations_and_not_being_here_let_the_classifiers_crisis_stand(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.95, 0.3, ["crisis", "show_plan"]) is None


def test_not_being_let_out_is_danger():
    assert forced_intent("ex boyfriend took my phone and wont let me leave the flat", "partner_threat", PATTERNS) == "danger_now"


@pytest.mark.parametrize("text", ["I'm 34. I've never taken a photo like that in my life.",
                                  "The story disappears after 24 hours. Have we lost the evidence?",
                                  "so what was the point of not paying", "Haven't paid. Not planning to."])
def test_everyday_uses_of_life_disappearing_point_and_planning_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) == "helper"


@pytest.mark.parametrize("text", ["whats the point in living", "i want to disappear"])
def test_the_same_words_about_oneself_still_let_a_crisis_through(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) in (None, "crisis")


def test_a_child_wishing_she_was_dead_is_crisis():
    assert forced_intent("She's saying she wishes she was dead. I don't know if she means it.", "helper", PATTERNS) == "crisis"


def test_saying_he_wont_hurt_them_is_not_danger():
    text = "nah not like that hes not gonna hurt me lol just he'll go mad"
    assert forced_intent(text, "danger_now", PATTERNS, 0.0, 0.3, ["danger_now", "ask_tell_adult"]) == "ask_tell_adult"


@pytest.mark.parametrize("text", ["He wanted to show me the messages on his tablet. I said no. Was that right?",
                                  "they just sent a voice note. do i listen to it",
                                  "She keeps asking me if it's going to be everywhere forever."])
def test_a_tablet_a_voice_note_and_pictures_forever_online_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) == "helper"


@pytest.mark.parametrize("text", ["it has to look like an accident for my mum", "maybe if im gone theyll stop",
                                  "standing on the top floor of the car park rn", "i said sorry to everyone today and they dont know why"])
def test_places_and_plans_let_the_classifiers_crisis_stand(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "show_plan"]) is None


@pytest.mark.parametrize("text, group, pictured", [
    ("im 19 now but some of them are from when we first got together and i was 17", "adult", True),
    ("im 18 but the video was from like 3 months ago before my birthday", "adult", True),
])
def test_the_age_in_the_picture_said_along_the_way(text, group, pictured):
    statement = read_age(text)
    assert statement.group == group and statement.pictured_under18 is pictured


def test_a_student_described_then_aged():
    assert read_age("he's a first-year, 19, and someone on instagram tricked him", about_someone_else=True).group == "adult"


@pytest.mark.parametrize("text", ["my friend is being blackmailed and he just sent me a message saying goodbye",
                                  "she doesn't know what to do and is 'done with everything'"])
def test_a_goodbye_passed_on_and_done_with_everything_are_crisis(text):
    assert forced_intent(text, "helper", PATTERNS) == "crisis"


def test_a_misspelt_disappear_lets_the_classifier_speak():
    assert forced_intent("everyone knows now. i just want to dissapear honestly", "images_shared", PATTERNS, 0.5, 0.3,
                         ["images_shared", "crisis"]) == "crisis"


@pytest.mark.parametrize("text", ["whats the point reporting she'll just make another one",
                                  "He's worried his mother will take his phone away. I told him we'll cross that bridge when we come to it."])
def test_the_point_of_reporting_and_crossing_bridges_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) == "helper"


def test_unable_to_talk_with_him_close_by_is_danger():
    assert forced_intent("cant talk hes in the next room", "next_step", PATTERNS) == "danger_now"
    assert forced_intent("cant talk rn my mums calling", "next_step", PATTERNS) is None


@pytest.mark.parametrize("text", ["no he's never hit me. hes at work rn", "he picked up hes alright for now. his dad is home",
                                  "hes not said anything about hurting himself no. just crying and hes not eating"])
def test_reassurance_is_neither_danger_nor_crisis(text):
    assert forced_intent(text, "danger_now", PATTERNS, 0.9, 0.3, ["danger_now", "crisis", "helper"]) == "helper"


@pytest.mark.parametrize("text", ["69 lol", "420", "its 69 lmao"])
def test_a_joke_number_is_not_an_age(text):
    assert read_age(text, answering=True).group is None


@pytest.mark.parametrize("text", ["might just take myself out of the picture, problem solved for everyone",
                                  "sliced my arm up last night cos of all this", "whats the most painless way",
                                  "world would be better w/o me in it",
                                  "Looking up the tallest buildings in town isn't a normal thing to do, I know.",
                                  "i paid him and its the best way to end it all for me"])
def test_euphemisms_methods_and_injuries_are_crisis(text):
    assert forced_intent(text, "out_of_scope", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["ok she's saying she wants to die of embarrassment lol she's ok tho",
                                  "gonna have to fake my own death and move to spain at this point",
                                  "He is very low at the moment. Not suicidal as far as I know but I'd like him to have somewhere to talk.",
                                  "i cant tell my mum she will look at me different forever",
                                  "My wife can't find out. It would be the end of my marriage.",
                                  "he says he's not thinking of hurting himself",
                                  "I told him I'd pay £100 if he deletes it. Is that the best way to end it?",
                                  "done. phones about to die"])
def test_embarrassment_jokes_reassurance_and_ending_the_blackmail_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) != "crisis"


def test_a_breakup_told_is_not_a_crisis_but_banging_on_the_door_is_danger():
    assert forced_intent("I told him it's over tonight and now he's banging on my door", "crisis", PATTERNS) == "danger_now"
    assert forced_intent("someone keeps ringing the doorbell and he just texted open up i know ur in", "ask_new_account",
                         PATTERNS) == "danger_now"


@pytest.mark.parametrize("text", ["Now a man's messaging me with the clip saying £500 or it goes to my wife",
                                  "alright. got caught out on snap, eighteen, lad pretending to be a girl. wants 200",
                                  "can you just give me the steps. getting blackmailed on snap. 17. not paid."])
def test_the_writers_own_story_without_a_helper_in_it_is_not_a_helpers(text):
    assert forced_intent(text, "helper", PATTERNS, 0.0, 1.1, ["helper", "blackmail_money"]) == "blackmail_money"


@pytest.mark.parametrize("text, group, pictured", [
    ("steam card, 50, used my dads card to buy it", None, False),
    ("literally just turned 18 last month and now this", "adult", False),
    ("the videos are from when i was 22 so i was an adult", "adult", False),
    ("some of the pics are from when i was 17 and some from when i was 19", "adult", True),
    ("so was i 17 in them yeah. does that matter", None, True),
    ("the photos were taken last year when she was 18", "adult", False),
])
def test_money_beside_a_number_and_adult_pictures(text, group, pictured):
    said = read_age(text, answering=True)
    assert (said.group, said.pictured_under18) == (group, pictured)


@pytest.mark.parametrize("text", ["honestly might top myself if this gets out", "mum if you ever read this im sorry",
                                  "this is the last thing im typing to anyone", "none of this is going to matter to me after tonight",
                                  "he just said hes going to make it stop for good then went offline",
                                  "I'm 19 and honestly I've started to plan how I'd do it"])
def test_slang_notes_and_plans_are_crisis(text):
    assert forced_intent(text, "helper", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["can i make it stop for good if i report", "in a year none of this will matter",
                                  "he came to my house last week"])
def test_asking_to_end_the_blackmail_and_past_visits_are_neither_crisis_nor_danger(text):
    assert forced_intent(text, "ask_how_report", PATTERNS) is None


def test_someone_at_a_childs_school_gates_is_danger():
    assert forced_intent("Someone has come to my daughter's school gates saying he wants to see her", "helper",
                         PATTERNS) == "danger_now"


@pytest.mark.parametrize("text, about_someone_else, group, pictured", [
    ("son 14 pics posted on insta what do i do", True, "under18", False),
    ("he has 14 pics of me", True, None, False),
    ("i turned 18 last week but the pics are from like a month ago so i was 17 then", False, "adult", True),
    ("someone put a video of me on a porn site. i was 17 when it was filmed and still am", False, "under18", True),
])
def test_hurried_ages_and_the_age_then_and_now(text, about_someone_else, group, pictured):
    said = read_age(text, answering=True, about_someone_else=about_someone_else)
    assert (said.group, said.pictured_under18) == (group, pictured)


@pytest.mark.parametrize("text", ["he hasn't said anything about hurting himself, he's just embarrassed i think",
                                  "my mum would literally die if she saw them lol"])
def test_a_worry_answered_and_a_parents_shock_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "helper"]) != "crisis"


@pytest.mark.parametrize("text", ["no point reporting anything, ill be gone by the weekend",
                                  "he wants 500 and i dont have it so i guess this is where it ends for me",
                                  "Sat in the car in the garage tonight thinking it would be easier if I just didn't come back inside."])
def test_being_gone_soon_and_not_coming_back_are_crisis(text):
    assert forced_intent(text, "ask_how_report", PATTERNS) == "crisis"


def test_being_hurt_just_now_is_danger_but_being_removed_from_a_chat_is_not():
    assert forced_intent("bleeding, he pushed me down the stairs", "next_step", PATTERNS) == "danger_now"
    assert forced_intent("he kicked me out of the group chat", "next_step", PATTERNS) is None


def test_an_age_between_commas_after_a_demand_is_an_age():
    assert age_group_from_text("got a msg saying they'll post my vid unless i pay, on insta, 17, what do i do fast") == "under18"


@pytest.mark.parametrize("text", ["is it selfish to not want to be here anymore",
                                  "My flatmate keeps talking about ending his life since the blackmail started",
                                  "My son left a message saying he won't be a burden anymore.",
                                  "A young lad told me he has \"a plan\" if the pictures get out and won't say more.",
                                  "My mate put \"see you on the other side\" on his private story"])
def test_crisis_told_of_someone_else_and_in_other_words(text):
    assert forced_intent(text, "helper", PATTERNS) == "crisis"


@pytest.mark.parametrize("text", ["there is a car outside with the guy from the messages in it, i can see him",
                                  "Cant talk he is here now"])
def test_someone_outside_in_a_car_or_here_now_is_danger(text):
    assert forced_intent(text, "ask_human", PATTERNS) == "danger_now"


@pytest.mark.parametrize("text", ["thinking of deleting my facebook and just disappearing from socials for a bit, good idea?",
                                  "i have a plan for when i report them"])
def test_leaving_social_media_and_a_plan_to_report_are_not_crisis(text):
    assert forced_intent(text, "crisis", PATTERNS, 0.9, 0.3, ["crisis", "ask_delete"]) != "crisis"


def test_a_question_about_ending_his_life_answered_no_is_not_a_crisis():
    text = "I asked him directly whether he's had thoughts of ending his life and he said no, just that he's exhausted."
    assert forced_intent(text, "helper", PATTERNS) is None


@pytest.mark.parametrize("text, about_someone_else, group", [
    ("am i gonna get arrested for sending a nude at 17", False, "under18"),
    ("just give me the steps. son 16 sextortion whatsapp. paid £20 already", True, "under18"),
    ("sending it at 3am", False, None),
])
def test_doing_it_at_an_age_and_a_son_named_with_his_age(text, about_someone_else, group):
    assert read_age(text, answering=True, about_someone_else=about_someone_else).group == group


@pytest.mark.parametrize("text, mixed", [
    ("some are from when i was 16 and some are from this year. im 18 now", True),
    ("some are from after my birthday tho. so like a mix", True),
    ("some of the pics are from when I was 17 and some from when I was 19", True),
    ("the pics are from when i was 16, im 19 now", False),
    ("some are from when i was 14 and some from when i was 15", False),
])
def test_pictures_from_both_sides_of_18(text, mixed):
    assert read_age(text, answering=True).pictured_adult_too is mixed


@pytest.mark.parametrize("text, forced", [
    ("pretty sure ill be gone before they can post it lol", "crisis"),
    ("friend messaged me thanks for everything youve been the best and now shes gone offline", "crisis"),
    ("how many of my antidepressants would it take", "crisis"),
    ("Wrote letters for mum and my little brother tonight, just in case", "crisis"),
    ("not gonna exist by friday so let them post whatever they want", "crisis"),
    ("how many insulin pens would it take", "crisis"),
    ("my account wont exist on snapchat anymore", None),
    ("Husband has just hit me and taken my phone to send the photos", "danger_now"),
    ("received a photo of my front door from them taken 5 mins ago", "danger_now"),
    ("ex is in the driveway screaming hes going to smash my face in", "danger_now"),
    ("my boyfriend has a knife and says if i dont record for him hell use it", "danger_now"),
    ("thanks for everything, you've been really helpful", None),
    ("he sent a pic of my house from google maps", None),
])
def test_more_crisis_and_danger_phrases_and_their_everyday_neighbours(text, forced):
    assert forced_intent(text, "thanks", PATTERNS) == forced


@pytest.mark.parametrize("text, predicted, forced", [
    ("A 16 year old has told me he'd rather die than have his mum see them.", "helper", "crisis"),
    ("id rather die than tell my dad lol how do i start", "ask_tell_adult", None),
    ("They've asked for more and he's been googling how to get a loan.", "helper", None),
    ("She's crying a lot but she's safe, she's not going to hurt herself or anything", "helper", None),
])
def test_third_person_crisis_and_its_reassurances(text, predicted, forced):
    assert forced_intent(text, predicted, PATTERNS) == forced


def test_a_foster_carers_young_person_has_an_age():
    text = "I'm a foster carer. The young person in my care is 15 and she's told me someone has pictures"
    assert read_age(text, about_someone_else=True).group == "under18"


@pytest.mark.parametrize("text, forced", [
    ("they cant blackmail a dead person can they", "crisis"),
    ("been looking at ropes online", "crisis"),
    ("found searches on the family ipad about how to hang yourself", "crisis"),
    ("is overdosing painful", "crisis"),
    ("have a plan and everything i need for it", "crisis"),
    ("i have everything i need for the police report", None),
])
def test_means_plans_and_a_dead_person_that_cannot_be_blackmailed(text, forced):
    assert forced_intent(text, "helper", PATTERNS) == forced


@pytest.mark.parametrize("text, predicted, crisis_confidence, forced", [
    # Fears and worries read as what they are; means and plans are crisis.
    ("my bruv gonna batter me wen he sees dat", "danger_now", 0.6, "blackmail_money"),
    ("He hasn't stopped crying since he got home", "danger_now", 0.6, "blackmail_money"),
    ("I keep reading about teenagers hurting themselves after this kind of thing.", "crisis", 0.6, "blackmail_money"),
    ("Hello. I am 45 and I am embarrassed to be writing this. She has now sent me a video of it", "helper", 0.6, "blackmail_money"),
    ("hes outside and hes gonna batter me", "blackmail_money", 0.6, "danger_now"),
    ("taking all of these tonight 💊💊💊", "goodbye", 0.0, "crisis"),
    ("Found blades in my daughter's bin and she's been locked in her room", "helper", 0.0, "crisis"),
    ("made my mind up, this weekend is it", "nlu_fallback", 0.0, "crisis"),
    ("looking up tall car parks near me", "out_of_scope", 0.0, "crisis"),
    ("will officers come to my house", "danger_now", 0.0, "blackmail_money"),
    ("He has not paid, he is frightened the man will come to the house.", "danger_now", 0.0, "blackmail_money"),
    ("I don't think he means that literally, he's just scared. There are no concerns at home.", "danger_now", 0.0, "blackmail_money"),
    # Everyday words near the newer phrases stay what they are.
    ("should i take all these screenshots to the police", "ask_screenshot", 0.0, None),
    ("how do I get insta to take all of them down", "ask_how_report", 0.0, None),
    ("friday is the day he said he'd post them", "blackmail_money", 0.0, None),
    ("I sent £300 and he took the lot", "already_paid", 0.0, None),
    ("he works in one of the tall buildings in town", "out_of_scope", 0.0, None),
    ("my dad's in the garden so I can talk", "blackmail_money", 0.0, None),
    ("my insta got attacked", "ask_passwords", 0.0, None),
    ("Hi, I'm 45 and I'm worried about my daughter, someone is threatening her", "helper", 0.0, None),
    # and the idioms next to them do not hide a crisis.
    ("i just wish it would all end", "crisis", 0.6, "crisis"),
    ("i paid hoping it would stop. whats the point anymore", "crisis", 0.6, "crisis"),
    ("I can't do this anymore and I mean that literally", "crisis", 0.6, "crisis"),
    ("they've got a knife", "blackmail_money", 0.0, "danger_now"),
    # Means at hand, an end to pain "for good", no reason to carry on; a laughing refusal is not one.
    ("my tablets are lined up on the desk", "out_of_scope", 0.0, "crisis"),
    ("i just want the hurting to end for good", "out_of_scope", 0.0, "crisis"),
    ("honestly no reason to carry on", "deny", 0.0, "crisis"),
    ("the pain of this will ease in time", "out_of_scope", 0.0, None),
    ("id rather die than give you my age haha", "crisis", 0.6, "blackmail_money"),
    # Someone there now, not family coming home.
    ("the guy from the chat is outside my house now", "blackmail_money", 0.0, "danger_now"),
    ("my mum is at the door now so i have to go", "goodbye", 0.0, None),
    ("is there a way the pics can't go on snapchat at all", "ask_which_service", 0.0, None),
    ("i honestly cant go on", "out_of_scope", 0.0, "crisis"),
    ("by friday ill be gone for good", "out_of_scope", 0.0, "crisis"),
    ("17. and yes i meant what you think i meant", "tell_age", 0.0, "crisis"),
    ("honestly cant see any point in carrying on", "out_of_scope", 0.0, "crisis"),
    # The classifier's own crisis guess stands on words like these.
    ("theres no reason for me anymore", "crisis", 0.6, "crisis"),
    ("ive made a plan and ill do it on friday if he posts", "show_plan", 0.0, "crisis"),
    ("i have a plan to report him tomorrow", "show_plan", 0.0, None),
    ("her dad wants to kill whoever did this", "crisis", 0.9, "blackmail_money"),
    ("my mum is going to be so upset", "crisis", 0.9, "blackmail_money"),
    ("i told my dad and hes here with me now", "blackmail_money", 0.0, None),
    ("my boyfriend has hurt me and theres blood everywhere", "partner_threat", 0.0, "danger_now"),
    ("he's hurt me so much by sharing them, i'm bleeding inside", "partner_threat", 0.0, None),
    ("sat by the river for hours tonight", "crisis", 0.6, "crisis"),
    ("took my antidepressants with me", "crisis", 0.6, "crisis"),
    ("i couldnt live with myself if my kids saw it", "ask_will_they_post", 0.0, "crisis"),
    ("standing on the bridge thinking about jumping off", "out_of_scope", 0.0, "crisis"),
    ("went by the river and thought about going in for a swim", "out_of_scope", 0.0, None),
    ("id rather be in the ground than have my mum see them", "blackmail_money", 0.0, "crisis"),
    ("my ex is outside drunk and shouting", "partner_threat", 0.0, "danger_now"),
    ("she lives miles away so im not worried she'll turn up", "danger_now", 0.0, "blackmail_money"),
    ("if he posts it i may as well end it all", "blackmail_money", 0.0, "crisis"),
    ("i might as well end it with her tbh", "partner_threat", 0.0, None),
    ("gonna take all of my sleeping pills", "out_of_scope", 0.0, "crisis"),
    ("i take all my meds in the morning", "out_of_scope", 0.0, None),
    ("had the blades out last night", "out_of_scope", 0.0, "crisis"),
    ("over my dead body is he getting a penny", "crisis", 0.9, "blackmail_money"),
    ("he's been bleeding me dry for a month", "crisis", 0.9, "blackmail_money"),
    ("would paying him just end it", "crisis", 0.9, "blackmail_money"),
    ("if i pay and he still posts i'll end it", "blackmail_money", 0.0, "crisis"),
])
def test_the_newer_phrases_read_as_what_they_mean(text, predicted, crisis_confidence, forced):
    assert forced_intent(text, predicted, PATTERNS, crisis_confidence, 0.3, [predicted, "blackmail_money"]) == forced


@pytest.mark.parametrize("text, predicted, crisis_confidence, forced", [
    # Idioms and reassurances never hide a crisis said in the same breath.
    ("i told my mum i want to die and shes here with me", "helper", 0.0, "crisis"),
    ("if paying doesnt work ill end it", "ask_should_pay", 0.0, "crisis"),
    ("i'd rather die than tell anyone, you know?", "crisis", 0.9, "crisis"),
    ("i wrote it all in a letter for my family to find", "crisis", 0.9, "crisis"),
    ("i'm bleeding out", "crisis", 0.9, "crisis"),
    ("my family would be upset for a bit but they'd be better off", "crisis", 0.9, "crisis"),
    # and everyday messages next to the newer phrases are not crisis or danger.
    ("hang on the delivery guy is at the door now", "ask_new_account", 0.0, None),
    ("my ex is here at uni too and he's not angry or anything", "partner_threat", 0.0, None),
    ("ive got a plan now, im going to tell my dad tonight and just do it", "ask_tell_adult", 0.0, None),
    ("i'm by the bridge now, going to walk into town to the police station", "ask_how_report", 0.0, None),
    ("no point to go on snap now", "ask_delete", 0.0, None),
    ("im going to take all my meds in the morning like usual", "out_of_scope", 0.0, None),
    ("hang on, he's messaging me again", "ask_new_account", 0.35, None),
])
def test_the_newest_phrases_neither_hide_a_crisis_nor_catch_everyday_words(text, predicted, crisis_confidence, forced):
    assert forced_intent(text, predicted, PATTERNS, crisis_confidence, 0.3, [predicted, "blackmail_money"]) == forced
