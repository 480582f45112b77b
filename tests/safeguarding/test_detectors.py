# ruff: noqa: RUF001, RUF003 -- look-alike letters are the evasions under test.
"""The phrase rules: each identifier kind and concern category, the evasions they undo, the school talk they leave.

The text model is left out here (`model=False`): tests/safeguarding/test_text_model.py has what it adds, and
what it makes of the same school talk."""

from functools import partial

import pytest

from staffroom.safeguarding import detectors
from staffroom.safeguarding.detectors import EMPTY_ROSTER, RANK, Roster

scan = partial(detectors.scan, model=False)

ROSTER = Roster(("Jake Wilson", "Amelia Hughes", "Charlie Evans", "Daisy Palmer", "Will Turner"))


def kinds(text: str, roster: Roster = ROSTER) -> set[str]:
    result = scan(text, roster)
    return set(result.identifiers) | set(result.categories)


# --- the issue's own examples -----------------------------------------------------------------------------


def test_the_pupils_message_from_the_issue_raises_self_harm_and_grooming_at_high_severity():
    result = scan("I want to kill myself... he said send him pics and not tell anyone")
    assert set(result.categories) == {"self_harm", "grooming"}
    assert result.severity == "high"


def test_the_teachers_message_from_the_issue_finds_every_identifier():
    result = scan("UPN B801200005001, NHS 943 476 5919, DOB 04/03/2012 and she is on a CP plan")
    assert result.identifiers == ["upn", "nhs_number", "date_of_birth", "child_protection"]
    assert result.severity == "high"


# --- identifiers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("UPN P207000016049 for the new starter", "upn"),
        ("her nhs no is 9434765919", "nhs_number"),
        ("NHS 943-476-5919 on the care plan", "nhs_number"),
        ("NI number AB 12 34 56 C for payroll", "ni_number"),
        ("nino: ab123456c", "ni_number"),
        ("DOB 04/03/2012", "date_of_birth"),
        ("she was born on 4 March 2012", "date_of_birth"),
        ("date of birth: 2012-03-04", "date_of_birth"),
        ("He lives at 14 Elm Road with his nan", "address"),
        ("new address: flat 2, 7 station road", "address"),
        ("The family have moved to LS6 2AB", "postcode"),
        ("my postcode is m14 5rt", "postcode"),
    ],
)
def test_finds_identifiers(text, kind):
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "UPN Q207000016049",  # DOMAIN.md: a wrong check letter
        "order number 1234567890",  # ten digits that are not an NHS number
        "Call the office on 0161 496 0000",
        "NI number QQ 12 34 56 C",  # Q is never a prefix letter
        "GB 12 34 56 A",  # GB is never issued
        "Year 7 Hyde Park trip",
        "we scored 2 goals at the end",
        "see u m8 1am lol",
        "Room 12 Park Lane building",
        "The deadline was 04/03/2012",
    ],
)
def test_does_not_take_lookalikes_for_identifiers(text):
    assert scan(text).identifiers == []


def test_a_finding_holds_the_span_not_the_text():
    text = "Her NHS number is 943 476 5919 if the hospital calls"
    finding = next(f for f in scan(text).findings if f.kind == "nhs_number")
    assert text[finding.start : finding.end] == "943 476 5919"
    assert "943" not in repr(finding.as_dict())
    assert set(finding.as_dict()) == {"kind", "group", "start", "end", "severity", "reason", "source"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Jake has ADHD and is on the SEN register", "sen"),
        ("She has an EHCP and needs 1:1 in maths", "sen"),
        ("He has asthma and needs his inhaler on the trip", "health"),
        ("Mum says she's been referred to CAMHS", "health"),
        ("His family are Roma and new to the area", "ethnicity"),
        ("She is fasting for Ramadan, go easy in PE", "religion"),
        ("He came out as gay to me today", "sexual_orientation"),
        ("She is FSM so the trip is paid for", "free_school_meals"),
        ("Is Amelia PP? I need it for the data drop", "free_school_meals"),
        ("on a CP plan since September", "child_protection"),
        ("CIN meeting on Tuesday", "child_protection"),
        ("Social worker coming at 2", "child_protection"),
    ],
)
def test_finds_special_category_data_said_of_someone(text, kind):
    assert kind in kinds(text)


SPECIAL_WORDS_WITHOUT_A_PERSON = [
    "The SEN department meeting is moved to Thursday",
    "EHCP paperwork training on the INSET day",
    "Children in Need non-uniform day is Friday",
    "Wear black shoes for the concert",
    "the cin is a letter combination",  # acronyms only count in capitals
    "We had lac of time",
]


@pytest.mark.parametrize("text", SPECIAL_WORDS_WITHOUT_A_PERSON)
def test_special_category_words_without_a_person_are_not_personal_data(text):
    assert scan(text).identifiers == []


def test_a_pupil_on_the_roster_named_near_something_sensitive():
    assert "pupil_name" in kinds("Jake was excluded for two days")
    assert "pupil_name" in kinds("I found a note in Jake's planner, he wants to die")
    assert "pupil_name" in kinds("daisy palmer is on a CP plan")  # a full name, whatever the case


def test_a_pupil_named_in_ordinary_talk_is_not_a_finding():
    assert kinds("Can Jake bring the register back to the office?") == set()
    assert kinds("Charlie Evans was brilliant in the play") == set()  # not cocaine


def test_first_names_that_are_words_count_only_with_a_capital_and_not_at_the_start_of_a_sentence():
    assert "pupil_name" in kinds("I think Daisy was excluded")
    assert "pupil_name" not in kinds("the daisy was excluded from the display")
    assert "pupil_name" not in kinds("Will you log the exclusion?")  # "Will" is a word before it is a name
    assert "pupil_name" in kinds("Will Turner was excluded")


def test_an_empty_roster_finds_no_names():
    assert "pupil_name" not in kinds("Jake was excluded", EMPTY_ROSTER)


# --- concerns ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "severity"),
    [
        ("i just want to kill myself", "self_harm", "high"),
        ("I've been cutting myself again", "self_harm", "high"),
        ("nobody likes you, just leave", "bullying", "medium"),
        ("kys", "bullying", "high"),
        ("don't tell your mum we talk, it's our secret", "grooming", "high"),
        ("send me a pic of you in your pjs", "grooming", "high"),
        ("i support ISIS and the caliphate", "extremism", "high"),
        ("heil hitler lol", "extremism", "high"),
        ("i'm gonna stab you after school", "violence", "high"),
        ("he brought a knife into school", "violence", "high"),
        ("anyone selling weed?", "drugs", "medium"),
        ("he was proper stoned in maths", "drugs", "medium"),
        ("he's always watching porn on his phone", "sexual_content", "medium"),
        ("go back to your own country", "discrimination", "medium"),
        ("that's so gay", "discrimination", "medium"),
    ],
)
def test_finds_each_concern_category(text, category, severity):
    result = scan(text)
    assert category in result.categories
    found = [f for f in result.findings if f.kind == category]
    assert max((f.severity for f in found), key=RANK.__getitem__) == severity
    assert all(f.reason for f in found)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i want to k i l l myself", "self_harm"),  # spacing
        ("i want to k.i.l.l myself", "self_harm"),
        ("i want to kiiiilll myself", "self_harm"),  # repeated letters
        ("i want to k1ll mys3lf", "self_harm"),  # l33t
        ("$uicide is the only way out", "self_harm"),
        ("i want to kіll myself", "self_harm"),  # Cyrillic і
        ("i want to κill myself", "self_harm"),  # Greek κ
        ("ｉ ｗａｎｔ ｔｏ ｋｉｌｌ ｍｙｓｅｌｆ", "self_harm"),  # full-width forms (NFKC)
        ("i want to kill my\u200bself", "self_harm"),  # an invisible space inside a word
        ("i'll 🔪 you", "violence"),  # emoji as a word
        ("who wants 🌿 tonight, selling it cheap", "drugs"),
        ("send n.u.d.e.s x", "grooming"),
        ("he called me a p a k i", "discrimination"),
    ],
)
def test_undoes_simple_evasion(text, category):
    assert category in scan(text).categories


ORDINARY_SCHOOL_TALK = [
    "killing it in PE today",
    "Year 9 are a nightmare",
    "I could murder a coffee",
    "this marking is killing me",
    "shoot me an email",
    "drugs education lesson on Tuesday",
    "the Holocaust topic in history",
    "We're doing Macbeth - the murder scene",
    "Anti-bullying week assembly on Monday",
    "Can you send me the photos from the trip?",
    "Don't forget the knife skills session in food tech",
    "Sexual reproduction in plants, lesson 3",
    "Suicide prevention training is on the INSET day",
    "Don't tell anyone but it's Sue's birthday, cake in the staffroom",
    "The river Niger is on the map test",
    "Diet coke anyone?",
    "We got high marks in the mocks",
    "I'm dead tired",
    "You'll kill it in the exam!",
    "I'll beat you at chess next time",
    "See you Wed",
    "u r a star x",
    "Hit me up if you need the seating plan",
]


@pytest.mark.parametrize("text", ORDINARY_SCHOOL_TALK)
def test_leaves_ordinary_school_talk_alone(text):
    assert scan(text).findings == ()


def test_one_weak_sign_is_not_a_concern_but_two_are():
    assert "grooming" not in scan("don't tell anyone about the surprise").categories
    assert "grooming" in scan("don't tell anyone, and delete this chat after").categories


def test_severity_is_the_highest_finding_and_none_when_nothing_is_found():
    assert scan("have a lovely weekend").severity is None
    assert scan("Jake lives at 14 Elm Road", ROSTER).severity == "medium"
    assert scan("i want to die, he lives at 14 Elm Road").severity == "high"


def test_odd_text_never_raises():
    for text in ["", " ", "\x00", "🔪" * 500, "a " * 2000, "k i l l " * 300, "\u202e\u2066", "١٢٣٤٥٦٧٨٩٠"]:
        scan(text, ROSTER)


# --- health, child protection status and discrimination, as staff and pupils write them --------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("She's off with glandular fever this week", "health"),
        ("He broke his wrist at the weekend", "health"),
        ("he has an appt with camhs on Tuesday", "health"),
        ("She's been prescribed antibiotics, mum will drop them in", "health"),
        ("he's been really low lately and is seeing the GP", "health"),
        ("She has a hospital appointment so will miss period 3", "health"),
        ("He uses a wheelchair since the accident", "health"),
        ("i'm on antidepressants and my anxiety is bad today", "health"),
        ("Leo has type 1 and needs to test his bloods before lunch", "health"),
        ("He is recovering from covid", "health"),
        ("Jake is open to children's social care", "child_protection"),
        ("Operation Encompass notification for Jake this morning", "child_protection"),
        ("ICPC for Jake on Tuesday", "child_protection"),
        ("she's been stepped down from cp to cin", "child_protection"),
        ("Amelia is cla, the pep is on Monday", "child_protection"),
        ("he lives in a children's home now", "child_protection"),
        ("she's placed with her nan under an SGO", "child_protection"),
        ("section 47 enquiries have started", "child_protection"),
        ("contact with dad is supervised, don't let him collect her", "child_protection"),
        ("he's on a plan under the category of neglect", "child_protection"),
        ("Domestic abuse notification received for him this morning", "child_protection"),
    ],
)
def test_finds_health_and_child_protection_status_in_everyday_words(text, kind):
    assert kind in kinds(text)


HEALTH_AND_CP_WORDS_IN_SCHOOL_TALK = [
    "Health and safety walk round on Friday, see me after",
    "Mental health awareness week assembly on Monday",
    "The medication policy is being reviewed by governors",
    "The allergy-friendly menu is on the website",
    "Can someone fix the disabled toilet?",
    "He's in the care of the art department this afternoon",
    "Core group of students for the debate team",
    "The cast list for the play is up",
    "Child protection training is on the INSET day",
    "PEP talk before the match",
    "Was Jake seen at the match?",
    "Scan the QR code to sign up",
    "Year 9 are learning about the immune system",
    "He broke the school record in the 100m",
    "Our DA notification process is in the safeguarding policy",
    "Type 1 errors in the stats lesson, he got it",
]


@pytest.mark.parametrize("text", HEALTH_AND_CP_WORDS_IN_SCHOOL_TALK)
def test_health_and_child_protection_words_in_school_talk_are_not_personal_data(text):
    assert scan(text, ROSTER).identifiers == []


def test_cp_opening_a_national_insurance_number_is_not_child_protection_status():
    assert kinds("NI number CP 40 83 78 B for payroll") == {"ni_number"}


@pytest.mark.parametrize(
    "text",
    [
        "go back to where you came from",
        "fuck off back to poland",
        "dirty immigrant",
        "they called him a p*ki",
        "he keeps calling her a n*****",
        "Jake keeps getting called a fa66ot",
        "black people smell",
        "the jews control the media",
        "you're so autistic lol",
        "you throw like a girl",
        "they misgender him on purpose",
        "they keep doing a chinese accent at him",
        "everyone was laughing at Jake's stammer",  # a pupil named inside a rule is whom it is about
        "they were being racist to Amelia at the bus stop",
        "omg that's so g a y x",  # a kiss after a spelled-out word
        "send the i m m i g r a n t s home",  # a spelled-out word starting with "i"
        "we should gas the jews",
        "they made pig noises at the Muslim girls",
        "she said gay people are going to hell",
        "the new polish kid should go back to poland",
    ],
)
def test_finds_discrimination_in_everyday_words_and_evasions(text):
    assert "discrimination" in kinds(text)


SCHOOL_TALK_ABOUT_GROUPS = [
    "We're discussing racism and stereotypes in PSHE with 9C",
    "Holocaust Memorial Day assembly is on Friday",
    "Let's send the girls home early because of the snow",
    "the polish kids should go home at 3 today",
    "All girls are welcome at the STEM club",
    "Our Polish exchange school visits on Monday",
    "The LGBT history month display is up",
    "f*ck this printer",
    "5*3 is 15",
]


@pytest.mark.parametrize("text", SCHOOL_TALK_ABOUT_GROUPS)
def test_school_talk_about_groups_is_not_discrimination(text):
    assert "discrimination" not in kinds(text)
