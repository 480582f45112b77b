"""Full-text search over the messages a person may see. The one place that knows the database's text search:
SQLite FTS5 in the embedded mode, PostgreSQL's text search when scaled out."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from staffroom.accounts.models import Person
from staffroom.errors import Invalid
from staffroom.messaging.models import Message
from staffroom.messaging.queries import _messages, get_conversation, visible_conversations
from staffroom.text import clean

MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _fts5_query(text: str) -> str:
    """Every word must match (prefix match on each), with FTS5 syntax neutralised by quoting."""
    words = _WORD.findall(text)
    return " ".join(f'"{w}"*' for w in words[:20])


def containing_any(messages: QuerySet[Message], phrases: list[str]) -> QuerySet[Message]:
    """`messages` narrowed to those whose text matches any of `phrases`, each as search matches it (every word
    of the phrase, each as a prefix), deleted ones included: the caller decides what it may see. Phrases are
    cleaned as bodies are; one without a word matches nothing."""
    groups = [words for words in (_WORD.findall(clean(p))[:20] for p in phrases) if words]
    if not groups:
        return messages.none()
    if connection.vendor == "sqlite":
        query = " OR ".join("(" + " ".join(f'"{w}"*' for w in words) + ")" for words in groups)
        matches = RawSQL("SELECT rowid FROM messaging_message_fts WHERE messaging_message_fts MATCH %s", [query])
        return messages.filter(id__in=matches)
    if connection.vendor == "postgresql":
        raw = " | ".join("(" + " & ".join(f"{w}:*" for w in words) + ")" for words in groups)
        prefixes = SearchQuery(raw, config="english", search_type="raw")
        return messages.annotate(document=SearchVector("body", config="english")).filter(document=prefixes)
    any_phrase = Q()
    for words in groups:
        any_phrase |= Q(body__icontains=" ".join(words))
    return messages.filter(any_phrase)


def search_messages(viewer: Person, text: str, *, limit: int = 50, conversation_id: int | None = None) -> list[Message]:
    """Newest-first messages matching `text` in conversations the viewer can see; deleted ones never match.
    With `conversation_id`, in that conversation only: NotFound if the viewer cannot see it."""
    if conversation_id is not None:
        get_conversation(viewer, conversation_id)
    text = clean(text)  # as message bodies are stored, so "ki\u200bll" finds "kill"
    if not text:
        raise Invalid("q", _("Type something to search for."))
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid("q", _("Searches can be at most %(n)d characters.") % {"n": MAX_QUERY_LENGTH})
    messages = _messages().filter(
        conversation__in=visible_conversations(viewer), deleted_at__isnull=True, hidden_at__isnull=True
    )
    if conversation_id is not None:
        messages = messages.filter(conversation_id=conversation_id)
    if connection.vendor == "sqlite":
        query = _fts5_query(text)
        if not query:
            return []
        matches = RawSQL("SELECT rowid FROM messaging_message_fts WHERE messaging_message_fts MATCH %s", [query])
        messages = messages.filter(id__in=matches)
    elif connection.vendor == "postgresql":
        # The same meaning as on SQLite: every word must match, each as a prefix.
        words = _WORD.findall(text)[:20]
        if not words:
            return []
        prefixes = SearchQuery(" & ".join(f"{w}:*" for w in words), config="english", search_type="raw")
        messages = messages.annotate(document=SearchVector("body", config="english")).filter(document=prefixes)
    else:
        messages = messages.filter(body__icontains=text)
    return list(messages.order_by("-id")[:limit])
