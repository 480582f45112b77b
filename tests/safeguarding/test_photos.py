"""Faces in photos (safeguarding/photos.py): OpenCV's Haar cascade on a small greyscale copy."""

from __future__ import annotations

import pytest
from PIL import Image

from staffroom.safeguarding import photos
from tests.safeguarding.faces import drawn_face, encoded, group_photo


@pytest.mark.parametrize("size", [200, 400, 800])
def test_a_face_is_found_at_any_size(size):
    assert photos.count_faces(drawn_face(size)) == 1


def test_each_face_in_a_group_is_counted():
    assert photos.count_faces(group_photo(3)) == 3


@pytest.mark.parametrize("colour", ["white", "black", (60, 70, 90)])
def test_a_picture_without_people_has_no_faces(colour):
    assert photos.count_faces(Image.new("RGB", (800, 600), colour)) == 0


def test_a_phone_sized_photo_is_looked_at_on_a_small_copy():
    photo = Image.new("RGB", (4032, 3024), (60, 70, 90))
    photo.paste(drawn_face(1500), (1200, 700))
    assert max(photos.greyscale(photo).shape) == photos.DETECT_SIDE
    assert photos.faces_in_upload(encoded(photo)) == 1


def test_a_picture_that_cannot_be_read_is_not_checked_rather_than_refused():
    assert photos.faces_in_upload(b"not a picture") is None


def test_findings_name_only_the_photos_with_faces():
    class Upload:
        def __init__(self, pk, faces):
            self.pk, self.filename, self.faces = pk, f"{pk}.jpg", faces

    findings = photos.photo_findings([Upload("a", 2), Upload("b", 0), Upload("c", None)])
    assert findings == [{"kind": "photo_faces", "attachment_id": "a", "filename": "a.jpg", "faces": 2}]
    assert "consent" in photos.consent_message(findings)
