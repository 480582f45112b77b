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

from staffroom.safeguarding import concerns, text_model
from staffroom.safeguarding.concerns import CATEGORIES, Severity
from staffroom.safeguarding.folding import View, Words, fold, squash, words
from staffroom.safeguarding.phrases import PhraseIndex, compile_phrases

Group = Literal["identifier", "concern"]
Source = Literal["rules", "model"]

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
    source: Source = "rules"  # "model": the text model's reading (text_model.py), not a phrase that matched

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "group": self.group,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "reason": self.reason,
            "source": self.source,
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


def scan(text: str, roster: Roster = EMPTY_ROSTER, *, model: bool = True) -> Scan:
    """Every detector over one message. Never raises on odd text; never reads the database.

    The text model (`model=False` leaves it out) runs last and adds only kinds the rules did not find."""
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
    special = find_special_categories(text, worded, roster, tokens, taken=found)
    found.extend(special)
    if model:
        found.extend(find_by_model(worded, taken=found))
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
        "(diagnosed|diagnosis|diagnoses|undiagnosed|being assessed for|referred to camhs|"
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
        "health",
        # illnesses, injuries and long-term conditions
        "(glandular fever|tonsillitis|tonsils|chickenpox|chicken pox|measles|mumps|scarlet fever|whooping cough|"
        "norovirus|sickness bug|stomach bug|tummy bug|chest infection|ear infection|eye infection|kidney "
        "infection|urine infection|water infection|uti|pneumonia|bronchitis|shingles|impetigo|conjunctivitis|"
        "meningitis|sepsis|appendicitis|long covid|heart murmur|heart defect|hole in the heart|heart surgery|"
        "eczema|psoriasis|alopecia|arthritis|juvenile arthritis|jia|scoliosis|chronic fatigue|chronic pain|"
        "chronic illness|fibromyalgia|ehlers danlos|lupus|ibs|irritable bowel|kidney disease|kidney condition|"
        "kidney problems|stoma|colostomy|feeding tube|tube fed|gastrostomy|spina bifida|muscular dystrophy|"
        "down syndrome|downs syndrome|brittle bones|haemophilia|hemophilia|thalassaemia|anaemia|anaemic|"
        "anemia|tumour|tumor|brain tumour|lymphoma|radiotherapy|transplant|dialysis|hay fever|hayfever|"
        "asthma attack|nosebleeds|fainted|fainting|faints|blackouts|dizzy spells|blood pressure|thyroid|"
        "endometriosis|pcos|period pain|period pains|heavy periods|stomach problems|tummy problems|bowel "
        "problems|bladder problems|stomach condition|skin condition|eye condition|lazy eye|visual impairment|"
        "sight loss|partially sighted|deafness|hearing loss|glue ear|grommets|cochlear implant|wheelchair user|"
        "crutches|plaster cast|fracture|fractured|sprained|sprain|torn ligament|torn ligaments|dislocated|"
        "head injury|whiplash|lactose intolerant|lactose intolerance|intolerance|intolerant|a disability|"
        "physical disability|physically disabled|disabled|registered blind|deaf in one ear|profoundly deaf|"
        "partially deaf|(is|hes|shes|was|being|born) deaf|"
        "(broken|broke|breaks|fractured|hurt|injured|sprained|twisted|dislocated|damaged|bruised) (his |her |their "
        "|my |a |the )?(arm|wrist|leg|ankle|collarbone|collar bone|finger|fingers|nose|foot|toe|hand|"
        "elbow|hip|rib|ribs|back|jaw|bone|thumb|shoulder|knee)|"
        "(off|off sick|off school|ill|poorly|unwell|home|in bed|in hospital|isolating|laid up|been off|bad) with "
        "(a |an |the |his |her |my |their )?(flu|covid|cold|virus|bug|temperature|high temperature|fever|"
        "migraine|headache|cough|sickness|d and v|diarrhoea|vomiting|sore throat|rash|infection|tummy ache|"
        "stomach ache|chest|chest infection|asthma|allergies|hay fever)|"
        "(has|had|got|caught|has got|positive for|tested positive for|isolating with) (the )?(flu|covid|a virus|"
        "a bug|a cold|a temperature|a fever|a high temperature|a migraine|the sickness bug|d and v|diarrhoea|"
        "sickness and diarrhoea|a rash|stitches)|"
        "(feeling|feels|felt|been|is|was|being|seriously|terminally|chronically|mentally|physically|quite|very|"
        "really) (ill|unwell|poorly)|(feeling|feels|felt|been|was|being) sick(?! of)|"
        "(in|has|wearing|needs) a (cast|plaster cast|sling|wheelchair|neck brace|back brace)|"
        "(uses|use|using|needs|in) (a |his |her |their )?wheelchair|nosebleed|nose bleed|nosebleeds|"
        "(felt|feel|feels|feeling|went|goes|going) (faint|dizzy|lightheaded|light headed)|"
        "(has|have|with|got|is) type (1|one|2|two)(?! (error|errors|question|questions|answer|answers))|t1d|"
        "(test|tests|testing|check|checks|checking|do|does|doing) (his |her |my |their )?(bloods|blood sugar|"
        "blood sugars|sugar levels|sugars|ketones)|"
        "(recovering|recovered|recovery|convalescing) from (covid|flu|the flu|illness|an illness|a virus|surgery|"
        "an operation|his operation|her operation|glandular fever|pneumonia|concussion|an injury|injury|his "
        "injury|her injury|a chest infection|sepsis|meningitis|chemo|cancer|treatment|a stroke|appendicitis|"
        "a broken (arm|leg|wrist|ankle)))",
        "medium",
        "health information",
        False,
    ),
    (
        "health",
        # mental health, medication, care and appointments
        "(low mood|in low mood|low in mood|mood disorder|depressive|body dysmorphia|bdd|binge eating|"
        "selective mutism|attachment disorder|emotionally based school avoidance|ebsa|psychotic|hallucinations|"
        "hearing voices|crisis team|mental health team|mental health nurse|mental health practitioner|"
        "mental health support team|mhst|ewmhs|cbt|talking therapy|play therapy|art therapy|psychologist|"
        "clinical psychologist|psychiatric|psych ward|inpatient|in patient|tier 4|mental health unit|"
        "adolescent unit|mental health crisis|mental health assessment|trauma|traumatised|"
        "(been|feeling|feels|felt) (really |very |so |quite )?(low|down) (lately|recently|at the moment|and|since|"
        "in (his|her|their|my) mood)|(been|feeling) really low|"
        "prescribed|prescription|antibiotics|antihistamine|antihistamines|piriton|cetirizine|calpol|ibuprofen|"
        "inhalers|blue inhaler|brown inhaler|spacer|nebuliser|epipens|jext|emerade|auto injector|autoinjector|"
        "adrenaline pen|insulin pump|glucose|glucose tablets|blood glucose|blood sugars|cgm|libre sensor|dexcom|"
        "carb counting|citalopram|prozac|escitalopram|mirtazapine|antipsychotics|anti psychotics|antipsychotic|"
        "risperidone|aripiprazole|quetiapine|olanzapine|mood stabilisers|elvanse|equasym|medikinet|atomoxetine|"
        "strattera|guanfacine|intuniv|lamotrigine|sodium valproate|epilim|keppra|levetiracetam|buccal midazolam|"
        "midazolam|steroids|steroid cream|steroid inhaler|hydrocortisone|emollient|"
        "(his|her|my|their|takes|taking|take|took|needs|need|had|given|give|gave|forgot|forgotten|missed) (his |her |"
        "my |their |some |the )?(medicine|medicines|tablets|injection|injections|pills|antibiotics)|"
        "medically|medical (note|notes|needs|information|info|form|forms|condition|conditions|plan|plans|records|"
        "record|history|reasons|grounds|emergency|attention|evidence|letter|appointment|advice|issue|issues|"
        "problem|problems|room|treatment|procedure|tests|team|professionals|care plan)|"
        "ihp|individual healthcare plan|individual health care plan|medical care plan|care plan for (his|her|"
        "their|my) (seizures|asthma|epilepsy|diabetes|allergy|allergies|condition|heart|anaphylaxis)|"
        "(hospital|doctors|doctor|gp|clinic|consultant|specialist|camhs|therapy|counselling|physio|"
        "physiotherapy|audiology|hearing|eye|asthma|diabetes|"
        "epilepsy|paediatric|paediatrician|neurology|cardiology|mental health|blood|ultrasound|cahms|medical) "
        "(appointment|appointments|appt|appts|check up|checkup|review|visit|referral|letter|note)|"
        "(seeing|seen|see|saw|went to|go to|going to|been to|visit to|visiting|took him to|took her to|taking him "
        "to|taking her to|take him to|take her to|taken to|rushed to|admitted to|discharged from|out of|back "
        "from|under) (the |a |his |her |their )?(doctor|doctors|gp|a and e|a e|walk in centre|urgent care|"
        "clinic|paediatrician|pediatrician|consultant|specialist|nurse|school nurse|physio|"
        "psychiatrist|psychologist|therapist|counsellor|childrens hospital|eating disorder clinic|eating "
        "disorder team|eating disorder service|diabetes team|epilepsy team|neurologist|cardiologist)|"
        "paediatrician|pediatrician|neurologist|cardiologist|dermatologist|dietitian|dietician|"
        "gastroenterologist|orthopaedic|audiologist|ophthalmologist|endocrinologist|oncologist|health visitor|"
        "diabetes team|epilepsy team|eating disorder team|eating disorder service|"
        "ambulance|paramedics|paramedic|(mri|ct|brain|heart|hospital|pregnancy|baby|ultrasound) scan|"
        "(for|had|has|having|needs|get|got) (a|an|his|her|their|my) (scan|mri|x ray|xray|operation|op|"
        "blood test|ecg|eeg|biopsy|injection|jab)|mri|x ray|xray|x rays|blood test|blood tests|ecg|eeg|biopsy|"
        "(his|her|my|their|major|minor|knee|hip|heart|back|eye|ear|leg|arm|foot|spine|stomach) operation|"
        "signed off (by|for|school|sick|from|until|with)|doctors note|drs note|gp letter|medical letter)",
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
        "personal education plan|in care(?! of| with)|into care|foster care|foster placement|kinship care|"
        "local authority "
        "care|foster carer|foster carers|foster parents|foster mum|foster dad|foster family|foster home|"
        "special guardianship|care order|supervision order|emergency protection order|police protection|"
        "lado|lado referral|allegation against|on the cp register)",
        "high",
        "child protection status",
        False,
    ),
    (
        "child_protection",
        "((open to|known to|referred to|referral to|referring to|referral made to|involvement from|involvement "
        "with|involved with|support from|working with|allocated to) (childrens social care|social care|csc|"
        "childrens services|social services|the social|early help|the early help team|the mash|mash|the front "
        "door|the local authority)|childrens social care|csc (referral|involvement|case|visit)|social care "
        "(referral|involvement|assessment|case|visit|visits|worker|plan|are involved|is involved|have been|were "
        "called|came)|the social (are|were|came|come|have|has|took|take|got|visit|visited|worker|involved|"
        "wont|want)|icpc|rcpc|core group (meeting|meetings|minutes)|initial child protection|review child "
        "protection|operation encompass|encompass (call|notification|alert|report|referral|email|notice)|"
        "(stepped|step|stepping|stepped him|stepped her) (down|up) (from|to|onto|into) (a )?(cp|child "
        "protection|cin|child in need|early help|section 47|s47)|childrens home|children home|residential "
        "(care|placement|home|unit)|supported accommodation|semi independent|care leaver|care leavers|leaving "
        "care|placed with (his|her|their|my) (nan|nana|gran|grandma|grandmother|grandparents|grandad|aunt|"
        "auntie|aunty|uncle|sister|brother|older sister|family|dad|mum)|kinship (carer|carers|placement|"
        "arrangement|care)|special guardian|special guardians|private fostering|privately fostered|fostered|"
        "placement (order|breakdown|broke down|has broken down)|emergency placement|adopted (child|from care|son|"
        "daughter|boy|girl|pupil)|adoptive (mum|dad|parents|family|"
        "mother|father)|adoption (order|placement|support)|post adoption|section (17|20|31|47)|s47 enquiry|"
        "s47 enquiries|child and family assessment|single assessment|family support worker|team around the "
        "(family|child)|(taf|tac) (meeting|meetings|review|plan)|supervised contact|contact (with|to) ~2 (is|"
        "are|must be|has to be|will be|to be) supervised|contact centre|"
        "(domestic abuse|domestic violence|domestic incident|da|dv) "
        "(notification|notifications|notice|alert)(?! (process|procedure|procedures|policy|form|forms|training|"
        "system|template))|(police|officers|the police) ~3 welfare "
        "(check|visit)|safe and well (check|visit)|(under|category of|category|categories of) (neglect|"
        "emotional abuse|physical abuse|sexual abuse)|(is|as|being|became|classed as|now|a) (a )?child in "
        "need(?! (day|appeal|non uniform|fundraiser|fundraising|bake sale|money|charity|raffle|event|"
        "assembly|collection|week|song))|marac|virtual school (head|headteacher|lead|team|pays|funding|"
        "funded|officer)|independent reviewing officer|care proceedings|interim care order|placement order|"
        "early help (worker|support|meeting|review|hub|practitioner|involvement|case|episode|team)|(is|became|become|"
        "becomes|now|currently|been) looked after(?! (by|at|in|during|well|properly|really|so|when|while|until|for|"
        "on|after|nicely|brilliantly))|"
        "(is|is a|is an|as a|as|became|become|becomes|now|being|was|on|subject to|open as|stepped down to) (a |an )?"
        "(lac|cla|cin|cpp|cp|plac|pla)|(lac|cla|cin|cp|cpp|pep|icpc|rcpc|sgo|lado|mash|eha|taf|tac) (review|"
        "reviews|meeting|meetings|plan|plans|pupil|pupils|child|children|status|register|conference|paperwork|"
        "report|referral|visit|case|minutes|worker|coordinator|officer))",
        "high",
        "child protection status",
        False,
    ),
    ("free_school_meals", "(pp|fsm)", "medium", "free school meals or family finances", True),
    (
        "child_protection",
        "(cin|lac|cla|pep|mash|sgo|cp|cpp|dsl referral|icpc|rcpc|pla|plac|eha|taf|tac|iro|lado|marac)",
        "high",
        "child protection status",
        True,
    ),
]

_SPECIAL_PHRASES = PhraseIndex([p for _, p, _, _, _ in _SPECIAL])
# Ordinary words that the words view spells like a term ("seen" reads "sen"): typed so, they are not it.
_SQUASHED_WORDS = frozenset({"seen"})
# School talk that names a special category without saying anything about anyone: a special category term
# inside one of these is not personal data ("health and safety", "mental health awareness week").
_SPECIAL_ORDINARY = PhraseIndex(
    [
        "(operation encompass (training|policy|process|procedure|procedures|briefing|lead|leads|key adult|key "
        "adults|handbook|notification process|notifications process|scheme|website)|health and safety|"
        "health safety|health and social care|health and wellbeing (lesson|lessons|curriculum|"
        "week|day|survey|unit|topic)|mental health (awareness|week|day|training|first aid|first aider|first "
        "aiders|lead|leads|policy|champion|champions|ambassador|ambassadors|assembly|assemblies|lesson|lessons|"
        "curriculum|resources|strategy|month|provision|audit|charity|charities|display|workshop|webinar|course|"
        "survey|support in schools)|first aid (training|kit|kits|course|box|boxes|certificate|cert|refresher|bag|"
        "bags|trained|qualification)|(allergy|allergen|allergens|nut) (friendly|free|information|info|policy|"
        "menu|labelling|labels|aware|awareness|matrix|training|checklist|signs|signage)|(medication|medical|"
        "medicines|asthma|allergy|first aid|intimate care|administering medicines) (policy|policies|training|"
        "procedure|procedures)|supporting pupils with medical conditions|medical conditions policy|hospital "
        "corners|hospital radio|disabled (toilet|toilets|parking|access|loo|bay|bays|space|spaces|ramp|lift|"
        "changing|facilities)|wheelchair (access|accessible|ramp|lift)|in stitches|(diabetes|asthma|epilepsy|"
        "allergy|anaphylaxis|epipen|first aid|defibrillator) (training|awareness|course|session|update)|"
        "child protection (training|policy|procedures|procedure|course|refresher|update|level|lead|officer|"
        "team)|social worker (week|day|apprenticeship|degree)|therapy dog|therapy dogs|retail therapy|"
        "immune system|the trauma of|pep talk|pep talks|(sen|send) (department|dept|team|office|policy|information "
        "report|training|governor|base|hub|coordinator|budget|funding review|audit)|ambulance service|"
        "st john ambulance|red cross|blood donor|give blood|"
        "giving blood|blood drive|blood cells|blood vessels|healthy (eating|living|lifestyle|lifestyles))"
    ]
)
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


def find_special_categories(
    text: str, worded: Words, roster: Roster, tokens: frozenset[str], taken: Iterable[Finding] = ()
) -> list[Finding]:
    """Special category data and child protection status, when said of someone (a person nearby).

    An acronym inside an identifier already found is part of it ("CP" opening a National Insurance number),
    and a term inside ordinary school talk ("health and safety") says nothing about anyone."""
    source = worded.text
    found: list[Finding] = []
    people: list[int] | None = None
    ordinary: list[tuple[int, int]] | None = None
    for number, match in _SPECIAL_PHRASES.matches(source, tokens):
        kind, _, severity, reason, capitals = _SPECIAL[number]
        start, end = worded.span(match.start() + 1, match.end())
        if capitals and (
            not text[start:end].isupper()
            or any(f.group == "identifier" and f.start < end and start < f.end for f in taken)
        ):
            continue
        if text[start:end].lower() in _SQUASHED_WORDS:
            continue
        if ordinary is None:
            ordinary = [(m.start() + 1, m.end()) for _, m in _SPECIAL_ORDINARY.matches(source, tokens)]
        if any(low < match.end() and match.start() + 1 < high for low, high in ordinary):
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


# --- the text model ---------------------------------------------------------------------------------------


def find_by_model(worded: Words, *, taken: Iterable[Finding] = ()) -> list[Finding]:
    """What the text model reads in the message that the rules did not find: concerns at medium severity at
    most, special categories at low, each pointing at the words that weighed most (text_model.py)."""
    found = []
    for hit in text_model.find(worded, skip=frozenset(f.kind for f in taken)):
        group: Group = "concern" if hit.kind in CATEGORIES else "identifier"
        start, end = worded.span(hit.start, hit.end)
        severity: Severity = text_model.SEVERITY if group == "concern" else "low"
        found.append(Finding(hit.kind, group, start, end, severity, text_model.reason(hit.kind), "model"))
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
