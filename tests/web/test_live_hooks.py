"""What the live script and the browser tests rely on in the server's HTML, and the static files themselves."""

import re
from pathlib import Path

from django.template.loader import get_template

from staffroom.messaging import actions
from staffroom.realtime import streams as realtime
from tests.web.conftest import HTMX

STATIC = Path(__file__).resolve().parents[2] / "src" / "staffroom" / "web" / "static" / "staffroom"


def test_conversation_page_tells_the_live_script_where_it_is(world, as_person):
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="Hi")
    html = as_person(world.teacher2).get(f"/c/{conversation.pk}/").content.decode()
    assert 'data-live="on"' in html
    assert f'data-person-id="{world.teacher2.pk}"' in html
    seq = int(re.search(r'data-seq="(\d+)"', html).group(1))
    # The stream position is read before the page's content, so resuming from it misses nothing.
    assert seq <= realtime.current_seq(world.teacher2.pk)
    assert f'data-conversation-url="/c/{conversation.pk}/"' in html
    assert 'data-live-append="true"' in html
    assert 'data-sidebar-url="/sidebar"' in html


def test_pages_without_a_conversation_list_do_not_open_a_socket(world, as_person):
    html = as_person(world.teacher).get("/profile").content.decode()
    assert "live.js" not in html and 'data-live="on"' not in html


def test_sidebar_fragment_is_the_inside_of_the_folding_panel(world, as_person):
    world.group(world.teacher2)
    html = as_person(world.teacher).get("/sidebar?current=nonsense", **HTMX).content.decode()
    assert html.startswith("<summary")
    assert "Year 9 team" in html


def test_reply_quote_and_search_show_words_not_markdown(world, as_person):
    conversation = world.group(world.teacher2)
    original, _ = actions.send_message(conversation, acting=world.teacher, body="Meet at **8:15** & bring tea")
    actions.send_message(conversation, acting=world.teacher2, body="Fine", reply_to_id=original.pk)
    client = as_person(world.teacher2)
    quote = client.get(f"/c/{conversation.pk}/").content.decode().split('<blockquote class="reply-quote">')[1]
    assert "Meet at 8:15 &amp; bring tea" in quote.split("</blockquote>")[0]
    results = client.get("/search?q=tea").content.decode()
    assert "Meet at 8:15 &amp; bring tea" in results


def test_static_files_have_no_eval(client):
    for name in ["live.js", "page.js"]:
        source = (STATIC / name).read_text()
        assert "eval(" not in source and "new Function" not in source
    assert (STATIC / "app.css").exists()
    assert client.get("/static/staffroom/live.js").status_code == 200


def test_error_pages_render_without_a_request():
    html = get_template("500.html").render({})
    assert "Something went wrong" in html
    assert 'lang="en-GB"' in html


def test_csrf_failure_page_is_friendly(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.teacher)
    conversation = world.group(world.teacher2)
    response = strict.post(f"/c/{conversation.pk}/send", {"body": "Hi"})
    assert response.status_code == 403
    assert "The page you sent that from had expired" in response.content.decode()
