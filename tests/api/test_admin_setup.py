"""The rest of the admin console in the API: schools and classes, SCIM tokens and the sign-in link, through
the same actions as the console, refused to everyone the console refuses."""

import pytest
from django.core import mail

from staffroom.accounts.models import School, SchoolClass, ScimToken
from tests.api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db


def test_schools_and_classes(world):
    api = ApiClient(world.admin)
    listed = api.get("/admin/schools").json()["items"]
    assert {s["name"] for s in listed} == {"High School", "Primary School"}
    made = api.post("/admin/schools", {"name": "Oak Sixth Form"})
    assert made.status_code == 201
    school_id = made.json()["id"]
    added = api.post("/admin/classes", {"school_id": school_id, "name": "12A Biology", "year_group": "Year 12"})
    assert added.status_code == 201 and added.json()["pupil_count"] == 0
    renamed = api.patch(f"/admin/classes/{added.json()['id']}", {"name": "12A Biology (A level)"})
    assert renamed.json()["name"] == "12A Biology (A level)" and renamed.json()["year_group"] == "Year 12"
    assert api.patch(f"/admin/schools/{school_id}", {"name": "Oak Sixth"}).json()["name"] == "Oak Sixth"
    assert error_of(api.post("/admin/schools", {"name": "Oak Sixth"}))["field"] == "name"  # taken


def test_a_headteacher_keeps_their_own_school_s_classes_only(world):
    api = ApiClient(world.head)
    assert [s["name"] for s in api.get("/admin/schools").json()["items"]] == ["High School"]
    assert api.post("/admin/schools", {"name": "Mine"}).status_code == 403
    refused = api.post("/admin/classes", {"school_id": world.other_school.pk, "name": "1A"})
    assert refused.status_code in (403, 404) and not SchoolClass.objects.filter(name="1A").exists()
    assert not School.objects.filter(name="Mine").exists()


@pytest.mark.parametrize("who", ["teacher", "dpo", "pupil", "external"])
def test_others_are_refused(world, who):
    api = ApiClient(getattr(world, who))
    assert api.get("/admin/schools").status_code == 403
    assert api.get("/admin/scim-tokens").status_code == 403
    assert api.post("/admin/scim-tokens", {"label": "x"}).status_code == 403
    assert api.post(f"/admin/people/{world.teacher2.pk}/sign-in-link").status_code in (403, 404)
    assert not ScimToken.objects.exists() and not mail.outbox


def test_scim_tokens_are_shown_once_and_revoked(world):
    api = ApiClient(world.admin)
    issued = api.post("/admin/scim-tokens", {"label": "Entra ID"})
    assert issued.status_code == 201 and issued.json()["token"]
    listed = api.get("/admin/scim-tokens").json()["items"]
    assert [t["token"] for t in listed] == [None]
    assert api.delete(f"/admin/scim-tokens/{listed[0]['id']}").status_code == 204
    assert api.get("/admin/scim-tokens").json()["items"][0]["revoked_at"]


def test_the_sign_in_link_goes_to_the_school_address(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after commit
        response = ApiClient(world.head).post(f"/admin/people/{world.teacher2.pk}/sign-in-link")
    assert response.status_code == 200 and response.json() == {"sent": True}
    assert [m.to for m in mail.outbox] == [[world.teacher2.email]]


def test_sign_in_settings_in_the_api(world):
    api = ApiClient(world.admin)
    state = api.get("/admin/sign-in").json()
    assert state["providers"] == [] and state["second_factor"] in ("leaders", "adults", "nobody")
    set_up = api.put(
        "/admin/sign-in/providers/google",
        {"client_id": "abc.apps.googleusercontent.com", "client_secret": "s3cret", "allowed_domain": "school.example"},
    )
    assert set_up.status_code == 200, set_up.json()
    (google,) = set_up.json()["providers"]
    assert google["has_secret"] and "s3cret" not in str(set_up.json())
    assert error_of(api.put("/admin/sign-in/providers/myspace", {"client_id": "x"}))["field"] == "kind"
    assert api.put("/admin/sign-in/policy", {"second_factor": "adults"}).json()["second_factor"] == "adults"
    assert error_of(api.put("/admin/sign-in/policy", {"second_factor": "everyone!"}))["code"] == "invalid"
    assert ApiClient(world.head).get("/admin/sign-in").status_code == 403


def test_resetting_a_lost_second_step_needs_a_reason(world):
    from tests import factories

    factories.authenticator_app(world.teacher)
    api = ApiClient(world.admin)
    assert api.post(f"/admin/people/{world.teacher.pk}/reset-second-factor", {"reason": ""}).status_code == 422
    reset = api.post(f"/admin/people/{world.teacher.pk}/reset-second-factor", {"reason": "Phone lost"})
    assert reset.status_code == 200 and reset.json()["ended"] >= 1
    assert (
        ApiClient(world.head).post(f"/admin/people/{world.teacher.pk}/reset-second-factor", {"reason": "x"}).status_code
        == 403
    )


def _zip_of(folder) -> bytes:
    import io
    import zipfile
    from pathlib import Path

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(Path(folder).iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def test_a_roster_zip_through_the_api_dry_run_then_applied(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.rosters.conftest import SAMPLES

    data = _zip_of(SAMPLES / "moodle-full")
    api = ApiClient(world.admin)

    def post(**query):
        upload = SimpleUploadedFile("roster.zip", data, content_type="application/zip")
        url = "/api/v1/admin/roster" + ("?dry_run=true" if query.get("dry_run") else "")
        return api.client.post(url, {"file": upload}, headers=api.headers)

    dry = post(dry_run=True)
    assert dry.status_code == 200, dry.content
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 5 and dry.json()["errors"] == []
    applied = post()
    assert applied.json()["created"] == 5
    assert post().json()["created"] == 0  # a second run changes nothing
    bad = api.client.post(
        "/api/v1/admin/roster", {"file": SimpleUploadedFile("x.zip", b"not a zip")}, headers=api.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "file"
    head = ApiClient(world.head)
    refused = head.client.post(
        "/api/v1/admin/roster", {"file": SimpleUploadedFile("r.zip", data)}, headers=head.headers
    )
    assert refused.status_code == 403
