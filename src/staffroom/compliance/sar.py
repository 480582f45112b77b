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


@dataclass
class PeopleNames:
    """Every way the organisation's people are named in a message, in one pattern: the subject's own names map
    to themselves, everyone else's to "[another person]"."""

    pattern: re.Pattern[str] | None
    subject_keys: set[str] = field(default_factory=set)
    subject: re.Pattern[str] | None = None

    def blank_others(self, text: str) -> str:
        if self.pattern is None:
            return text

        def replace(match: re.Match[str]) -> str:
            found = match.group(0)
            return found if found.casefold() in self.subject_keys else ANOTHER_PERSON

        return self.pattern.sub(replace, text)

    def names_subject(self, text: str) -> bool:
        return bool(self.subject and self.subject.search(text))


def people_names(subject: Person) -> PeopleNames:
    """The names of everyone in the subject's organisation, leavers included, as `PeopleNames`."""
    subject_words = {w.casefold() for w in subject.name.split()}
    full: set[str] = set()
    handles: set[str] = set()
    first: set[str] = set()
    titled: set[str] = set()
    people = Person.objects.filter(organisation_id=subject.organisation_id).values_list("pk", "name", "handle")
    for pk, name, handle in people.iterator(chunk_size=2000):
        words = name.split()
        if not words:
            continue
        if pk == subject.pk:
            continue
        if len(name) >= 3:
            full.add(" ".join(words))
        if handle:
            handles.add(handle)
        # A first name alone is someone's name only when written with its capital, and never when it is also
        # one of the subject's own names (their "Tara" stays).
        if len(words[0]) >= 3 and words[0].casefold() not in subject_words and words[0][0].isupper():
            first.add(words[0])
        if len(words) > 1 and len(words[-1]) >= 2:
            titled.update(f"{title} {words[-1]}" for title in TITLES)
            titled.update(f"{title}. {words[-1]}" for title in TITLES)
    own_full = " ".join(subject.name.split())
    own = [own_full, f"@{subject.handle}"] if own_full else [f"@{subject.handle}"]
    # Longest first, so "Tara Teacher" wins over "Tara"; the subject's own names first of equal ones.
    insensitive = sorted({*own, *full, *(f"@{h}" for h in handles), *titled}, key=lambda w: (-len(w), w))
    parts = [f"(?i:{'|'.join(_bounded(w) for w in insensitive)})"] if insensitive else []
    if first:
        parts.append("|".join(_bounded(w) for w in sorted(first, key=lambda w: (-len(w), w))))
    subject_parts = [_bounded(w) for w in own]
    if subject_words:
        given = subject.name.split()[0]
        subject_parts.append(_bounded(given))
    return PeopleNames(
        pattern=re.compile("|".join(parts)) if parts else None,
        subject_keys={w.casefold() for w in own},
        subject=re.compile("|".join(subject_parts), re.IGNORECASE),
    )


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
