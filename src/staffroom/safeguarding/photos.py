"""Faces in photos: the photo guard rail (issue "Safeguarding", DOMAIN.md "Safeguarding").

`count_faces` uses OpenCV's bundled Haar cascade for frontal faces ("alt2") on a greyscale copy at most
DETECT_SIDE pixels on its longer side: about a quarter of a second of CPU for a 12 MP phone photo (real
photographs cost more than plain pictures: bench/faces_eval.py). A Haar
cascade finds frontal, upright faces of a reasonable size; it misses profiles and tiny faces, and now and
then sees a face in a pattern. It is a prompt for a person (the sender confirms consent, the DSL looks), never
a decision on its own.

When a photo with faces is sent (`photo_findings`, `check_photos`), the school's policy decides (detector
"photo_faces", safeguarding/policy.py). By default: in a staff conversation the sender must confirm the school
holds consent for it (409 `confirm_required` until re-sent with `confirmed`); a pupil's photo is held for review
(`hold_photos`: posted, but shown only to its sender, and to the staff who supervise the conversation and the
DSLs, until one of them releases or removes it: safeguarding/actions/photos.py) and flagged to the DSL; a staff
member's photo in a class channel is posted and flagged to the DSL as a concern (category and source "photo").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from staffroom.errors import Blocked, ConfirmRequired

if TYPE_CHECKING:
    from staffroom.accounts.models import Person
    from staffroom.messaging.models import Attachment, Conversation, Message
    from staffroom.safeguarding.models import Concern


log = logging.getLogger(__name__)

# The longer side of the copy the detector looks at: faces smaller than about a twentieth of it are missed.
DETECT_SIDE = 800


@dataclass(frozen=True)
class Detector:
    """Which of OpenCV's bundled cascades, and how it is run. bench/faces_eval.py measures the choices on real
    photographs: the "alt2" frontal-face cascade found faces as often as the "default" one (recall 0.96 on the
    held-out half) with far fewer false alarms on textures such as grass, gravel and coffee (0.02 against 0.40)."""

    cascade: str = "haarcascade_frontalface_alt2.xml"
    scale_factor: float = 1.1
    min_neighbours: int = 5
    # A face is at least this share of the picture's shorter side (smaller "faces" are mostly texture).
    min_face_share: float = 0.05


DETECTOR = Detector()

_local = threading.local()


def _cascade(name: str) -> cv2.CascadeClassifier:
    # CascadeClassifier is not safe to share between threads; one per thread and file, loaded once.
    loaded: dict[str, cv2.CascadeClassifier] = _local.__dict__.setdefault("cascades", {})
    cascade = loaded.get(name)
    if cascade is None:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
        if cascade.empty():
            raise RuntimeError(f"OpenCV's {name} is missing")
        loaded[name] = cascade
    return cascade


def greyscale(image: Image.Image, side: int | None = None) -> np.ndarray:
    """A greyscale copy at most `side` (DETECT_SIDE) pixels on its longer side, never enlarged, as OpenCV's
    array."""
    side = side or DETECT_SIDE
    grey = image.convert("L")
    if max(grey.size) > side:
        grey.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(grey)


def count_faces(image: Image.Image, detector: Detector = DETECTOR) -> int:
    """How many frontal faces OpenCV's Haar cascade finds in the picture."""
    return faces_in_pixels(greyscale(image), detector)


def faces_in_pixels(pixels: np.ndarray, detector: Detector = DETECTOR) -> int:
    """Faces in an already small greyscale copy (`greyscale`)."""
    shorter = min(pixels.shape[:2])
    smallest = max(24, int(shorter * detector.min_face_share))
    faces = _cascade(detector.cascade).detectMultiScale(
        pixels,
        scaleFactor=detector.scale_factor,
        minNeighbors=detector.min_neighbours,
        minSize=(smallest, smallest),
    )
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


@dataclass(frozen=True)
class PhotoCheck:
    """The photos with faces in a send, and what the school's policy does with them."""

    findings: list[dict[str, Any]]
    outcome: str

    def __bool__(self) -> bool:
        return bool(self.findings)

    @property
    def flags(self) -> bool:
        """A photo concern for the DSL (raised, or held for review)."""
        from staffroom.safeguarding.policy import HOLD, RAISE

        return bool(self.findings) and self.outcome in (RAISE, HOLD)

    @property
    def holds(self) -> bool:
        from staffroom.safeguarding.policy import HOLD

        return bool(self.findings) and self.outcome == HOLD

    @property
    def faces(self) -> int:
        return sum(f["faces"] for f in self.findings)


def check_photos(
    conversation: Conversation, attachments: Sequence[Attachment], *, acting: Person, confirmed: bool
) -> PhotoCheck:
    """Before a send: the photos with faces, and the school's policy for them here. Raises Blocked when the
    policy blocks them, ConfirmRequired when it asks the sender to confirm consent and they have not; the
    caller holds (`hold_photos`) or flags (`flag_photos`) them once the message exists."""
    from staffroom.safeguarding import policy, screening

    findings = photo_findings(attachments)
    if not findings:
        return PhotoCheck([], policy.ALLOW)
    rules = screening.school_policy_for(conversation, acting)
    outcome = rules.outcome(policy.PHOTO_FACES, str(conversation.kind), screening.sender_kind(acting))
    if outcome == policy.BLOCK:
        raise Blocked(
            _("Your message was not sent: the school's policy does not allow photos of people in this conversation."),
            findings=findings,
        )
    if outcome == policy.NUDGE and not confirmed:
        raise ConfirmRequired(consent_message(findings), findings=findings)
    return PhotoCheck(findings, outcome)


def hold_photos(attachments: Sequence[Attachment], check: PhotoCheck) -> list[Attachment]:
    """Inside the send's transaction: mark the photos with faces held for review; returns them."""
    from django.utils import timezone

    from staffroom.messaging.models import Attachment

    wanted = {f["attachment_id"] for f in check.findings}
    held = [a for a in attachments if str(a.pk) in wanted]
    now = timezone.now()
    Attachment.objects.filter(pk__in=[a.pk for a in held]).update(held_at=now)
    for attachment in held:
        attachment.held_at = now
    return held


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
