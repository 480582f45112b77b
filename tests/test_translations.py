"""The Welsh catalogue is complete and compiled, and the extractor finds messages the way Django looks them up."""

from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

from staffroom import translations


def test_the_welsh_catalogue_is_complete_and_its_mo_is_up_to_date():
    """Every message in the code has a Welsh translation that is neither empty nor fuzzy, and the committed .mo
    is exactly what the .po compiles to. To fix: `staffroom translations update`, write the Welsh in the .po,
    `staffroom translations compile` (docs/translation.md)."""
    assert translations.problems("cy") == []


def test_the_catalogue_keeps_nothing_no_longer_used():
    found = translations.extract()
    unused = [e.msgid for e in translations.load("cy") if (e.msgctxt or "", e.msgid) not in found]
    assert unused == [], "run `staffroom translations update` to drop them"


def _catalogue(tmp_path: Path, entries: list[polib.POEntry]) -> Path:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    for entry in entries:
        po.append(entry)
    path = tmp_path / "xx" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po.save(str(path))
    return path


def test_the_check_refuses_empty_fuzzy_missing_and_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(translations, "LOCALE", tmp_path)
    path = _catalogue(
        tmp_path,
        [
            polib.POEntry(msgid="Done", msgstr="Wedi gorffen"),
            polib.POEntry(msgid="Empty", msgstr=""),
            polib.POEntry(msgid="Guessed", msgstr="Dyfalu", flags=["fuzzy"]),
            polib.POEntry(msgid="%(n)s day", msgid_plural="%(n)s days", msgstr_plural={0: "%(n)s diwrnod", 1: ""}),
        ],
    )
    found = {
        ("", msgid): translations.Found(translations.Message(msgid), ["x.html:1"])
        for msgid in ["Done", "Empty", "Guessed", "New"]
    }
    problems = translations.problems("xx", found)
    assert "no translation for 'Empty'" in problems
    assert "fuzzy translation for 'Guessed'" in problems
    assert "no translation for '%(n)s day'" in problems
    assert any("'New'" in p and "not in the xx catalogue" in p for p in problems)
    assert any("out of date" in p for p in problems)  # no .mo yet

    translations.compile_catalogue("xx")
    assert not any("out of date" in p for p in translations.problems("xx", found))
    # A translation changed in the .po but not compiled: the .mo is stale again.
    po = polib.pofile(str(path))
    po.find("Done").msgstr = "Gorffen"
    po.save(str(path))
    assert any("out of date" in p for p in translations.problems("xx", found))


def test_the_check_refuses_a_template_message_cut_short_by_an_escaped_quote(tmp_path, monkeypatch):
    source = '{% load i18n %}{% translate "For example \\"INSET day\\"." %}'
    ((message, _line),) = translations.template_messages(source)
    assert message.msgid == "For example \\"  # what makemessages would find too
    monkeypatch.setattr(translations, "LOCALE", tmp_path)
    _catalogue(tmp_path, [polib.POEntry(msgid=message.msgid, msgstr="Er enghraifft \\")])
    translations.compile_catalogue("xx")
    problems = translations.problems("xx", {("", message.msgid): translations.Found(message, ["x.html:1"])})
    assert len(problems) == 1 and "cut short at an escaped quote" in problems[0]


def test_templates_give_the_message_ids_django_looks_up():
    source = (
        '{% load i18n %}{% translate "Sign in" %} {% translate "May" context "month" %}'
        "{% blocktranslate with name=user.name %}Hello {{ name }}, 100% done{% endblocktranslate %}"
        "{% blocktranslate count n=items|length %}{{ n }} item{% plural %}{{ n }} items{% endblocktranslate %}"
        "{% blocktranslate trimmed %}\n  One\n  line\n{% endblocktranslate %}"
    )
    found = [message for message, _line in translations.template_messages(source)]
    assert found == [
        translations.Message("Sign in"),
        translations.Message("May", context="month"),
        translations.Message("Hello %(name)s, 100%% done"),
        translations.Message("%(n)s item", plural="%(n)s items"),
        translations.Message("One line"),
    ]


def test_python_gives_messages_through_any_alias():
    source = (
        "from django.utils.translation import gettext as _, gettext_lazy, ngettext, pgettext\n"
        "L = gettext_lazy\n"
        "a = _('One')\nb = L('Two')\nc = ngettext('%(n)d day', '%(n)d days', 3)\nd = pgettext('ctx', 'Three')\n"
        "e = _(variable)\nf = other('Not this')\n"
    )
    found = [message for message, _line in translations.python_messages(source)]
    assert found == [
        translations.Message("One"),
        translations.Message("Two"),
        translations.Message("%(n)d day", plural="%(n)d days"),
        translations.Message("Three", context="ctx"),
    ]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 diwrnod ar ôl"), (2, "2 ddiwrnod ar ôl"), (5, "5 diwrnod ar ôl"), (8, "8 diwrnod ar ôl")],
)
def test_welsh_plurals_follow_welsh_rules(count, expected):
    with translation.override("cy"):
        text = translation.ngettext("%(n)d day left", "%(n)d days left", count) % {"n": count}
    assert text == expected


def test_dates_are_written_in_welsh():
    from datetime import date

    template = Template('{{ day|date:"l j F Y" }}')
    with translation.override("cy"):
        assert template.render(Context({"day": date(2027, 3, 15)})) == "Dydd Llun 15 Mawrth 2027"
    with translation.override("en-gb"):
        assert template.render(Context({"day": date(2027, 3, 15)})) == "Monday 15 March 2027"
