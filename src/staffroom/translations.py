"""Translations without GNU gettext: find the messages, compile the catalogues, check them.

Django's `makemessages` and `compilemessages` need GNU gettext's programs, which Staffroom's machines do
not have. This module does their work in Python:

- `extract()` finds every translatable message: in templates through Django's own `templatize` (the very
  function `makemessages` uses, so the message ids match what a page asks for at run time), in Python by
  reading calls to `gettext`, `gettext_lazy`, `ngettext`, `pgettext` and their aliases.
- `update_catalogue()` adds the new messages to a language's .po file (and drops those no longer used).
- `compile_catalogue()` writes the .mo file that Django reads, with polib.
- `problems()` says what is wrong with a language: messages with no translation, fuzzy translations,
  and a .mo that is out of date with its .po. A test runs it so that none of that can land.

`staffroom translations update|compile|check` (web/management/commands/translations.py) runs these.
"""

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parent
LOCALE = PACKAGE / "locale"
# Every language other than the source language (English, en-GB) that Staffroom is translated into.
TRANSLATED = ("cy",)

SINGULAR = {"gettext", "gettext_lazy", "gettext_noop", "_"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}
KNOWN = SINGULAR | PLURAL | CONTEXT | CONTEXT_PLURAL


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str = ""
    context: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)


@dataclass
class Found:
    message: Message
    places: list[str] = field(default_factory=list)


def _call_message(name: str, args: list[ast.expr]) -> Message | None:
    strings = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in args]
    if name in SINGULAR and strings[:1] and strings[0] is not None:
        return Message(strings[0])
    if name in PLURAL and len(strings) >= 2 and strings[0] is not None and strings[1] is not None:
        return Message(strings[0], plural=strings[1])
    if name in CONTEXT and len(strings) >= 2 and strings[0] is not None and strings[1] is not None:
        return Message(strings[1], context=strings[0])
    if name in CONTEXT_PLURAL and len(strings) >= 3 and None not in strings[:3]:
        return Message(str(strings[1]), plural=str(strings[2]), context=str(strings[0]))
    return None


def python_messages(source: str) -> Iterator[tuple[Message, int]]:
    """The messages a Python module marks for translation, with their line numbers."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for imported in node.names:
                if imported.name in KNOWN:
                    aliases[imported.asname or imported.name] = imported.name
    for node in ast.walk(tree):
        # `L = gettext_lazy`: a short alias made after the import.
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = aliases[node.value.id]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases:
            message = _call_message(aliases[node.func.id], list(node.args))
            if message is not None:
                yield message, node.lineno


def _call_end(code: str, start: int) -> int:
    """The index just past the parenthesis that closes the call opened at `start` (minding quoted strings)."""
    depth, quote, i = 0, "", start
    while i < len(code):
        char = code[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(code)


CALL = re.compile(r"(?<![\w.])(" + "|".join(sorted(KNOWN)) + r")\(")


def template_messages(source: str) -> Iterator[tuple[Message, int]]:
    """The messages a Django template marks for translation, as Django itself builds their ids."""
    code = templatize(source)
    for match in CALL.finditer(code):
        end = _call_end(code, match.end() - 1)
        try:
            call = ast.parse(code[match.start() : end], mode="eval").body
        except SyntaxError:
            continue
        if isinstance(call, ast.Call):
            message = _call_message(match.group(1), list(call.args))
            if message is not None:
                yield message, code.count("\n", 0, match.start()) + 1


def _sources(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "migrations" in path.parts or "locale" in path.parts:
            continue
        if path.suffix == ".py" or (path.suffix in {".html", ".txt"} and "templates" in path.parts):
            yield path


# Pages of allauth (sign-in, password reset, second step) and Django's password rules that Staffroom shows as
# they are. Neither ships Welsh for them (allauth has no cy at all), so their messages are translated here too:
# a project's own catalogue (LOCALE_PATHS) is looked in before any app's.
BORROWED: dict[str, tuple[str, ...]] = {
    "allauth": (
        "account/adapter.py",
        "account/fields.py",
        "account/forms.py",
        "mfa/adapter.py",
        "mfa/base/forms.py",
        "mfa/recovery_codes/forms.py",
        "mfa/totp/forms.py",
        "mfa/webauthn/forms.py",
        "templates/account/base_reauthenticate.html",
        "templates/account/email/base_message.txt",
        "templates/account/email/password_reset_key_message.txt",
        "templates/account/email/password_reset_key_subject.txt",
        "templates/account/email/unknown_account_message.txt",
        "templates/account/email/unknown_account_subject.txt",
        "templates/account/messages/logged_in.txt",
        "templates/account/messages/logged_out.txt",
        "templates/account/messages/password_changed.txt",
        "templates/account/messages/password_set.txt",
        "templates/account/password_reset.html",
        "templates/account/password_reset_done.html",
        "templates/account/password_reset_from_key.html",
        "templates/account/password_reset_from_key_done.html",
        "templates/account/reauthenticate.html",
        "templates/mfa/authenticate.html",
        "templates/mfa/messages/recovery_codes_generated.txt",
        "templates/mfa/messages/totp_activated.txt",
        "templates/mfa/messages/totp_deactivated.txt",
        "templates/mfa/messages/webauthn_added.txt",
        "templates/mfa/messages/webauthn_removed.txt",
        "templates/mfa/reauthenticate.html",
        "templates/mfa/recovery_codes/generate.html",
        "templates/mfa/totp/deactivate_form.html",
        "templates/mfa/webauthn/add_form.html",
        "templates/mfa/webauthn/authenticator_confirm_delete.html",
        "templates/mfa/webauthn/authenticator_list.html",
    ),
    "django": ("contrib/auth/password_validation.py",),
}


def _borrowed() -> Iterable[tuple[Path, str]]:
    import importlib

    for package, files in BORROWED.items():
        folder = Path(importlib.import_module(package).__file__ or "").parent
        for name in files:
            yield folder / name, f"{package}/{name}"


def looked_up() -> Iterator[tuple[str, str]]:
    """Messages a page translates from a table at run time (`{% translate variable %}`, `gettext(value)`): the
    audit log's meanings (kept in English in compliance/audit.py, which docs/audit.md is made from) and the
    built-in retention rules' sources."""
    from staffroom.compliance.audit import MEANINGS
    from staffroom.compliance.retention import DEFAULTS

    for meaning in MEANINGS.values():
        yield meaning, "staffroom/compliance/audit.py"
    for default in DEFAULTS.values():
        yield default.source, "staffroom/compliance/retention.py"


def extract(root: Path = PACKAGE) -> dict[tuple[str, str], Found]:
    """Every message marked for translation under `root` (and in BORROWED), keyed by (context, msgid), in order
    of first use."""
    found: dict[tuple[str, str], Found] = {}
    sources = [(path, str(path.relative_to(root.parent))) for path in _sources(root)]
    if root == PACKAGE:
        sources.extend(_borrowed())
    for path, place in sources:
        text = path.read_text(encoding="utf-8")
        messages = python_messages(text) if path.suffix == ".py" else template_messages(text)
        for message, line in messages:
            entry = found.setdefault(message.key, Found(message))
            entry.places.append(f"{place}:{line}")
    if root == PACKAGE:
        for text, place in looked_up():
            found.setdefault((("", text)), Found(Message(text))).places.append(f"{place}:0")
    return found


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def load(language: str) -> polib.POFile:
    path = po_path(language)
    if path.exists():
        return polib.pofile(str(path), wrapwidth=0)
    catalogue = polib.POFile(wrapwidth=0)
    catalogue.metadata = {
        "Project-Id-Version": "Staffroom",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        # As Django's own Welsh catalogue: one, two, eight or eleven, and the rest.
        "Plural-Forms": "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;",
    }
    return catalogue


def update_catalogue(language: str, found: dict[tuple[str, str], Found] | None = None) -> tuple[int, int]:
    """Bring a language's .po up to date with the sources: add new messages (untranslated), drop unused ones.

    Returns (added, removed)."""
    found = extract() if found is None else found
    catalogue = load(language)
    existing = {(entry.msgctxt or "", entry.msgid): entry for entry in catalogue}
    added = removed = 0
    for key, entry in list(existing.items()):
        if key not in found:
            catalogue.remove(entry)
            removed += 1
    for key, item in found.items():
        entry = existing.get(key)
        if entry is None:
            entry = polib.POEntry(msgid=item.message.msgid, msgstr="")
            if item.message.context:
                entry.msgctxt = item.message.context
            if item.message.plural:
                entry.msgid_plural = item.message.plural
                entry.msgstr_plural = dict.fromkeys(range(_plural_forms(catalogue)), "")
                entry.msgstr = ""
            catalogue.append(entry)
            added += 1
        # Files only, not line numbers: an edit elsewhere in a template then does not change the catalogue.
        entry.occurrences = [(path, "") for path in dict.fromkeys(p.rsplit(":", 1)[0] for p in item.places)]
        if "python-format" not in entry.flags and "%" in item.message.msgid and "(" in item.message.msgid:
            entry.flags.append("python-format")
    po_path(language).parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(po_path(language)))
    return added, removed


def _plural_forms(catalogue: polib.POFile) -> int:
    forms = catalogue.metadata.get("Plural-Forms", "nplurals=2;")
    return int(forms.split("nplurals=")[1].split(";")[0])


def compiled(language: str) -> bytes:
    """The .mo that the language's .po compiles to, built in memory."""
    catalogue = load(language)
    # polib writes a binary file only to a path; go through a temporary one so the result is exact bytes.
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "django.mo"
        catalogue.save_as_mofile(str(target))
        return target.read_bytes()


def compile_catalogue(language: str) -> Path:
    target = po_path(language).with_suffix(".mo")
    target.write_bytes(compiled(language))
    return target


def problems(language: str, found: dict[tuple[str, str], Found] | None = None) -> list[str]:
    """Everything wrong with a language's catalogue: what a check (and its test) refuses."""
    found = extract() if found is None else found
    catalogue = load(language)
    out: list[str] = []
    keys = set()
    for entry in catalogue:
        keys.add((entry.msgctxt or "", entry.msgid))
        if entry.obsolete:
            continue
        translated = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
        if not translated:
            out.append(f"no translation for {entry.msgid!r}")
        if "fuzzy" in entry.flags:
            out.append(f"fuzzy translation for {entry.msgid!r}")
    for key, item in found.items():
        if key not in keys:
            out.append(f"{item.message.msgid!r} ({item.places[0]}) is not in the {language} catalogue")
        if item.message.msgid.endswith("\\") and not item.places[0].split(":")[0].endswith(".py"):
            # `{% translate "a \"b\"" %}`: templatize stops at the first escaped quote, the page looks up the
            # whole message, and so the page stays in English whatever the catalogue says.
            out.append(
                f"{item.message.msgid!r} ({item.places[0]}) is cut short at an escaped quote: "
                "use {% blocktranslate %} for a message with double quotes"
            )
    mo = po_path(language).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compiled(language):
        out.append(f"locale/{language}/LC_MESSAGES/django.mo is out of date: run `staffroom translations compile`")
    return out
