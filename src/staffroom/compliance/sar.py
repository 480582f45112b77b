"""What a subject access request finds, and how its export shows it (UK GDPR Art. 15; DOMAIN.md "Data protection").

Found, across every conversation of the organisation (whoever was in them): the messages the subject wrote
(with the files they attached), the messages that mention them (`@handle`), and the messages that name them
(their full name, case-insensitive, as whole words: through the search index). Deleted messages and earlier
versions of edited ones are included, as the school still holds them. The DPO may narrow the search by dates
(the search must be "reasonable and proportionate"); the received date bounds nothing.

Shown, by default, with other people's personal data blanked: every other person's name (as an author, and in
the text: full names, `@handles`, first names, "Mr Surname") reads "[another person]"; a message someone else
wrote shows only the sentences about the subject. The DPO can leave a message out, or blank words or phrases
("[redacted]") in one message or in the whole export. The choices are kept on the request; the export applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from staffroom.accounts.models import Person
from staffroom.compliance.bundle import About, Redaction
from staffroom.compliance.models import SubjectAccessRequest
from staffroom.messaging.models import Message

ANOTHER_PERSON = "[another person]"
REDACTED = "[redacted]"
ELIDED = "[…]"
TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")
MAX_WORDS = 200
MAX_WORD_LENGTH = 200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _names_subject(subject: Person) -> Q:
    """Messages whose text names the subject: whole words, any case (the search index's tokens on SQLite)."""
    name = " ".join(subject.name.split())
    if not name:
        return Q(pk__in=[])
    if connection.vendor == "sqlite":
        phrase = '"' + name.replace('"', '""') + '"'
        return Q(
            id__in=RawSQL("SELECT rowid FROM messaging_message_fts WHERE messaging_message_fts MATCH %s", [phrase])
        )
    words = r"\s+".join(re.escape(word) for word in name.split())
    if connection.vendor == "postgresql":
        return Q(body__iregex=rf"\y{words}\y")
    return Q(body__iregex=rf"\b{words}\b")


def found_messages(request: SubjectAccessRequest, *, excluded: bool = False) -> QuerySet[Message]:
    """The messages the request finds (see the module's doc), within its dates if the DPO narrowed them. Without
    `excluded`, those the DPO chose to leave out are left out."""
    subject = request.subject
    mentioned = Message.mentions.through.objects.filter(person_id=subject.pk).values("message_id")
    messages = Message.objects.filter(conversation__organisation_id=request.organisation_id).filter(
        Q(author_id=subject.pk) | Q(id__in=mentioned) | _names_subject(subject)
    )
    if request.search_from:
        messages = messages.filter(created_at__gte=_start(request.search_from))
    if request.search_to:
        messages = messages.filter(created_at__lt=_start(request.search_to + timedelta(days=1)))
    if not excluded:
        left_out = [int(key) for key, choice in (request.message_choices or {}).items() if choice.get("exclude")]
        if left_out:
            messages = messages.exclude(pk__in=left_out)
    return messages


def clean_words(words: Iterable[str]) -> list[str]:
    """Words and phrases to blank: trimmed, without empties or repeats, longest first (so a phrase is blanked
    whole before a word inside it)."""
    seen: dict[str, str] = {}
    for word in words:
        word = " ".join(str(word).split())[:MAX_WORD_LENGTH]
        if word and word.casefold() not in seen:
            seen[word.casefold()] = word
    return sorted(seen.values(), key=lambda w: (-len(w), w.casefold()))[:MAX_WORDS]


def _bounded(word: str) -> str:
    """`word` as a pattern that matches it whole: word boundaries where it starts or ends with a word character."""
    left = r"\b" if re.match(r"\w", word) else ""
    right = r"\b" if re.search(r"\w$", word) else ""
    return left + re.escape(word) + right


def words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    words = clean_words(words)
    return re.compile("|".join(_bounded(w) for w in words), re.IGNORECASE) if words else None


_TOKEN = re.compile(r"@[\w-]+|\w+")


@dataclass
class PeopleNames:
    """Every way the organisation's people are named in a message: full names (any case, as whole words),
    `@handles`, "Mr Surname", and first names written with their capital. The text is read once, word by word,
    and each word looked up (a pattern of every name would try each of thousands of names at every letter).
    The subject's own names stay; everyone else's read "[another person]"."""

    # First word (case-folded) -> the full names (as case-folded word tuples) that start with it, longest first.
    full: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    handles: set[str] = field(default_factory=set)
    first: set[str] = field(default_factory=set)
    surnames: set[str] = field(default_factory=set)
    subject_words: tuple[str, ...] = ()
    subject_handle: str = ""
    subject: re.Pattern[str] | None = None

    def _spans(self, text: str) -> list[tuple[int, int]]:
        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
        folded = [token.casefold() for _, _, token in tokens]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            start, _end, token = tokens[i]
            word = folded[i]
            taken = 0
            if token.startswith("@"):
                taken = 1 if word[1:] in self.handles else 0
            else:
                own = self.subject_words
                if own and tuple(folded[i : i + len(own)]) == own:
                    i += len(own)  # the subject's own full name stays as written
                    continue
                for name in self.full.get(word, ()):
                    if tuple(folded[i : i + len(name)]) == name:
                        taken = len(name)
                        break
                if not taken and token in TITLES and i + 1 < len(tokens) and folded[i + 1] in self.surnames:
                    taken = 2
                if not taken and token in self.first:
                    taken = 1
            if taken:
                spans.append((start, tokens[i + taken - 1][1]))
                i += taken
            else:
                i += 1
        return spans

    def blank_others(self, text: str) -> str:
        spans = self._spans(text)
        if not spans:
            return text
        parts, last = [], 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(ANOTHER_PERSON)
            last = end
        parts.append(text[last:])
        return "".join(parts)

    def names_subject(self, text: str) -> bool:
        return bool(self.subject and self.subject.search(text))


def people_names(subject: Person) -> PeopleNames:
    """The names of everyone in the subject's organisation, leavers included, as `PeopleNames`."""
    subject_words = tuple(w.casefold() for w in _TOKEN.findall(subject.name) if not w.startswith("@"))
    names = PeopleNames(subject_words=subject_words, subject_handle=subject.handle.casefold())
    people = Person.objects.filter(organisation_id=subject.organisation_id).exclude(pk=subject.pk)
    for name, handle in people.values_list("name", "handle").iterator(chunk_size=2000):
        words = [w for w in _TOKEN.findall(name) if not w.startswith("@")]
        if not words:
            continue
        folded = tuple(w.casefold() for w in words)
        if len(name) >= 3 and folded != subject_words:
            names.full.setdefault(folded[0], []).append(folded)
        if handle and handle.casefold() != names.subject_handle:
            names.handles.add(handle.casefold())
        # A first name alone is someone's name only when written with its capital, and never when it is also
        # one of the subject's own names (their "Tara" stays).
        if len(words[0]) >= 3 and words[0][0].isupper() and folded[0] not in subject_words:
            names.first.add(words[0])
        if len(words) > 1 and len(words[-1]) >= 2 and folded[-1] not in subject_words:
            names.surnames.add(folded[-1])
    for candidates in names.full.values():
        candidates.sort(key=len, reverse=True)
    own = [_bounded(" ".join(subject.name.split())), _bounded(f"@{subject.handle}")]
    if subject.name.split():
        own.append(_bounded(subject.name.split()[0]))
    names.subject = re.compile("|".join(own), re.IGNORECASE)
    return names


def subject_part(text: str, names: PeopleNames) -> str:
    """Of a message someone else wrote, the sentences that name the subject; what is left out reads "[…]"."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence.strip():
            continue
        if names.names_subject(sentence):
            kept.append(sentence.strip())
        elif not kept or kept[-1] != ELIDED:
            kept.append(ELIDED)
    return " ".join(kept) if any(part != ELIDED for part in kept) else ELIDED


def redaction_for(request: SubjectAccessRequest) -> Redaction:
    """How the request's export shows each message and person (see the module's doc)."""
    subject = request.subject
    names = people_names(subject)
    everywhere = words_pattern(request.redact_words or [])
    per_message = {
        int(key): pattern
        for key, choice in (request.message_choices or {}).items()
        if (pattern := words_pattern(choice.get("words") or [])) is not None
    }

    def body(message: Message, text: str) -> str:
        if not text:
            return text
        if message.author_id != subject.pk:
            text = subject_part(text, names)
        text = names.blank_others(text)
        for pattern in (per_message.get(message.pk), everywhere):
            if pattern is not None:
                text = pattern.sub(REDACTED, text)
        return text

    def person(someone: Person) -> str:
        return someone.name if someone.pk == subject.pk else ANOTHER_PERSON

    return Redaction(body=body, person=person)


def about(request: SubjectAccessRequest, *, made_by: str) -> About:
    scope: dict[str, object] = {
        "Request": request.pk,
        "Whose data": request.subject.name,
        "Received": request.received_on.isoformat(),
        "Due": request.due_on.isoformat(),
        "Messages from": request.search_from.isoformat() if request.search_from else "the first kept",
        "Messages to": request.search_to.isoformat() if request.search_to else "the latest",
    }
    return About(
        title=f"Your personal data held in Staffroom: {request.subject.name}",
        reason="A subject access request (UK GDPR Article 15). Other people's personal data is blanked: "
        f'their names read "{ANOTHER_PERSON}", and other words "{REDACTED}".',
        made_by=made_by,
        scope=scope,
    )


def export_filename(request: SubjectAccessRequest) -> str:
    return f"subject-access-request-{request.pk}.zip"
