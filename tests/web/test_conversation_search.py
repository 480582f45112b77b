"""Search within a conversation: the header's "Search here" searches that conversation only, and the results
jump to each message; nobody searches a conversation they cannot see."""

from staffroom.messaging import actions
from tests.web.conftest import assert_no_inline_code


def test_the_header_offers_a_search_of_this_conversation_only(world, as_person):
    group = world.group(world.teacher2, title="Trips")
    html = as_person(world.teacher).get(f"/c/{group.pk}/").content.decode()
    assert 'id="conversation-search-toggle"' in html
    assert f'<input type="hidden" name="in" value="{group.pk}">' in html
    assert '<label for="conversation-search-q">Search this conversation</label>' in html
    assert_no_inline_code(html)


def test_results_come_from_this_conversation_only_and_link_to_the_message(world, as_person):
    trips = world.group(world.teacher2, title="Trips")
    other = world.group(world.teacher2, title="Reports")
    here, _ = actions.send_message(trips, acting=world.teacher, body="minibus booked for the museum")
    actions.send_message(other, acting=world.teacher, body="minibus needed for the report run")
    response = as_person(world.teacher2).get("/search", {"q": "minibus", "in": trips.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search in Trips" in html and "1 result" in html
    assert f"/c/{trips.pk}/?before={here.pk + 1}#message-{here.pk}" in html
    assert "report run" not in html
    assert f'<input type="hidden" name="in" value="{trips.pk}">' in html  # searching again stays here


def test_a_conversation_one_cannot_see_cannot_be_searched(world, as_person):
    group = world.group(world.teacher2, title="Trips")
    actions.send_message(group, acting=world.teacher, body="minibus booked")
    for person in (world.office, world.pupil, world.outsider):
        assert as_person(person).get("/search", {"q": "minibus", "in": group.pk}).status_code == 404
    assert as_person(world.teacher).get("/search", {"q": "minibus", "in": "x"}).status_code == 404
