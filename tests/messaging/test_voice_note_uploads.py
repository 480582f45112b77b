"""Voice notes: WebM, Ogg and MP4 audio are recognised from their content, not from what the browser claims,
and anything with a video track, or only named or labelled as audio, is not taken for one."""

import struct

import pytest

from staffroom.errors import UnsupportedMedia
from staffroom.messaging.uploads import MP4_AUDIO, OGG_AUDIO, WEBM_AUDIO, audio_type, inspect_upload

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 1_000_000}
SOUND = bytes(range(256)) * 8  # stands in for the encoded sound


def webm(codec: bytes = b"A_OPUS", doctype: bytes = b"webm") -> bytes:
    """What Chromium's MediaRecorder writes first: the EBML header, a track entry naming its codec, a cluster."""
    header = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82" + bytes([0x80 | len(doctype)])
    header += doctype + b"\x42\x87\x81\x04\x42\x85\x81\x02"
    ebml = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header
    track = b"\xae\x90\xd7\x81\x01\x83\x81\x02\x86" + bytes([0x80 | len(codec)]) + codec
    return (
        ebml + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff\x16\x54\xae\x6b" + track + b"\x1f\x43\xb6\x75" + SOUND
    )


def ogg(head: bytes = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00") -> bytes:
    page = b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 8 + b"\x01" + bytes([len(head)])
    return page + head + SOUND


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(*handlers: bytes, brand: bytes = b"iso5") -> bytes:
    traks = b"".join(box(b"trak", box(b"mdia", box(b"hdlr", b"\x00" * 8 + h + b"\x00" * 13))) for h in handlers)
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41") + box(b"moov", traks) + box(b"mdat", SOUND)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(webm(), WEBM_AUDIO), (webm(b"A_VORBIS"), WEBM_AUDIO), (ogg(), OGG_AUDIO), (ogg(b"\x01vorbis\x00"), OGG_AUDIO),
     (mp4(b"soun"), MP4_AUDIO), (mp4(b"soun", brand=b"M4A "), MP4_AUDIO)],
)  # fmt: skip
def test_recorded_audio_is_recognised_from_its_content_whatever_it_is_called(data, expected):
    assert audio_type(data) == expected
    checked = inspect_upload(data, "recording.bin", "application/octet-stream", **LIMITS)
    assert checked.content_type == expected
    assert checked.data == data  # kept as recorded
    assert checked.filename.rsplit(".", 1)[1] in {"webm", "ogg", "m4a"}
    assert (checked.width, checked.height) == (None, None)


@pytest.mark.parametrize(
    "data",
    [webm(b"V_VP8"), webm(doctype=b"matroska"), ogg(b"\x80theora\x03\x02"), mp4(b"vide", b"soun"), mp4(b"vide"),
     mp4(b"soun", brand=b"qt  "), b"\x1a\x45\xdf\xa3" + SOUND, b"OggS" + SOUND],
)  # fmt: skip
def test_video_and_lookalikes_are_not_voice_notes(data):
    assert audio_type(data) is None


@pytest.mark.parametrize("name", ["note.webm", "note.ogg", "note.m4a"])
def test_a_file_only_named_or_labelled_as_audio_is_not_stored_as_audio(name):
    with pytest.raises(UnsupportedMedia):
        inspect_upload(b"\x00\x01\x02 not audio at all \xff\xfe" * 20, name, "audio/webm", **LIMITS)
    text = inspect_upload(b"plain words", name, "audio/webm", **LIMITS)
    assert text.content_type == "text/plain"


def test_sound_that_happens_to_hold_a_video_codec_id_is_still_audio():
    data = webm() + b"\x86\x85V_VP8" * 3  # inside the recorded sound, after the tracks: not a track
    assert audio_type(data) == WEBM_AUDIO
