"""Faces in photos: the photo guard rail (issue "Safeguarding", DOMAIN.md "Safeguarding").

`count_faces` uses OpenCV's bundled Haar cascade for frontal faces on a greyscale copy at most
DETECT_SIDE pixels on its longer side, so a 12 MP phone photo costs a few tens of milliseconds. A Haar
cascade finds frontal, upright faces of a reasonable size; it misses profiles and tiny faces, and now and
then sees a face in a pattern. It is a prompt for a person (the sender confirms consent, the DSL looks), never
a decision on its own.

When a photo with faces is sent (`photo_findings`, `check_photos`): in a staff conversation the sender must
confirm the school holds consent for it (409 `confirm_required` until re-sent with `confirmed`); in a class
channel, where pupils are, it is posted and flagged to the DSL as a concern (category and source "photo").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from staffroom.errors import ConfirmRequired

if TYPE_CHECKING:
    from staffroom.accounts.models import Person
    from staffroom.messaging.models import Attachment, Conversation, Message
    from staffroom.safeguarding.models import Concern


log = logging.getLogger(__name__)

# The longer side of the copy the detector looks at: faces smaller than about a twentieth of it are missed.
DETECT_SIDE = 800
_CASCADE_FILE = "haarcascade_frontalface_default.xml"
# A face is at least this share of the picture's shorter side (smaller "faces" are mostly texture).
_MIN_FACE_SHARE = 0.05

_local = threading.local()


def _cascade() -> cv2.CascadeClassifier:
    # CascadeClassifier is not safe to share between threads; one per thread, loaded once.
    cascade = getattr(_local, "cascade", None)
    if cascade is None:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + _CASCADE_FILE)  # type: ignore[attr-defined]
        if cascade.empty():
            raise RuntimeError(f"OpenCV's {_CASCADE_FILE} is missing")
        _local.cascade = cascade
    return cascade


def greyscale(image: Image.Image, side: int | None = None) -> np.ndarray:
    """A greyscale copy at most `side` (DETECT_SIDE) pixels on its longer side, never enlarged, as OpenCV's
    array."""
    side = side or DETECT_SIDE
    grey = image.convert("L")
    if max(grey.size) > side:
        grey.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(grey)


def count_faces(image: Image.Image) -> int:
    """How many frontal faces OpenCV's Haar cascade finds in the picture."""
    pixels = greyscale(image)
    shorter = min(pixels.shape[:2])
    smallest = max(24, int(shorter * _MIN_FACE_SHARE))
    faces = _cascade().detectMultiScale(pixels, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest))
    return len(faces)


def faces_in_upload(data: bytes) -> int | None:
    """Faces in an already checked (re-encoded) picture; None if it could not be looked at. The check never
    costs anyone their upload: a failure is logged and the photo is treated as not checked."""
    import io

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("L", (DETECT_SIDE, DETECT_SIDE))  # a JPEG decodes at 1/2..1/8 scale, far faster
            return count_faces(img)
    except Exception:
        log.exception("face detection failed")
        return None


def is_pupil_conversation(conversation: Conversation, sender: Person) -> bool:
    """Where pupils are: class channels, and anything a pupil sends in."""
    from staffroom.messaging.models import Conversation

    return conversation.kind == Conversation.Kind.CLASS or sender.is_pupil


def check_photos(
    conversation: Conversation, attachments: Sequence[Attachment], *, acting: Person, confirmed: bool
) -> list[dict[str, Any]]:
    """Before a send: the findings for photos with faces, raising ConfirmRequired in a staff conversation
    unless the sender has confirmed the school holds consent. In a pupil conversation nothing is asked; the
    caller flags the message (`flag_photos`) once it exists."""
    findings = photo_findings(attachments)
    if findings and not confirmed and not is_pupil_conversation(conversation, acting):
        raise ConfirmRequired(consent_message(findings), findings=findings)
    return findings


def flag_photos(message: Message, findings: Sequence[dict[str, Any]], *, acting: Person) -> Concern:
    """Inside the send's transaction: raise a photo concern on `message` for the DSL; `concern_raised` is sent
    once it has committed."""
    from staffroom.safeguarding.models import Concern
    from staffroom.safeguarding.signals import concern_raised

    conversation = message.conversation
    concern = Concern.objects.create(
        organisation_id=conversation.organisation_id,
        school_id=conversation.school_id,
        conversation=conversation,
        message=message,
        about=acting,
        category=Concern.Category.PHOTO,
        severity=Concern.Severity.MEDIUM,
        source=Concern.Source.PHOTO,
        findings=list(findings),
    )
    transaction.on_commit(lambda: concern_raised.send(sender=Concern, concern=concern))
    return concern


def photo_findings(attachments: Sequence[Any]) -> list[dict[str, Any]]:
    """One finding per attached photo in which faces were found."""
    return [
        {"kind": "photo_faces", "attachment_id": str(a.pk), "filename": a.filename, "faces": a.faces}
        for a in attachments
        if getattr(a, "faces", None)
    ]


def consent_message(findings: Sequence[dict[str, Any]]) -> str:
    faces = sum(f["faces"] for f in findings)
    return ngettext(
        "A photo you are sending shows %(n)d face. Please confirm the school holds consent to share "
        "photos of the people in it, then send again.",
        "The photos you are sending show %(n)d faces. Please confirm the school holds consent to share "
        "photos of the people in them, then send again.",
        faces,
    ) % {"n": faces}


def consent_confirmation() -> str:
    return _("The school holds consent to share these photos.")
