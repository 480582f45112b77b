"""What a signed-in person is sent is never kept in a shared or disk cache; static files are cached long."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from staffroom.accounts import actions as account_actions
from staffroom.messaging.models import Attachment

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.teacher)
    return client


@pytest.fixture
def bearer(world):
    token = account_actions.create_token(world.teacher, acting=world.teacher, label="test")
    return {"Authorization": f"Bearer {token}"}


def test_signed_in_pages_are_private_and_not_stored(signed_in, world):
    conversation = world.group(world.teacher2)
    for path in ("/", f"/c/{conversation.pk}/", "/profile", "/search?q=x"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == PRIVATE, path


def test_htmx_fragments_are_private_and_not_stored(signed_in, world):
    conversation = world.group(world.teacher2)
    response = signed_in.get(f"/c/{conversation.pk}/composer", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_api_json_is_private_and_not_stored_with_a_token_or_a_session(signed_in, bearer):
    assert Client().get("/api/v1/me", headers=bearer)["Cache-Control"] == PRIVATE
    assert signed_in.get("/api/v1/me")["Cache-Control"] == PRIVATE


def test_error_answers_to_a_signed_in_person_are_not_stored_either(signed_in, bearer):
    assert signed_in.get("/c/999999/")["Cache-Control"] == PRIVATE
    assert Client().get("/api/v1/conversations/999999", headers=bearer)["Cache-Control"] == PRIVATE


def test_attachment_files_are_private_and_not_stored(signed_in, world):
    conversation = world.group(world.teacher2)
    signed_in.post(f"/c/{conversation.pk}/send", {"body": "", "client_id": "c1", "file": [png()]})
    attachment = Attachment.objects.get()
    response = signed_in.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_view_cannot_make_a_personal_answer_cacheable(signed_in, monkeypatch):
    from staffroom.web.views import profile

    render = profile.render

    def cacheable(*args, **kwargs):
        response = render(*args, **kwargs)
        response["Cache-Control"] = "public, max-age=3600"
        return response

    monkeypatch.setattr(profile, "render", cacheable)
    assert signed_in.get("/profile")["Cache-Control"] == PRIVATE


def test_static_files_keep_long_caching(signed_in):
    response = signed_in.get("/static/staffroom/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_the_middleware_works_in_both_sync_and_async_stacks(rf, asynchronous):
    from django.http import HttpResponse

    from staffroom.cache_control import private_answers

    def view(request):
        return HttpResponse("hello")

    async def async_view(request):
        return view(request)

    middleware = private_answers(async_view if asynchronous else view)
    signed_in = rf.get("/", HTTP_AUTHORIZATION="Bearer x")
    anonymous = rf.get("/")
    answers = [middleware(signed_in), middleware(anonymous)]
    if asynchronous:
        answers = [await a for a in answers]
    assert answers[0]["Cache-Control"] == PRIVATE
    assert "Cache-Control" not in answers[1]
