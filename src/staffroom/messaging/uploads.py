"""Checks an uploaded file before it is stored: the type is sniffed from the content, images are re-encoded
without metadata, and anything that is not a picture, a voice note (WebM, Ogg or MP4 audio), PDF, Office
document or plain text is refused.

A picture costs in proportion to its pixels, not its bytes (a 200 KB PNG can declare 49 million of them), so
the pixel count is read from the header and checked before anything is decoded; JPEG photos over the limit are
decoded at a half, quarter or eighth of their size by the JPEG decoder itself; and only a few pictures are
re-encoded at once per process (`ReencodeSlots`), so a burst of them cannot starve every other request.

iPhone photos (HEIC/HEIF) are decoded with pillow-heif and stored as JPEG (their primary picture only), which
every browser shows; like every picture they lose their EXIF, GPS and other metadata on the way.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import threading
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, ImageSequence
from pillow_heif import register_heif_opener

from staffroom.errors import Busy, Invalid, StaffroomError, TooLarge, UnsupportedMedia

JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = "text/plain"
CSV = "text/csv"
# Voice notes, as browsers record them (MediaRecorder): WebM or Ogg with Opus or Vorbis, MP4 (AAC) on Safari.
WEBM_AUDIO = "audio/webm"
OGG_AUDIO = "audio/ogg"
MP4_AUDIO = "audio/mp4"
AUDIO_TYPES = frozenset({WEBM_AUDIO, OGG_AUDIO, MP4_AUDIO})

ALLOWED_TYPES = frozenset({JPEG, PNG, GIF, WEBP, PDF, DOCX, XLSX, PPTX, TEXT, CSV}) | AUDIO_TYPES

MAX_FILENAME_LENGTH = 200

_PILLOW_FORMATS = {"JPEG": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}
# Pillow's JPEG opener reports a JPEG carrying extra pictures (phones' depth and HDR maps) as MPO.
_PILLOW_REPORTED_FORMATS = {**_PILLOW_FORMATS, "MPO": JPEG}
_OUTPUT_FORMATS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
_SAVEABLE_MODES = {
    JPEG: ("L", "RGB"),
    PNG: ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"),
    GIF: ("1", "L", "P", "RGB", "RGBA"),
    WEBP: ("RGB", "RGBA"),
}

# The first extension is the one we give a file whose own extension does not fit its content.
_EXTENSIONS = {
    JPEG: (".jpg", ".jpeg", ".jpe"),
    PNG: (".png",),
    GIF: (".gif",),
    WEBP: (".webp",),
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    TEXT: (".txt", ".text", ".md", ".log", ".tsv"),
    CSV: (".csv",),
    WEBM_AUDIO: (".webm", ".weba"),
    OGG_AUDIO: (".ogg", ".oga", ".opus"),
    MP4_AUDIO: (".m4a", ".mp4"),
}
# What a browser may offer to upload (the file input's `accept`, and the composer's own check before sending):
# the types above by name and by extension, and iPhone photos, which are converted.
_BROWSER_EXTENSIONS = sorted({ext for exts in _EXTENSIONS.values() for ext in exts} | {".heic", ".heif"})
BROWSER_ACCEPT = ",".join([*sorted(ALLOWED_TYPES), "image/heic", "image/heif", *_BROWSER_EXTENSIONS])
_CLAIMED_IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".heic", ".heif"})
# Extensions that name some other file type outright, so they are replaced rather than kept in front of ours.
_REPLACEABLE_EXTENSIONS = (
    frozenset(ext for exts in _EXTENSIONS.values() for ext in exts)
    | _CLAIMED_IMAGE_EXTENSIONS
    | {".avif", ".bmp", ".tif", ".tiff", ".svg", ".htm", ".html", ".xhtml", ".xml", ".js", ".exe", ".bin"}
    | {".doc", ".xls", ".ppt", ".docm", ".xlsm", ".pptm", ".zip"}
)

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
# Browsers may render anything that opens like markup as HTML or SVG, and both can carry scripts.
_MARKUP = re.compile(r"<[!?/a-zA-Z]")

# Teaches Pillow to open HEIF; only _reencoded_image asks for it, and only for content with a HEIF brand.
register_heif_opener()

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


# Seconds a client refused as busy is told to wait before trying again.
BUSY_RETRY_AFTER = 5


class ReencodeSlots:
    """At most `size` pictures decoded and re-encoded at once. Pillow works outside the GIL, so unbounded, a
    burst of large pictures takes every processor core (and their memory) from every other request."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._semaphore = threading.BoundedSemaphore(self.size)

    @contextlib.contextmanager
    def held(self, *, wait_seconds: float) -> Iterator[None]:
        """Hold a slot for the block, waiting at most `wait_seconds` for one; raise Busy if none frees."""
        if not self._semaphore.acquire(timeout=max(0.0, wait_seconds)):
            raise Busy(
                _(
                    "The server is busy processing other pictures. Please try again in a few seconds; "
                    "nothing was saved."
                ),
                field="file",
                retry_after=BUSY_RETRY_AFTER,
            )
        try:
            yield
        finally:
            self._semaphore.release()


_process_slots: ReencodeSlots | None = None
_process_slots_lock = threading.Lock()


def reencode_slots(size: int) -> ReencodeSlots:
    """This process's slots, made with `size` the first time they are asked for (every request shares them)."""
    global _process_slots
    with _process_slots_lock:
        if _process_slots is None:
            _process_slots = ReencodeSlots(size)
        return _process_slots


@dataclass(frozen=True)
class CheckedUpload:
    """What may be stored: for images, the re-encoded bytes rather than what was sent."""

    data: bytes
    content_type: str
    filename: str
    width: int | None
    height: int | None


def inspect_upload(
    data: bytes,
    filename: str,
    declared_type: str = "",
    *,
    max_bytes: int,
    max_pixels: int,
    slots: ReencodeSlots | None = None,
    wait_seconds: float = 0,
) -> CheckedUpload:
    """Return what may be stored for this upload, or raise a domain error saying why it cannot be.

    `max_pixels` is the most pixels decoded for one picture (all frames of an animation together); a JPEG
    with more is decoded and kept at a reduced size, any other picture is refused. With `slots`, a picture
    is re-encoded only in one of them, waiting at most `wait_seconds` for it (then Busy)."""
    if not data:
        raise Invalid("file", _("The file is empty."))
    if len(data) > max_bytes:
        raise TooLarge(
            _("This file is %(size)s, which is over the %(limit)s limit. Please make it smaller and try again.")
            % {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)}
        )
    name = _clean_filename(filename)
    if _has_image_signature(data):
        image, content_type, width, height = _reencoded_image(data, max_pixels, slots, wait_seconds)
        return CheckedUpload(image, content_type, _with_extension(name, content_type), width, height)
    if is_heif(data):
        image, content_type, width, height = _reencoded_image(data, max_pixels, slots, wait_seconds, heif=True)
        return CheckedUpload(image, content_type, _with_extension(name, content_type), width, height)
    audio = audio_type(data)
    if audio is not None:
        # The type is what the content is, whatever the browser said; stored as sent (nothing to strip).
        return CheckedUpload(data, audio, _with_extension(name, audio), None, None)
    if _claims_image(name, declared_type):
        raise UnsupportedMedia(
            _(
                "This file is named or labelled as a picture, but it is not a JPEG, PNG, GIF or WebP image. "
                "Please check you chose the right file."
            )
        )
    content_type = _document_type(data, name)
    return CheckedUpload(data, content_type, _with_extension(name, content_type), None, None)


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    shown = f"{megabytes:.1f}".removesuffix(".0") if megabytes >= 0.1 else f"{megabytes:.2g}"
    return _("%(number)s MB") % {"number": shown}


def _clean_filename(filename: str) -> str:
    """Basename only, without control or invisible formatting characters (which can disguise an extension)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    return " ".join(name.split()).strip(". ")


def _with_extension(name: str, content_type: str) -> str:
    """The name with an extension that matches the content, at most MAX_FILENAME_LENGTH characters."""
    accepted = _EXTENSIONS[content_type]
    stem, dot, ext = name.rpartition(".")
    ext = dot + ext
    if not stem or not dot:
        stem, ext = name, accepted[0]
    elif ext.lower() in _REPLACEABLE_EXTENSIONS:
        if ext.lower() not in accepted:
            ext = accepted[0]
    elif ext.lower() not in accepted:
        # "Mr. Smith" or "notes.v2": the dot is part of the name, so keep it all.
        stem, ext = name, accepted[0]
    stem = stem[: MAX_FILENAME_LENGTH - len(ext)].rstrip(". ") or _("upload")
    return stem + ext


def _has_image_signature(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def is_heif(data: bytes) -> bool:
    """An ISO base media file whose brand is HEIF's (the iPhone's HEIC photos among them)."""
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


_EBML = b"\x1a\x45\xdf\xa3"
_WEBM_DOCTYPE = re.compile(rb"\x42\x82[\x80-\x88]\x00*webm")
_WEBM_CLUSTER = b"\x1f\x43\xb6\x75"  # where the recorded sound starts; the tracks are described before it
# A Matroska CodecID element (0x86, a one-byte size) naming an audio or a video codec.
_WEBM_AUDIO_CODEC = re.compile(rb"\x86[\x81-\xa0]A_(?:OPUS|VORBIS|AAC)")
_WEBM_VIDEO_CODEC = re.compile(rb"\x86[\x81-\xa0]V_")
# An MP4 handler box: size, "hdlr", version and flags, pre_defined, then the track's kind.
_MP4_HANDLER = re.compile(rb"hdlr.{8}(soun|vide)", re.DOTALL)
_MP4_AUDIO_BRANDS = frozenset({b"M4A ", b"mp42", b"mp41", b"isom", b"iso2", b"iso5", b"iso6", b"dash"})


def audio_type(data: bytes) -> str | None:
    """The audio type of a voice note, from its content: WebM or Ogg holding only audio (Opus or Vorbis), or an
    MP4 whose only tracks are sound. Anything with a video track, or only claiming to be audio, is None."""
    if data.startswith(_EBML):
        cluster = data.find(_WEBM_CLUSTER)
        tracks = data[: cluster if cluster > 0 else 64 * 1024]  # not the sound, which could hold any bytes
        if (
            _WEBM_DOCTYPE.search(data[:128])
            and _WEBM_AUDIO_CODEC.search(tracks)
            and not _WEBM_VIDEO_CODEC.search(tracks)
        ):
            return WEBM_AUDIO
        return None
    if data.startswith(b"OggS"):
        first_page = data[:256]
        if (b"OpusHead" in first_page or b"\x01vorbis" in first_page) and b"\x80theora" not in data[: 64 * 1024]:
            return OGG_AUDIO
        return None
    if data[4:8] == b"ftyp" and data[8:12] in _MP4_AUDIO_BRANDS:
        kinds = {match.group(1) for match in _MP4_HANDLER.finditer(data)}
        if kinds == {b"soun"}:
            return MP4_AUDIO
    return None


def _claims_image(name: str, declared_type: str) -> bool:
    ext = name.rpartition(".")[2].lower()
    return declared_type.strip().lower().startswith("image/") or f".{ext}" in _CLAIMED_IMAGE_EXTENSIONS


def _too_many_pixels(limit: int) -> str:
    return _(
        "This picture is too big to process: it may have at most %(limit)s million pixels. "
        "Please resize it and try again."
    ) % {"limit": f"{limit / 1_000_000:.1f}".removesuffix(".0")}


def _pixel_limit(max_pixels: int) -> int:
    """What a picture may declare: our limit, but never more than Pillow's own bomb limit."""
    return min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)


def _reencoded_image(
    data: bytes, max_pixels: int, slots: ReencodeSlots | None, wait_seconds: float, *, heif: bool = False
) -> tuple[bytes, str, int, int]:
    """Decode and save the image afresh, so nothing but the pixels (and any animation timing) survives.
    A HEIF picture is saved as a JPEG."""
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; a warning is still a bomb to us.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Image.open reads the header only: nothing below decodes pixels until the picture has a slot.
            formats = ("HEIF",) if heif else tuple(_PILLOW_FORMATS)
            with Image.open(io.BytesIO(data), formats=formats) as img:
                content_type = JPEG if heif else _PILLOW_REPORTED_FORMATS[img.format or ""]
                _fit_to_budget(img, content_type, max_pixels)
                with slots.held(wait_seconds=wait_seconds) if slots else contextlib.nullcontext():
                    return _reencode(img, content_type)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge(_too_many_pixels(_pixel_limit(max_pixels)), field="file") from exc
        except StaffroomError:
            raise
        except Exception as exc:
            # Pillow's decoders raise a wide, version-dependent set of errors on damaged or hostile input.
            raise UnsupportedMedia(
                _("This picture is damaged or incomplete and cannot be opened. Please try saving it again.")
            ) from exc


def _fit_to_budget(img: Image.Image, content_type: str, max_pixels: int) -> None:
    """Refuse a picture whose declared pixels are over the budget, from its header alone (a tiny file can
    claim a huge canvas). A JPEG is instead set to decode at 1/2, 1/4 or 1/8 scale, which its decoder does
    without ever holding the full-size picture."""
    width, height = img.size
    if img.format in ("JPEG", "MPO") and width * height > max_pixels:
        scale = next((s for s in (2, 4, 8) if math.ceil(width / s) * math.ceil(height / s) <= max_pixels), 8)
        img.draft(img.mode, (width // scale, height // scale))
        width, height = img.size
    if width * height > max_pixels:
        raise TooLarge(_too_many_pixels(_pixel_limit(max_pixels)), field="file")
    frames = _frames(img)
    if frames > 1 and frames * width * height > max_pixels:
        raise TooLarge(
            _("This animation is too long or too big to process. Please shorten it or make it smaller and try again."),
            field="file",
        )


def _reencode(img: Image.Image, content_type: str) -> tuple[bytes, str, int, int]:
    frames = _frames(img)
    out = _animation(img) if frames > 1 else _still(img, content_type)
    buffer = io.BytesIO()
    _save(out, buffer, content_type)
    return buffer.getvalue(), content_type, out[0].width, out[0].height


def _frames(img: Image.Image) -> int:
    # An MPO's extra pictures (depth, HDR) and a HEIF's others (bursts, thumbnails) are not an animation.
    return 1 if img.format in ("MPO", "HEIF") else getattr(img, "n_frames", 1)


def _still(img: Image.Image, content_type: str) -> list[Image.Image]:
    img.load()
    # In place: a copy of a large picture is as big as the picture.
    with contextlib.suppress(Exception):
        # A malformed EXIF block should not cost the teacher their photo; it is discarded below anyway.
        ImageOps.exif_transpose(img, in_place=True)
    picture = _without_palette_transparency(img)
    picture = _in_srgb(picture, img.info.get("icc_profile"))
    if picture.mode not in _SAVEABLE_MODES[content_type]:
        alpha = content_type != JPEG and "A" in picture.getbands()
        picture = picture.convert("RGBA" if alpha else "RGB")
    picture.info = {}
    return [picture]


def _animation(img: Image.Image) -> list[Image.Image]:
    """Every frame, whole, with only its timing kept."""
    frames = []
    for frame in ImageSequence.Iterator(img):
        copy = frame.convert("RGBA")
        copy.info = {"duration": frame.info.get("duration", 0)}
        frames.append(copy)
    if "loop" in img.info:
        frames[0].info["loop"] = img.info["loop"]
    return frames


def _without_palette_transparency(img: Image.Image) -> Image.Image:
    # Transparency lives in img.info, which is about to be emptied, so move it into an alpha channel first.
    if "transparency" in img.info:
        return img.convert("RGBA")
    if img.mode in ("P", "PA") and img.palette is not None and img.palette.mode == "RGBA":
        return img.convert("RGBA")
    return img


def _in_srgb(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Bake any colour profile into the pixels, so dropping it does not wash out (say) an iPhone's colours."""
    if not icc_profile or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGBA" if img.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img
    return converted or img


def _save(frames: list[Image.Image], buffer: io.BytesIO, content_type: str) -> None:
    """Save with only the options named here: no exif=, pnginfo=, icc_profile=, xmp= or comment=."""
    first, rest = frames[0], frames[1:]
    options: dict[str, object] = {}
    if rest:
        options = {
            "save_all": True,
            "append_images": rest,
            "duration": [frame.info["duration"] for frame in frames],
        }
        if "loop" in first.info:
            options["loop"] = first.info["loop"]
        for frame in frames:
            frame.info = {}
    if content_type == JPEG:
        options.update(quality=88, optimize=True)
    elif content_type in (PNG, GIF):
        options.update(optimize=True)
    elif content_type == WEBP:
        options.update(quality=85)
    first.save(buffer, _OUTPUT_FORMATS[content_type], **options)


def _document_type(data: bytes, name: str) -> str:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if name.lower().endswith((".txt", ".csv")):
                raise UnsupportedMedia(
                    _(
                        "Text and CSV files must be saved as UTF-8. In Excel choose "
                        "'CSV UTF-8' when saving; in Notepad choose the UTF-8 encoding."
                    )
                ) from None
        else:
            if _MARKUP.match(text[:1024].lstrip("\ufeff \t\r\n\f\v")):
                raise UnsupportedMedia(
                    _(
                        "Web pages, SVG drawings and XML files cannot be shared here because they can "
                        "contain code. Please send a PDF or a screenshot instead."
                    )
                )
            return CSV if name.lower().endswith(".csv") else TEXT
    raise UnsupportedMedia(
        _(
            "This kind of file cannot be shared here. You can send pictures (JPEG, PNG, GIF or WebP), "
            "PDFs, Word, Excel and PowerPoint files, and plain text or CSV files."
        )
    )


def _office_type(data: bytes) -> str:
    unsupported = UnsupportedMedia(
        _(
            "This zip file is not a Word, Excel or PowerPoint document, so it cannot be shared here. "
            "Please send the files inside it one by one."
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise unsupported from None
    if "[Content_Types].xml" not in names:
        raise unsupported
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnsupportedMedia(
            _(
                "Office files containing macros cannot be shared here. "
                "Please save it as an ordinary .docx, .xlsx or .pptx file and try again."
            )
        )
    for prefix, content_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(name.startswith(prefix) for name in names):
            return content_type
    raise unsupported
