"""Message bodies are Markdown; what we store and send as `html` is rendered here and sanitised by nh3.

Mentions (`@handle`) are recognised by a markdown-it inline rule, so `@names` inside code are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

HANDLE_RE = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?", re.IGNORECASE)
_MENTION_BEFORE_OK = re.compile(r"[\s(\[{\"'>*_~]")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@dataclass(frozen=True)
class Mentionable:
    id: int
    name: str


@dataclass
class Rendered:
    html: str
    mentioned_ids: set[int] = field(default_factory=set)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@":
        return False
    if pos > 0 and not _MENTION_BEFORE_OK.match(state.src[pos - 1]):
        return False  # an email address, not a mention
    match = HANDLE_RE.match(state.src, pos + 1)
    if not match:
        return False
    people: Mapping[str, Mentionable] = state.env.get("people", {})
    person = people.get(match.group(0).lower())
    if person is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"id": person.id, "name": person.name}
        state.env.setdefault("mentioned", set()).add(person.id)
    state.pos = match.end()
    return True


def _render_mention(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    meta = tokens[idx].meta
    return f'<span class="mention" data-person-id="{int(meta["id"])}">@{escape(meta["name"])}</span>'


def _build() -> MarkdownIt:
    # Images are off: a message never loads a picture from elsewhere (tracking pixels); `![alt](url)` stays text.
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["strikethrough", "table"])
    md.disable("image")
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


_MD = _build()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # "//host/path" is an off-site link that reads as one of ours; nh3 has no scheme to refuse for it.
    if attribute == "href" and value.lstrip().startswith(("//", "\\")):
        return None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "span": {"data-person-id"}, "th": {"align"}, "td": {"align"}},
        allowed_classes={"span": {"mention"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_attribute_filter,
    )


def candidate_handles(body: str) -> set[str]:
    """Lower-case words written after "@": the only handles a message can mention, so only they are looked up
    (not every member of a 1,000-person channel on every send)."""
    return {m.group(1).lower() for m in re.finditer(r"@(" + HANDLE_RE.pattern + ")", body, re.IGNORECASE)}


def render(body: str, people: Mapping[str, Mentionable] | None = None) -> Rendered:
    """Render Markdown to safe HTML; `people` maps lower-case handles to those who may be mentioned."""
    env: dict[str, Any] = {"people": people or {}}
    html = _MD.render(body, env)
    return Rendered(html=sanitise(html).strip(), mentioned_ids=set(env.get("mentioned", set())))
