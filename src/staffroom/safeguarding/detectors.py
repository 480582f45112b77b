"""The safeguarding detectors: a message's text and its school's roster in, findings out.

Pure functions, no database: `roster.py` builds the `Roster` from the school's pupils, the callers (the
send path, `staffroom scan`, the evaluation) decide what a finding means under the school's policy.

A finding says *what* (an identifier kind, such as "upn", or a concern category, such as "self_harm"),
*where* (the span in the text as typed), *how serious* (low, medium, high) and *why* (a short reason in
plain English). It never holds the matched text: the span is enough to highlight it for the person who
typed it, and nothing downstream has to keep a copy of a pupil's NHS number to say that there was one.

The kinds (DOMAIN.md "Personal data detectors" and "Safeguarding"):
- identifiers: upn, nhs_number, ni_number (check characters verified), date_of_birth, address, postcode,
  pupil_name (a pupil on the roster named near something sensitive), and special category data: health,
  sen, ethnicity, religion, sexual_orientation, free_school_meals, child_protection;
- concerns: see `concerns.CATEGORIES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from stdnum.gb import nhs, upn

from staffroom.safeguarding import concerns
from staffroom.safeguarding.concerns import CATEGORIES, Severity
from staffroom.safeguarding.folding import View, Words, fold, squash, words
from staffroom.safeguarding.phrases import PhraseIndex, compile_phrases

Group = Literal["identifier", "concern"]

IDENTIFIER_KINDS = (
    "upn",
    "nhs_number",
    "ni_number",
    "date_of_birth",
    "address",
    "postcode",
    "pupil_name",
    "health",
    "sen",
    "ethnicity",
    "religion",
    "sexual_orientation",
    "free_school_meals",
    "child_protection",
)
SPECIAL_CATEGORY_KINDS = IDENTIFIER_KINDS[7:]
RANK = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True, slots=True)
class Finding:
    """What was found, where (start, end in the text as typed), how serious, and why. Never the text."""

    kind: str
    group: Group
    start: int
    end: int
    severity: Severity
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "group": self.group,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Roster:
    """The context of a school: its pupils' names (as the school holds them)."""

    names: tuple[str, ...] = ()
    # Words that are also first names and often start a sentence with a capital ("Will you...", "Hope you're
    # well"): a first name alone counts only when it is typed with a capital and is not one of these; a full
    # name always counts.
    common_words: frozenset[str] = field(
        default=frozenset(
            [
                "will", "may", "june", "april", "august", "hope", "mark", "bill", "rob", "pat", "sue", "frank",
                "sunny", "summer", "autumn", "pupil", "teacher", "student", "child", "miss", "sir", "one", "two",
            ]
        )
    )  # fmt: skip

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """One expression for every name on the roster, in the spelling of `folding.words`."""
        full: set[str] = set()
        first: set[str] = set()
        for name in self.names:
            spelled = " ".join(squash(w) for w in re.findall(r"[a-z0-9]+", fold(name).text.replace("'", "")))
            if not spelled:
                continue
            full.add(spelled)
            given = spelled.split()[0]
            if len(given) > 2 and given not in self.common_words and given not in _COMMON_SQUASHED:
                first.add(given)
        if not full:
            return None
        ordered = sorted(full, key=len, reverse=True) + sorted(first - full, key=len, reverse=True)
        # "Harry's" is "harys" in the words view: a name may carry a possessive s.
        return re.compile(" (" + "|".join(re.escape(n) for n in ordered) + ")s?(?= )")

    @cached_property
    def first_names_only(self) -> frozenset[str]:
        """Names that are one word long in the pattern: these must be typed with a capital letter."""
        return frozenset(
            squash(fold(name).text.split()[0]) for name in self.names if fold(name).text.split()
        ) - frozenset(" ".join(squash(w) for w in fold(n).text.split()) for n in self.names)


_COMMON_SQUASHED = frozenset(squash(w) for w in ("will", "hope", "summer", "bill"))
EMPTY_ROSTER = Roster()


@dataclass(frozen=True)
class Scan:
    """Every finding in one message, in the order of the text."""

    findings: tuple[Finding, ...]

    @property
    def identifiers(self) -> list[str]:
        return _kinds(f for f in self.findings if f.group == "identifier")

    @property
    def categories(self) -> list[str]:
        return _kinds(f for f in self.findings if f.group == "concern")

    @property
    def severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=RANK.__getitem__)

    def as_dict(self) -> dict[str, Any]:
        """The shape `staffroom scan` prints (DESIGN.md "Commands")."""
        return {"identifiers": self.identifiers, "categories": self.categories, "severity": self.severity}


def _kinds(findings: Iterable[Finding]) -> list[str]:
    seen: dict[str, None] = {}
    for finding in findings:
        seen.setdefault(finding.kind, None)
    return list(seen)


def scan(text: str, roster: Roster = EMPTY_ROSTER) -> Scan:
    """Every detector over one message. Never raises on odd text; never reads the database."""
    folded = fold(text)
    worded = words(folded)
    found: list[Finding] = []
    found.extend(find_numbers(text, folded))
    found.extend(find_dates_of_birth(folded))
    found.extend(find_addresses(text, folded))
    tokens = frozenset(worded.text.split())
    names = (
        [(m.start() + 1, m.end()) for m in roster.pattern.finditer(worded.text)] if roster.pattern is not None else []
    )
    hits = concerns.find(worded.text, tokens, names)
    for hit in hits:
        start, end = worded.span(hit.start, hit.end)
        found.append(Finding(hit.category, "concern", start, end, hit.rule.severity, hit.rule.reason))
    special = find_special_categories(text, worded, roster, tokens)
    found.extend(special)
    if roster.pattern is not None:
        found.extend(find_pupil_names(text, worded, roster, sensitive=found))
    found.sort(key=lambda f: (f.start, f.end))
    return Scan(tuple(_unique(found)))


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per kind and span (two rules of one category on the same words say it once)."""
    seen: set[tuple[str, int, int]] = set()
    kept: list[Finding] = []
    for finding in findings:
        key = (finding.kind, finding.start, finding.end)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


_DIGIT = re.compile(r"\d")

# --- identifiers with check characters ------------------------------------------------------------------

_UPN = re.compile(r"(?<![a-z0-9])[a-z]\d{11}[a-z0-9](?![a-z0-9])")
_NHS = re.compile(r"(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d-])")
# National Insurance number (HMRC): two letters, six digits, a suffix A-D. Neither letter is D, F, I, Q, U
# or V; the second is not O; BG, GB, NK, KN, TN, NT and ZZ are never issued.
_NINO = re.compile(
    r"(?<![a-z0-9])([a-ceghj-prstw-z][a-ceghj-nprstw-z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([a-d])(?![a-z0-9])"
)
_NINO_NEVER = frozenset({"bg", "gb", "nk", "kn", "tn", "nt", "zz"})


def valid_ni_number(number: str) -> bool:
    """A National Insurance number in the form HMRC issues (there is no check character to verify)."""
    compact = re.sub(r"\s", "", number).lower()
    match = _NINO.fullmatch(compact)
    return match is not None and match.group(1) not in _NINO_NEVER


def find_numbers(text: str, folded: View) -> list[Finding]:
    """UPNs and NHS numbers whose check character is right, and National Insurance numbers."""
    found: list[Finding] = []
    source = folded.text
    if _DIGIT.search(source):
        for match in _UPN.finditer(source):
            if upn.is_valid(match.group().upper()):
                start, end = folded.span(*match.span())
                found.append(Finding("upn", "identifier", start, end, "high", "a Unique Pupil Number"))
        for match in _NHS.finditer(source):
            if nhs.is_valid(match.group()):
                start, end = folded.span(*match.span())
                found.append(Finding("nhs_number", "identifier", start, end, "high", "an NHS number"))
        for match in _NINO.finditer(source):
            if match.group(1) not in _NINO_NEVER:
                start, end = folded.span(*match.span())
                found.append(Finding("ni_number", "identifier", start, end, "high", "a National Insurance number"))
    return found


# --- dates of birth ------------------------------------------------------------------------------------

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_DOB_LABEL = r"(?:\bd\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|birthdate|\bborn(?:\s+on)?|\bb\.\s)"
_DOB = re.compile(
    rf"{_DOB_LABEL}[\s:,\-\u2013()=]*(?:(?:is|was|on|the|of)\s+)*({_DATE})"
    rf"|({_DATE})\s*[(\[,\-\u2013]?\s*(?:dob|d\.o\.b\.?|date of birth)\b"
)


def find_dates_of_birth(folded: View) -> list[Finding]:
    """A date given as someone's date of birth ("DOB 04/03/2012", "born on 4 March 2012")."""
    source = folded.text
    if "b" not in source or not _DIGIT.search(source):
        return []
    found = []
    for match in _DOB.finditer(source):
        group = 1 if match.group(1) else 2
        start, end = folded.span(match.start(group), match.end(group))
        found.append(Finding("date_of_birth", "identifier", start, end, "medium", "a date of birth"))
    return found


# --- addresses and postcodes ---------------------------------------------------------------------------

_AREAS = frozenset(
    [
        "ab",
        "al",
        "b",
        "ba",
        "bb",
        "bd",
        "bh",
        "bl",
        "bn",
        "br",
        "bs",
        "bt",
        "ca",
        "cb",
        "cf",
        "ch",
        "cm",
        "co",
        "cr",
        "ct",
        "cv",
        "cw",
        "da",
        "dd",
        "de",
        "dg",
        "dh",
        "dl",
        "dn",
        "dt",
        "dy",
        "e",
        "ec",
        "eh",
        "en",
        "ex",
        "fk",
        "fy",
        "g",
        "gl",
        "gu",
        "gy",
        "ha",
        "hd",
        "hg",
        "hp",
        "hr",
        "hs",
        "hu",
        "hx",
        "ig",
        "im",
        "ip",
        "iv",
        "je",
        "ka",
        "kt",
        "kw",
        "ky",
        "l",
        "la",
        "ld",
        "le",
        "ll",
        "ln",
        "ls",
        "lu",
        "m",
        "me",
        "mk",
        "ml",
        "n",
        "ne",
        "ng",
        "nn",
        "np",
        "nr",
        "nw",
        "ol",
        "ox",
        "pa",
        "pe",
        "ph",
        "pl",
        "po",
        "pr",
        "rg",
        "rh",
        "rm",
        "s",
        "sa",
        "se",
        "sg",
        "sk",
        "sl",
        "sm",
        "sn",
        "so",
        "sp",
        "sr",
        "ss",
        "st",
        "sw",
        "sy",
        "ta",
        "td",
        "tf",
        "tn",
        "tq",
        "tr",
        "ts",
        "tw",
        "ub",
        "w",
        "wa",
        "wc",
        "wd",
        "wf",
        "wn",
        "wr",
        "ws",
        "wv",
        "yo",
        "ze",
    ]
)
_POSTCODE = re.compile(r"(?<![a-z0-9])([a-z]{1,2})(\d[a-z\d]?) ?(\d[abd-hjlnp-uw-z]{2})(?![a-z0-9])")
_STREET = (
    r"(?:road|rd|street|avenue|ave|lane|close|drive|crescent|court|gardens|gdns|grove|place|terrace|mews|"
    r"square|parade|walk|row|way|rise|hill|park|green|vale|croft|chase|view|wharf|boulevard)"
)
_ADDRESS = re.compile(
    rf"(?<![\w£$])(?:(?:flat|apartment|apt|unit)\s*\d+[a-z]?,?\s+)?(\d{{1,4}}[a-z]?),?\s+"
    rf"((?:[a-z][a-z'\-]+\s+){{1,3}}){_STREET}\b"
)
_ADDRESS_CUE = re.compile(
    r"\b(?:lives?|living|address|moved|moving|staying|stays|house|home|flat|postcode|post code|round to|drop (?:him|"
    r"her|them) (?:off|at)|at)\W*$"
)
_NOT_AN_ADDRESS_BEFORE = re.compile(
    r"\b(?:year|yr|y|room|class|page|pages|question|q|chapter|set|unit|lesson|period|p|bus|route|level|grade|"
    r"step|group|table|team|number|no|top|the|every|about|over|under|nearly|almost|only|just|score|scored|"
    r"won|lost|of)\W*$"
)
_ADDRESS_WORDS = re.compile(
    r"\b(?:lives?|living|address|moved|moving|staying|stays|house|home|flat|postcode|post code|road|street)\b"
)


def find_addresses(text: str, folded: View) -> list[Finding]:
    """Street addresses ("14 Elm Road") and UK postcodes in a valid postal area ("LS6 2AB")."""
    source = folded.text
    if not _DIGIT.search(source):
        return []
    found: list[Finding] = []
    for match in _ADDRESS.finditer(source):
        before = source[max(0, match.start() - 30) : match.start()]
        if _NOT_AN_ADDRESS_BEFORE.search(before):
            continue
        start, end = folded.span(*match.span())
        street_start, _ = folded.span(*match.span(2))
        capitalised = text[street_start : street_start + 1].isupper()
        if capitalised or _ADDRESS_CUE.search(before):
            found.append(Finding("address", "identifier", start, end, "medium", "a street address"))
    for match in _POSTCODE.finditer(source):
        if match.group(1) not in _AREAS:
            continue
        start, end = folded.span(*match.span())
        typed = text[start:end]
        if typed.isupper() or _ADDRESS_WORDS.search(source[max(0, match.start() - 60) : match.start()]):
            found.append(Finding("postcode", "identifier", start, end, "low", "a postcode"))
    return found


# --- special category data and child protection status --------------------------------------------------

# (kind, phrase, severity, reason, needs capitals: an acronym that is an ordinary word in lower case)
_SPECIAL: list[tuple[str, str, Severity, str, bool]] = [
    (
        "health",
        "(diagnosed|diagnosis|diagnoses|undiagnosed|being assessed for|assessment for|referred to camhs|"
        "camhs|asthma|asthmatic|inhaler|epilepsy|epileptic|seizure|seizures|diabetes|diabetic|insulin|"
        "blood sugar|hypo|hypos|anaphylaxis|anaphylactic|epipen|epi pen|allergy|allergies|allergic|"
        "coeliac|celiac|medication|meds|ritalin|methylphenidate|concerta|sertraline|fluoxetine|"
        "antidepressants|anti depressants|melatonin|mental health|anxiety|panic attacks|panic attack|"
        "depression|depressed|eating disorder|anorexia|anorexic|bulimia|bulimic|arfid|pregnant|pregnancy|"
        "miscarriage|termination|hiv|cancer|chemo|chemotherapy|leukaemia|leukemia|cystic fibrosis|cerebral palsy|"
        "sickle cell|crohns|colitis|heart condition|heart problem|hearing aid|hearing aids|hearing impaired|"
        "visually impaired|glaucoma|ocd|tourettes|tics|ptsd|bipolar|schizophrenia|psychosis|surgery|an operation|"
        "hospital|a and e|a e|concussion|broken arm|broken wrist|broken leg|medical condition|health care plan|"
        "healthcare plan|ihcp|counselling|counsellor|therapist|therapy|psychiatrist|gender dysphoria|"
        "migraines|migraine|incontinence|toileting|soiling|wetting|continence|bereavement counselling|"
        "hospitalised|sectioned|off sick|sick note|fit note)",
        "medium",
        "health information",
        False,
    ),
    (
        "sen",
        "(sen support|sen register|send register|send support|on the sen|on sen|sen k|ehcp|ehcp review|"
        "ehc plan|ehc needs|ehc assessment|statement of sen|statemented|iep|individual education plan|"
        "provision map|dyslexia|dyslexic|dyspraxia|dyspraxic|dyscalculia|asd|asc|autism|autistic|adhd|"
        "speech and language|salt therapy|salt therapist|salt referral|slcn|semh|mld|sld|pmld|"
        "global developmental delay|learning difficulty|"
        "learning difficulties|learning disability|educational psychologist|ed psych|access arrangements|"
        "extra time in exams|a reader and scribe|one to one support|1 1 support|high needs funding|top up funding|"
        "sensory processing|pda|pathological demand avoidance|hypermobility|sen|sen pupil|sen child)",
        "medium",
        "special educational needs",
        False,
    ),
    (
        "ethnicity",
        "(ethnicity|ethnic background|ethnic group|ethnic origin|ethnic minority|(hes|shes|he is|she is|"
        "family are|family is|parents are|mum is|dad is) (black|white british|mixed race|mixed heritage|dual "
        "heritage|asian|british asian|pakistani|bangladeshi|indian|somali|nigerian|ghanaian|polish|romanian|roma|"
        "gypsy|a gypsy|traveller|a traveller|irish traveller|chinese|arab|kurdish|afghan|syrian|eritrean|"
        "caribbean|black african|black caribbean|jamaican|turkish|lithuanian|latvian|eastern european|grt|"
        "gypsy roma traveller)|(black|white|asian|mixed race|brown|roma|traveller|gypsy|polish|romanian|pakistani|"
        "somali|bangladeshi) (boy|girl|pupil|lad|kid|child|student|family)|(traveller|gypsy|roma|grt|romany) "
        "(family|community|site|background|heritage|culture)|(from|of) (a )?(traveller|gypsy|roma|grt|"
        "pakistani|bangladeshi|somali|polish|romanian|nigerian|caribbean) (family|background|heritage))",
        "medium",
        "ethnic origin",
        False,
    ),
    (
        "religion",
        "(religion|religious beliefs|religious background|religious reasons|religious grounds|faith "
        "background|(hes|shes|he is|she is|is|family are|family is|parents are|is a|mum is|dad is) (muslim|a muslim|"
        "jewish|sikh|a sikh|hindu|a hindu|christian|a christian|catholic|a catholic|buddhist|a buddhist|"
        "jehovahs witness|a jehovahs witness|jehovahs witnesses|mormon|a mormon|atheist|an atheist|orthodox|"
        "evangelical|rastafarian|pentecostal)|(fasting|fasts|fast) (for|during|at) ramadan|"
        "fasting|(goes|go|going|attends|attend|went) to (the )?(mosque|synagogue|gurdwara|temple|church|madrasa|"
        "madrassa|mandir|kingdom hall|shul)|(wears|wearing|wear|wore) (a |her |his )?(hijab|turban|kippah|"
        "niqab|burka|burqa|patka|kara|headscarf)|"
        "(withdrawn|withdraw|withdrawing|withdrew) (her |him |them )?from (re|collective "
        "worship|worship|assembly|assemblies))",
        "medium",
        "religious belief",
        False,
    ),
    (
        "sexual_orientation",
        "((hes|shes|he is|she is|theyre|they are|is|came out as|come out as|coming out as|"
        "identifies as|identify as|thinks hes|thinks shes|might be) (gay|lesbian|bi|bisexual|pansexual|asexual|"
        "queer|trans|transgender|non binary|nonbinary|a lesbian)|questioning (his|her|their) (sexuality|gender)|"
        "(came|come|coming) out (to|as)|"
        "sexuality|sexual orientation|gender identity|transitioning|social transition|socially transition|"
        "socially transitioning|new pronouns|pronouns are|uses they them|deadname|deadnamed|deadnaming|"
        "gender dysphoria)",
        "medium",
        "sexual orientation or gender identity",
        False,
    ),
    (
        "free_school_meals",
        "(fsm|free school meals|free school meal|free meals|pupil premium|pp pupil|pp child|"
        "(is|hes|shes|as a|is a) pp|ever 6|ever6|disadvantaged pupil|disadvantaged child|universal credit|"
        "food bank|foodbank|food parcel|food parcels|(cant|cannot|couldnt) afford (uniform|the trip|lunch|"
        "school shoes|food|shoes|a coat|the uniform|dinner|dinners|school dinners))",
        "medium",
        "free school meals or family finances",
        False,
    ),
    (
        "child_protection",
        "(cp plan|cp plans|child protection plan|child protection plans|on a cp|child "
        "protection (conference|meeting|case|register|status|concerns|referral|investigation|review)|cp "
        "(conference|meeting|register|status|case|review)|cin plan|cin meeting|child in need plan|child in need "
        "meeting|child in need review|on a child in need|section 47|s47|strategy meeting|strategy discussion|"
        "mash referral|referral to mash|referred to mash|social worker|social workers|social services|"
        "childrens services|children services|early help plan|early help assessment|early help referral|"
        "looked after child|looked after children|looked after status|lac review|previously looked after|"
        "personal education plan|in care|into care|foster care|foster placement|kinship care|local authority "
        "care|foster carer|foster carers|foster parents|foster mum|foster dad|foster family|foster home|"
        "special guardianship|care order|supervision order|emergency protection order|police protection|"
        "lado|lado referral|allegation against|on the cp register)",
        "high",
        "child protection status",
        False,
    ),
    ("free_school_meals", "(pp|fsm)", "medium", "free school meals or family finances", True),
    ("child_protection", "(cin|lac|cla|pep|mash|sgo|cp|cpp|dsl referral)", "high", "child protection status", True),
]

_SPECIAL_PHRASES = PhraseIndex([p for _, p, _, _, _ in _SPECIAL])
# Someone in particular: a person reference close to a special category term makes it personal data.
_PERSON = re.compile(
    " (?:"
    + compile_phrases(
        "he|she|his|her|him|hes|shes|himself|herself|i|im|my|me|ive|this pupil|this child|this student|the "
        "pupil|the child|the student|the boy|the girl|a boy|a girl|boy|girl|son|daughter|lad|kid|brother|"
        "sister|mum|dad|mother|father|parent|carer|grandma|nan|step ?dad|step ?mum|family|[0-9]{1,2}[a-z]{1,2}|"
        "y[0-9]{1,2}|pupil|child|student|young person|yp|sibling"
    )
    + ")(?= )"
)
_NEARBY = 70  # characters of the words view either side (about ten words)
# Special category terms that are personal data on their own (they are only ever said of someone).
_ALWAYS_PERSONAL = frozenset({"child_protection"})


def find_special_categories(text: str, worded: Words, roster: Roster, tokens: frozenset[str]) -> list[Finding]:
    """Special category data and child protection status, when said of someone (a person nearby)."""
    source = worded.text
    found: list[Finding] = []
    people: list[int] | None = None
    for number, match in _SPECIAL_PHRASES.matches(source, tokens):
        kind, _, severity, reason, capitals = _SPECIAL[number]
        start, end = worded.span(match.start() + 1, match.end())
        if capitals and not text[start:end].isupper():
            continue
        if kind not in _ALWAYS_PERSONAL:
            if people is None:
                people = [m.start() for m in _PERSON.finditer(source)]
                if roster.pattern is not None:
                    people.extend(m.start() for m in roster.pattern.finditer(source))
            if not any(abs(p - match.start()) <= _NEARBY for p in people):
                continue
        found.append(Finding(kind, "identifier", start, end, severity, f"{reason} about someone"))
    return found


# --- pupils named near something sensitive --------------------------------------------------------------

_SENSITIVE = re.compile(
    " (?:"
    + compile_phrases(
        "excluded|exclusion|exclusions|suspended|suspension|isolation|detention|behaviour|police|arrested|"
        "caution|referral|referred|disclosed|disclosure|disclose|safeguarding|concern|concerns|worried|"
        "worry|injury|injured|bruise|bruises|bruising|mark on|marks on|absent|absence|attendance|missing|"
        "ran away|run away|divorce|divorcing|separated|bereavement|died|passed away|funeral|custody|prison|"
        "court|neglect|neglected|hungry|smells|unkempt|head lice|nits|medication|dob|date of birth|address|"
        "lives at|lives on|postcode|results|grades|report|predicted|sats|reading age|off rolled|managed move"
    )
    + ")(?= )"
)


def find_pupil_names(text: str, worded: Words, roster: Roster, *, sensitive: list[Finding]) -> list[Finding]:
    """A pupil on the roster named near a sensitive word or another finding."""
    pattern = roster.pattern
    assert pattern is not None
    source = worded.text
    names = list(pattern.finditer(source))
    if not names:
        return []
    near: list[int] = [m.start() for m in _SENSITIVE.finditer(source)]
    # Other findings, located in the words view by their original start.
    for finding in sensitive:
        position = worded.position(finding.start)
        if position is not None:
            near.append(position - 1)
    found: list[Finding] = []
    one_word = roster.first_names_only
    for match in names:
        start, end = worded.span(match.start() + 1, match.end())
        if match.group(1) in one_word and not text[start : start + 1].isupper():
            continue
        if any(abs(n - match.start()) <= _NEARBY for n in near):
            found.append(
                Finding("pupil_name", "identifier", start, end, "medium", "a pupil named near sensitive details")
            )
    return found


def categories() -> tuple[str, ...]:
    """The concern categories, in the order the DSL queue lists them."""
    return CATEGORIES
