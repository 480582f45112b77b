"""The console's schools and classes: IT admins add and rename schools and classes; a headteacher keeps their
own school's classes only; everyone else finds no page."""

import pytest

from staffroom.accounts.models import School, SchoolClass
from staffroom.compliance.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_it_admin_sees_every_school_and_adds_and_renames(world, client):
    client.force_login(world.admin)
    page = client.get("/admin/schools/").content.decode()
    assert "High School" in page and "Primary School" in page and "9X Science" in page and "Add a school" in page
    client.post("/admin/schools/school-add", {"name": "Oak Sixth Form"})
    sixth = School.objects.get(name="Oak Sixth Form")
    client.post("/admin/schools/class-add", {"school_id": sixth.pk, "name": "12A Biology", "year_group": "Year 12"})
    made = SchoolClass.objects.get(name="12A Biology")
    client.post(
        "/admin/schools/class-rename", {"class_id": made.pk, "name": "12A Biology (A level)", "year_group": "Year 12"}
    )
    made.refresh_from_db()
    assert made.name == "12A Biology (A level)" and made.school == sixth
    assert AuditEntry.objects.filter(action__in=["school.added", "class.added", "class.updated"]).count() == 3


def test_a_headteacher_keeps_only_their_school_s_classes(world, client):
    client.force_login(world.head)
    page = client.get("/admin/schools/").content.decode()
    assert "High School" in page and "Primary School" not in page and "Add a school" not in page
    assert client.post("/admin/schools/school-add", {"name": "Mine"}).status_code == 403
    response = client.post("/admin/schools/class-add", {"school_id": world.other_school.pk, "name": "1A"})
    assert response.status_code in (403, 404)
    assert not SchoolClass.objects.filter(name="1A").exists()
    follow = client.post("/admin/schools/class-add", {"school_id": world.school.pk, "name": ""}, follow=True)
    assert follow.status_code == 200 and not SchoolClass.objects.filter(name="").exists()


@pytest.mark.parametrize("who", ["teacher", "dpo", "dsl", "pupil", "external"])
def test_nobody_else_finds_the_page(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get("/admin/schools/").status_code == 404
    assert client.post("/admin/schools/school-add", {"name": "X"}).status_code == 404
