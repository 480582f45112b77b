"""inspect_upload: type sniffing, metadata stripping, and refusal of everything else."""

import io
import random
import struct
import threading
import time
import warnings
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageFile, ImageSequence
from PIL.PngImagePlugin import PngInfo

from staffroom.errors import Busy, Invalid, StaffroomError, TooLarge, UnsupportedMedia
from staffroom.messaging.uploads import (
    ALLOWED_TYPES,
    DOCX,
    PPTX,
    XLSX,
    CheckedUpload,
    ReencodeSlots,
    inspect_upload,
)

MB = 1024 * 1024
LIMITS = {"max_bytes": 5 * MB, "max_pixels": 4_000_000}


def check(data: bytes, filename: str = "file", declared_type: str = "", **limits) -> CheckedUpload:
    return inspect_upload(data, filename, declared_type, **{**LIMITS, **limits})


def encoded(img: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    # Noise does not compress, so a truncated file really is missing pixel data.
    bands = len(mode)
    return Image.frombytes(mode, size, random.Random(0).randbytes(size[0] * size[1] * bands))


def two_tone(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue, so a rotation is visible in the pixels."""
    img = Image.new("RGB", size, (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return img


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose header claims width x height, like a decompression bomb's."""
    data = bytearray(encoded(Image.new("1", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def office_zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


# -- images ---------------------------------------------------------------------------------------


def test_jpeg_loses_gps_and_all_exif_but_keeps_its_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    exif[0x010F] = "SecretPhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    source = encoded(two_tone((20, 10)), "JPEG", exif=exif, comment=b"secret comment")
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # the fixture really carries GPS

    result = check(source, "IMG_0001.JPG", "image/jpeg")

    assert result.content_type == "image/jpeg"
    assert (result.width, result.height) == (10, 20)
    out = Image.open(io.BytesIO(result.data))
    assert out.format == "JPEG"
    assert out.size == (10, 20)
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(0x8825)
    assert b"Exif" not in result.data
    assert b"SecretPhoneMaker" not in result.data
    assert b"secret comment" not in result.data
    assert "comment" not in out.info
    # The red left half of the original is now the top.
    top, bottom = out.convert("RGB").getpixel((5, 2)), out.convert("RGB").getpixel((5, 17))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_jpeg_loses_xmp_and_colour_profile():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encoded(
        Image.new("RGB", (8, 8), "green"), "JPEG", icc_profile=icc, xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>"
    )
    result = check(source, "photo.jpg")
    out = Image.open(io.BytesIO(result.data))
    assert b"secret-xmp" not in result.data
    assert "icc_profile" not in out.info
    assert "xmp" not in out.info


def test_png_loses_text_chunks():
    info = PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_text("Software", "secret-ztxt", zip=True)
    info.add_itxt("Author", "secret-itxt")
    source = encoded(Image.new("RGB", (8, 8), "white"), "PNG", pnginfo=info)

    result = check(source, "scan.png")

    assert result.content_type == "image/png"
    out = Image.open(io.BytesIO(result.data))
    assert out.text == {}
    for forbidden in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"secret"):
        assert forbidden not in result.data


def test_png_transparency_survives():
    img = Image.new("P", (4, 4), 1)
    img.putpalette([0, 0, 0, 255, 0, 0])
    source = encoded(img, "PNG", transparency=1)
    out = Image.open(io.BytesIO(check(source, "clear.png").data)).convert("RGBA")
    assert out.getpixel((0, 0))[3] == 0


def test_an_image_gets_the_extension_of_what_it_really_is():
    source = encoded(Image.new("RGB", (8, 8)), "JPEG")
    assert check(source, "photo.png", "image/png").filename == "photo.jpg"
    assert check(source, "photo").filename == "photo.jpg"
    assert check(source, "Photo.JPEG").filename == "Photo.JPEG"


def test_animated_gif_keeps_its_frames_but_not_its_comment():
    frames = [Image.new("P", (6, 6), colour) for colour in (1, 2, 3)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    source = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret")

    result = check(source, "wave.gif")

    assert result.content_type == "image/gif"
    out = Image.open(io.BytesIO(result.data))
    assert sum(1 for _ in ImageSequence.Iterator(out)) == 3
    assert b"secret" not in result.data


def test_too_long_an_animation_is_too_large():
    frames = [Image.new("L", (100, 100), shade) for shade in range(0, 250, 10)]
    source = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(TooLarge):
        check(source, "long.gif", max_pixels=100 * 100 * 10)


def test_webp_is_reencoded_without_exif():
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    source = encoded(Image.new("RGBA", (8, 8), (0, 128, 0, 128)), "WEBP", exif=exif)
    result = check(source, "sticker.webp")
    assert result.content_type == "image/webp"
    assert b"SecretPhoneMaker" not in result.data
    assert Image.open(io.BytesIO(result.data)).mode == "RGBA"


def test_multi_picture_jpeg_is_kept_as_a_plain_jpeg():
    source = encoded(Image.new("RGB", (8, 8), "red"), "MPO", save_all=True, append_images=[Image.new("RGB", (8, 8))])
    result = check(source, "camera.jpg")
    out = Image.open(io.BytesIO(result.data))
    assert (result.content_type, out.format) == ("image/jpeg", "JPEG")


# -- refusals -------------------------------------------------------------------------------------


def test_empty_file_is_invalid():
    with pytest.raises(Invalid) as caught:
        check(b"", "notes.txt")
    assert caught.value.field == "file"


def test_too_large_says_the_limit_in_mb():
    with pytest.raises(TooLarge) as caught:
        check(b"a" * (MB + 1), "notes.txt", max_bytes=MB)
    assert "1 MB" in caught.value.message


@pytest.mark.parametrize(
    ("width", "height", "max_pixels"),
    [
        (5_000, 5_000, 1_000_000),  # over our limit, under Pillow's
        (10_000, 10_000, 10**9),  # under our limit, but Pillow warns of a bomb
        (30_000, 30_000, 10**9),  # Pillow refuses outright
    ],
)
def test_decompression_bomb_is_too_large_without_being_decoded(width, height, max_pixels):
    # The file holds a single pixel: decoding it would fail as truncated, not as too large.
    filters = list(warnings.filters)
    with pytest.raises(TooLarge):
        check(png_claiming(width, height), "bomb.png", max_pixels=max_pixels)
    assert warnings.filters == filters


def test_pdf_pretending_to_be_a_photo_is_refused():
    with pytest.raises(UnsupportedMedia):
        check(b"%PDF-1.7\n%...", "photo.jpg", "image/jpeg")


def test_random_bytes_named_as_a_png_are_refused():
    with pytest.raises(UnsupportedMedia):
        check(random.Random(1).randbytes(512), "photo.png")


def test_text_labelled_as_an_image_is_refused():
    with pytest.raises(UnsupportedMedia):
        check(b"just some words", "notes.txt", "image/png")


def test_truncated_jpeg_is_refused():
    source = encoded(noise((64, 64)), "JPEG")
    with pytest.raises(UnsupportedMedia):
        check(source[: len(source) // 2], "photo.jpg")


def heic(img: Image.Image, **options) -> bytes:
    """A real HEIC file, as an iPhone writes them (pillow-heif's encoder)."""
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(img).save(buffer, format="HEIF", quality=90, **options)
    return buffer.getvalue()


def test_iphone_heic_is_converted_to_jpeg_without_gps_or_exif():
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    source = heic(two_tone((40, 20)), exif=exif.tobytes())
    assert source[4:12] == b"ftypheic"
    assert b"SecretPhoneMaker" in source  # the fixture really carries the metadata

    result = check(source, "IMG_0001.HEIC", "image/heic")

    assert result.content_type == "image/jpeg"
    assert result.filename == "IMG_0001.jpg"
    assert (result.width, result.height) == (40, 20)
    out = Image.open(io.BytesIO(result.data))
    assert out.format == "JPEG"
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(0x8825)
    assert b"Exif" not in result.data
    assert b"SecretPhoneMaker" not in result.data
    left, right = out.convert("RGB").getpixel((5, 10)), out.convert("RGB").getpixel((35, 10))
    assert left[0] > 200 and left[2] < 60
    assert right[2] > 200 and right[0] < 60


def test_heic_over_the_pixel_budget_is_refused_before_decoding():
    with pytest.raises(TooLarge):
        check(heic(Image.new("RGB", (400, 300))), "IMG_0002.HEIC", max_pixels=100_000)


def test_damaged_heic_is_refused_plainly():
    source = struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 4 + b"mif1heic" + b"\x00" * 64
    with pytest.raises(UnsupportedMedia) as caught:
        check(source, "IMG_0001.HEIC", "image/heic")
    assert "damaged" in caught.value.message


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"  \n<html><body onload=alert(1)>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\xef\xbb\xbf<?xml version='1.0'?><svg/>",
    ],
)
@pytest.mark.parametrize("filename", ["notes.txt", "drawing.svg", "page.html"])
def test_markup_is_refused(content, filename):
    with pytest.raises(UnsupportedMedia):
        check(content, filename)


def test_executable_is_refused():
    with pytest.raises(UnsupportedMedia):
        check(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100), "setup.exe")


def test_zip_of_other_things_is_refused():
    with pytest.raises(UnsupportedMedia):
        check(office_zip("a.txt", "b.txt"), "lesson.docx")


def test_office_file_with_macros_is_refused():
    with pytest.raises(UnsupportedMedia):
        check(office_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "plan.docx")


def test_text_that_is_not_utf8_is_refused_with_advice():
    with pytest.raises(UnsupportedMedia) as caught:
        check("Name,Fee\nAlex,£5\n".encode("cp1252"), "trip.csv")
    assert "UTF-8" in caught.value.message


# -- documents ------------------------------------------------------------------------------------


def test_pdf_is_kept_as_it_is():
    source = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
    result = check(source, "minutes.pdf", "application/octet-stream")
    assert result == CheckedUpload(source, "application/pdf", "minutes.pdf", None, None)


@pytest.mark.parametrize(
    ("part", "content_type", "filename"),
    [
        ("word/document.xml", DOCX, "Report.docx"),
        ("xl/workbook.xml", XLSX, "Report.xlsx"),
        ("ppt/presentation.xml", PPTX, "Report.pptx"),
    ],
)
def test_office_documents_are_sniffed_from_their_parts(part, content_type, filename):
    source = office_zip("[Content_Types].xml", "_rels/.rels", part)
    result = check(source, "Report.zip", "application/zip")
    assert (result.content_type, result.filename, result.data) == (content_type, filename, source)


def test_utf8_text_is_plain_text():
    source = "Café rota ✓\nMonday: Ms Ng\n".encode()
    result = check(source, "rota.txt", "text/html")
    assert (result.content_type, result.data) == ("text/plain", source)


def test_csv_is_recognised_by_its_name():
    assert check(b"name,form\nAlex,7B\n", "marks.csv").content_type == "text/csv"


# -- filenames ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\head\\Desktop\\notes.txt", "notes.txt"),
        ("no\x00tes\x1b.txt", "notes.txt"),
        ("report\u202etxt.exe", "reporttxt.txt"),  # a right-to-left override would disguise the extension
        ("", "upload.txt"),
        ("..", "upload.txt"),
        ("Mr. Smith", "Mr. Smith.txt"),
        ("script.js", "script.txt"),
        ("build.sh", "build.sh.txt"),
        ("  spaced   out .txt ", "spaced out.txt"),
    ],
)
def test_filename_is_made_safe(given_name, expected):
    assert check(b"hello", given_name).filename == expected


def test_long_filename_is_cut_keeping_the_extension():
    name = check(b"hello", "a" * 300 + ".txt").filename
    assert len(name) == 200
    assert name.endswith("a.txt")


# -- anything at all ------------------------------------------------------------------------------


def samples() -> list[bytes]:
    return [
        encoded(noise((16, 16)), "JPEG"),
        encoded(noise((16, 16), "RGBA"), "PNG"),
        encoded(noise((16, 16)).convert("P"), "GIF", save_all=True, append_images=[noise((16, 16))]),
        encoded(noise((16, 16)), "WEBP"),
        office_zip("[Content_Types].xml", "word/document.xml"),
        b"%PDF-1.4\n%%EOF",
    ]


def damaged(sample: bytes, cuts: list[tuple[int, int]], keep: int) -> bytes:
    data = bytearray(sample[: max(1, keep)])
    for position, value in cuts:
        data[position % len(data)] = value
    return bytes(data)


any_upload = st.one_of(
    st.binary(max_size=512),
    st.builds(
        bytes.__add__,
        st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"PK\x03\x04"]),
        st.binary(max_size=512),
    ),
    st.builds(
        damaged,
        st.sampled_from(samples()),
        st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
        st.integers(1, 10_000),
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    data=any_upload,
    filename=st.one_of(st.sampled_from(["photo.jpg", "notes.txt", "a.docx", "x.csv"]), st.text(max_size=40)),
    declared_type=st.sampled_from(["", "image/png", "application/pdf", "text/plain"]),
    max_bytes=st.sampled_from([100, 5 * MB]),
)
def test_anything_is_either_accepted_safely_or_refused_with_a_domain_error(data, filename, declared_type, max_bytes):
    try:
        result = inspect_upload(data, filename, declared_type, max_bytes=max_bytes, max_pixels=1_000_000)
    except StaffroomError as exc:
        assert exc.message
        return
    assert result.content_type in ALLOWED_TYPES
    assert result.filename and len(result.filename) <= 200
    assert "/" not in result.filename and "\\" not in result.filename


# -- the cost of pictures ---------------------------------------------------------------------------------


def test_default_limit_refuses_a_hostile_7000_by_7000_png_before_decoding_it(monkeypatch):
    """The security review's picture: 200 KB, but 49 megapixels of RGBA took 4 s and ~200 MB per copy to decode."""
    from django.conf import settings as django_settings

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(TooLarge) as caught:
        check(png_claiming(7000, 7000), "wallpaper.png", max_pixels=django_settings.STAFFROOM_MAX_IMAGE_PIXELS)
    assert "million pixels" in caught.value.message
    assert "resize" in caught.value.message


def test_a_phone_photo_of_twelve_megapixels_is_within_the_default_limit():
    from django.conf import settings as django_settings

    assert 4000 * 3000 <= django_settings.STAFFROOM_MAX_IMAGE_PIXELS < 7000 * 7000


def test_a_jpeg_over_the_limit_is_decoded_and_kept_at_a_reduced_size_instead_of_refused():
    source = encoded(two_tone((1600, 1200)), "JPEG", quality=90)  # 1.92 megapixels
    result = check(source, "big-photo.jpg", max_pixels=200_000)
    # Decoded at a quarter of the size by the JPEG decoder itself (draft), not decoded whole and then shrunk.
    assert (result.width, result.height) == (400, 300)
    out = Image.open(io.BytesIO(result.data))
    assert out.size == (400, 300)
    left, right = out.convert("RGB").getpixel((50, 150)), out.convert("RGB").getpixel((350, 150))
    assert left[0] > 200 and right[2] > 200


def test_a_jpeg_is_decoded_at_the_largest_scale_that_fits():
    source = encoded(two_tone((1600, 1200)), "JPEG")
    assert (check(source, "photo.jpg", max_pixels=1_000_000).width) == 800  # half: 0.48 MP fits, whole does not
    assert (check(source, "photo.jpg", max_pixels=2_000_000).width) == 1600  # whole fits


def test_a_jpeg_keeps_its_orientation_when_decoded_at_a_reduced_size():
    exif = Image.Exif()
    exif[0x0112] = 6
    source = encoded(two_tone((1600, 800)), "JPEG", exif=exif)
    result = check(source, "sideways.jpg", max_pixels=400_000)
    assert (result.width, result.height) == (400, 800)


def test_a_png_over_the_limit_is_still_refused_however_it_is_compressed():
    with pytest.raises(TooLarge):
        check(encoded(Image.new("RGBA", (1200, 1000)), "PNG"), "flat.png", max_pixels=1_000_000)


def test_only_so_many_pictures_are_reencoded_at_once_and_the_next_is_told_to_retry():
    slots = ReencodeSlots(1)
    source = encoded(noise((32, 32)), "PNG")
    with slots.held(wait_seconds=0):  # another request is re-encoding a picture
        started = time.monotonic()
        with pytest.raises(Busy) as caught:
            check(source, "photo.png", slots=slots, wait_seconds=0.2)
        assert 0.2 <= time.monotonic() - started < 2
    assert caught.value.status == 503
    assert caught.value.retry_after and caught.value.retry_after > 0
    assert caught.value.field == "file"
    assert "try again" in caught.value.message
    assert check(source, "photo.png", slots=slots, wait_seconds=0).content_type == "image/png"


def test_a_waiting_picture_goes_ahead_as_soon_as_a_slot_frees():
    slots = ReencodeSlots(1)
    source = encoded(noise((32, 32)), "PNG")
    results = []
    with slots.held(wait_seconds=0):
        worker = threading.Thread(target=lambda: results.append(check(source, "p.png", slots=slots, wait_seconds=5)))
        worker.start()
        time.sleep(0.1)
        assert not results
    worker.join(5)
    assert results and results[0].content_type == "image/png"


def test_refusals_and_documents_need_no_slot():
    slots = ReencodeSlots(1)
    with slots.held(wait_seconds=0):
        with pytest.raises(TooLarge):
            check(png_claiming(9000, 9000), "bomb.png", slots=slots, wait_seconds=0)
        assert check(b"minutes", "minutes.txt", slots=slots, wait_seconds=0).content_type == "text/plain"
