"""Pages in Welsh: the person's own choice beats the browser's, <html lang> says which, and a Welsh page shows
none of its own words in English."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from staffroom import translations
from staffroom.accounts.models import Preferences
from staffroom.messaging import actions
from staffroom.web.console import sections

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def choose(person, language):
    Preferences.objects.update_or_create(person=person, defaults={"language": language})


def lang_of(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, "no <html lang>"
    return found.group(1)


def test_signed_out_sign_in_page_follows_the_browser(client):
    welsh = client.get("/accounts/login/", **WELSH).content.decode()
    assert lang_of(welsh) == "cy"
    assert "Mewngofnodi i Staffroom" in welsh and "Sign in to Staffroom" not in welsh
    english = client.get("/accounts/login/", **ENGLISH).content.decode()
    assert lang_of(english) == "en-GB"
    assert "Sign in to Staffroom" in english


def test_without_accept_language_pages_are_in_british_english(client):
    assert lang_of(client.get("/accounts/login/").content.decode()) == "en-GB"


def test_an_unoffered_browser_language_falls_back_to_british_english(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert lang_of(html) == "en-GB"


def test_the_offline_page_says_its_language_without_a_session(client):
    # The service worker fetches it to keep: no session, so the browser's language decides.
    welsh = client.get("/offline", **WELSH).content.decode()
    assert lang_of(welsh) == "cy"
    assert "Rydych chi all-lein" in welsh and "You are offline" not in welsh
    english = client.get("/offline", **ENGLISH).content.decode()
    assert lang_of(english) == "en-GB"
    assert "You are offline" in english


def test_the_offline_page_follows_the_person_s_choice(world, as_person):
    choose(world.teacher, "cy")
    html = as_person(world.teacher).get("/offline", **ENGLISH).content.decode()
    assert lang_of(html) == "cy"


def test_the_person_s_choice_beats_the_browser(world, as_person):
    choose(world.teacher, "cy")
    html = as_person(world.teacher).get("/profile", **ENGLISH).content.decode()
    assert lang_of(html) == "cy"
    assert "Eich proffil" in html

    choose(world.teacher, "en")
    html = as_person(world.teacher).get("/profile", **WELSH).content.decode()
    assert lang_of(html) == "en-GB"
    assert "Your profile" in html


def test_without_a_choice_a_signed_in_person_gets_the_browser_s_language(world, as_person):
    Preferences.objects.filter(person=world.teacher).delete()
    html = as_person(world.teacher).get("/profile", **WELSH).content.decode()
    assert lang_of(html) == "cy"


def test_choosing_welsh_on_the_profile_page_turns_the_pages_welsh(world, as_person):
    client = as_person(world.teacher)
    page = client.get("/profile").content.decode()
    assert '<option value="cy">Welsh (Cymraeg)</option>' in page
    form = {"language": "cy", "notify": "all"}
    response = client.post("/profile/preferences", form)
    assert response.status_code in (200, 302)
    assert Preferences.objects.get(person=world.teacher).language == "cy"
    html = client.get("/profile").content.decode()
    assert lang_of(html) == "cy"
    assert '<option value="cy" selected>Cymraeg</option>' in html


def test_dates_on_a_welsh_page_are_in_welsh(world, as_person):
    world.external.access_ends_on = date(2099, 3, 15)
    world.external.save(update_fields=["access_ends_on"])
    choose(world.external, "cy")
    html = as_person(world.external).get("/profile").content.decode()
    assert "15 Mawrth 2099" in html and "March" not in html


def test_api_errors_keep_their_shape_for_someone_who_chose_welsh(world, as_person):
    """The message is in the person's language; the shape and the code, which programs read, are not."""
    choose(world.teacher, "cy")
    response = as_person(world.teacher).get("/api/v1/conversations/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"] == "Heb ei ganfod, neu does gennych chi ddim mynediad ato."


# --- No English left on a Welsh page ----------------------------------------------------------------------


class _Text(HTMLParser):
    """The text a person meets: text nodes and the attributes read aloud or shown (not scripts, not styles)."""

    SHOWN = {"aria-label", "placeholder", "title", "alt"}

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._skip += 1
        for name, value in attrs:
            # data-* attributes carry words for scripts to show; data-filter-text is people's names to search by.
            words_for_scripts = name.startswith("data-") and name != "data-filter-text" and " " in (value or "")
            if (name in self.SHOWN or words_for_scripts) and value:
                self.pieces.append(value.strip())

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def _english_left(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    shown = set(parser.pieces)
    text = " ".join(parser.pieces)
    left = []
    for entry in translations.load("cy"):
        english = entry.msgid
        welsh = entry.msgstr or next(iter(entry.msgstr_plural.values()), "")
        if english == welsh or english.lower() == welsh.lower():
            continue
        static = [part.strip(" ,.:;()") for part in re.split(r"%\(\w+\)[sdr]|\{\w+\}|<[^>]+>", english)]
        if len(static) == 1:
            # A whole message: found as a whole piece of text (words alone would match people's own text).
            if english.strip() in shown:
                left.append(english)
        else:
            # A message with values in it: its longer fixed parts are found inside the page's text.
            left.extend(english for part in static if len(part) >= 20 and " ".join(part.split()) in text)
    return sorted(set(left))


def _pages(world):
    conversation = world.group(world.teacher, world.ta, title="Cynllunio")
    message = actions.send_message(conversation, acting=world.teacher, body="Agenda dydd Llun")[0]
    channel = world.class_channel()
    pupil_message = actions.send_message(channel, acting=world.pupil, body="Gwaith cartref")[0]

    pages = [
        (world.teacher, "/"),
        (world.teacher, "/profile"),
        (world.teacher, "/search?q=Agenda"),
        (world.teacher, "/policies/"),
        (world.teacher, "/externals/new"),
        (world.teacher, "/accounts/email/"),
        (world.teacher, "/accounts/sessions/"),
        (world.teacher, "/accounts/2fa/"),
        (world.teacher, "/accounts/password/change/"),
        (world.teacher, "/accounts/logout/"),
        (world.teacher, f"/c/{conversation.pk}/review"),
        (world.teacher, f"/c/{conversation.pk}/m/{message.pk}/edit"),
        (world.teacher, "/this-page-does-not-exist"),
        (world.teacher, "/new"),
        (world.teacher, f"/c/{conversation.pk}/"),
        (world.teacher, f"/c/{conversation.pk}/members/"),
        (world.teacher, f"/c/{conversation.pk}/pins/"),
        (world.teacher, f"/c/{channel.pk}/"),
        (world.teacher, f"/c/{channel.pk}/posting-rules"),
        (world.pupil, f"/c/{channel.pk}/"),
        (world.pupil, "/admin/"),
        (world.dsl, "/safeguarding/"),
        (world.dsl, f"/c/{channel.pk}/m/{pupil_message.pk}/history"),
        (world.admin, "/admin/people/new"),
        (world.admin, f"/admin/people/{world.teacher.pk}/"),
        (world.admin, f"/admin/groups/{conversation.pk}/"),
        (world.dpo, "/compliance/investigations/"),
    ]
    for person in (world.admin, world.dpo, world.dsl, world.head):
        pages.extend((person, section.url) for section in sections(person))
    return pages


def test_welsh_pages_show_none_of_their_own_words_in_english(world, as_person):
    """Every page of the console, the conversations, the account pages and the error pages, for the role that
    sees it."""
    problems = {}
    for person, url in _pages(world):
        choose(person, "cy")
        response = as_person(person).get(url)
        if response.status_code in (301, 302):
            continue
        html = response.content.decode()
        assert lang_of(html) == "cy", url
        left = _english_left(html)
        if left:
            problems[url] = left
    assert problems == {}


def _pieces(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return set(parser.pieces)


def test_welsh_and_english_pages_share_only_names_and_data(world, as_person):
    """A piece of text that reads the same in both languages is people's own data (names, titles, messages),
    or a message that was never marked for translation: this finds the second kind."""
    data = {p.name for p in [world.admin, world.head, world.dpo, world.dsl, world.teacher, world.ta, world.office]} | {
        world.governor.name,
        world.pupil.name,
        world.external.name,
        world.org.name,
        world.school.name,
    }
    data |= {"Agenda dydd Llun", "Gwaith cartref"}  # the messages _pages sends
    unmarked = {}
    for person, url in _pages(world):
        client = as_person(person)
        choose(person, "en")
        english = client.get(url)
        choose(person, "cy")
        welsh = client.get(url)
        if welsh.status_code in (301, 302):
            continue
        same = _pieces(english.content.decode()) & _pieces(welsh.content.decode())
        suspicious = sorted(
            piece
            for piece in same
            if re.search(r"[a-z]{3,} [a-z]{3,}", piece) and not any(name in piece for name in data)
        )
        if suspicious:
            unmarked[url] = suspicious
    assert unmarked == {}, "\n".join(f"{url}: {pieces}" for url, pieces in unmarked.items())


def test_the_profile_offers_the_page_s_language_to_someone_who_never_chose(world, as_person):
    Preferences.objects.filter(person=world.teacher).delete()
    html = as_person(world.teacher).get("/profile", **WELSH).content.decode()
    assert '<option value="cy" selected>Cymraeg</option>' in html
    assert "Dydd Llun" in html and "Monday" not in html  # the working days, and the school's hours
