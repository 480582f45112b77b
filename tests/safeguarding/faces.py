"""A drawn face OpenCV's frontal-face Haar cascade recognises (no photo of a real person is needed, or kept)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter

BACKGROUND = (60, 70, 90)


def drawn_face(size: int = 400) -> Image.Image:
    """A square picture of a cartoon face: hair, brows, dark eyes, a lighter nose ridge and a mouth, softened
    like a photo. The cascade's features are those light and dark bands, so this is enough for it."""
    img = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(img)
    s = size / 100
    draw.ellipse([20 * s, 10 * s, 80 * s, 95 * s], fill=(225, 190, 165))  # face
    draw.ellipse([18 * s, 2 * s, 82 * s, 35 * s], fill=(50, 35, 25))  # hair
    draw.rectangle([30 * s, 38 * s, 45 * s, 41 * s], fill=(70, 50, 40))  # brows
    draw.rectangle([55 * s, 38 * s, 70 * s, 41 * s], fill=(70, 50, 40))
    draw.ellipse([31 * s, 44 * s, 44 * s, 52 * s], fill=(40, 30, 30))  # eyes
    draw.ellipse([56 * s, 44 * s, 69 * s, 52 * s], fill=(40, 30, 30))
    draw.polygon([(50 * s, 50 * s), (45 * s, 68 * s), (55 * s, 68 * s)], fill=(205, 165, 140))  # nose
    draw.ellipse([38 * s, 74 * s, 62 * s, 82 * s], fill=(150, 70, 70))  # mouth
    return img.filter(ImageFilter.GaussianBlur(s * 1.5))


def group_photo(faces: int, *, size: tuple[int, int] = (1600, 600), face: int = 400) -> Image.Image:
    img = Image.new("RGB", size, BACKGROUND)
    step = size[0] // max(1, faces)
    for i in range(faces):
        img.paste(drawn_face(face), (i * step + (step - face) // 2, (size[1] - face) // 2))
    return img


def encoded(img: Image.Image, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()


def photo_from(person, name: str = "me.png"):
    """A small plain picture uploaded by `person` (with `every_picture_has_a_face`, one the check finds a face in)."""
    from staffroom.messaging import actions as messaging

    data = encoded(Image.new("RGB", (64, 48), (90, 80, 70)), "PNG")
    return messaging.store_upload(acting=person, data=data, filename=name, declared_type="image/png")
