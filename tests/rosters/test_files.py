"""Reading a roster from a folder or a ZIP, without trusting the ZIP."""

import io
import zipfile

import pytest

from staffroom.rosters import files
from tests.rosters.conftest import roster, sample, write, zipped


def read(data: bytes):
    return files.read_zip(io.BytesIO(data), name="roster.zip")


def refused(data: bytes) -> str:
    with pytest.raises(files.Unreadable) as raised:
        read(data)
    return raised.value.problem.message


def test_a_zip_of_the_files_or_of_their_folder_reads_the_same():
    written = roster()
    assert read(zipped(written)) == written
    assert read(zipped(written, folder="Export 2025-09-01/")) == written


def test_only_the_roster_files_are_read_whatever_else_the_zip_holds():
    written = {**roster(), "demographics.csv": b"userSourcedId,birthDate\r\nx,2012-01-01\r\n", "notes.txt": b"hello"}
    assert set(read(zipped(written))) == set(roster())


def test_a_sample_folder_reads_its_roster_files_only():
    found = files.read_path(sample("oat-sa-base"))
    assert set(found) == {
        "manifest.csv",
        "orgs.csv",
        "users.csv",
        "classes.csv",
        "enrollments.csv",
        "academicSessions.csv",
    }


def test_a_zip_and_a_folder_are_read_from_a_path(tmp_path):
    written = roster()
    (tmp_path / "roster.zip").write_bytes(zipped(written))
    assert files.read_path(tmp_path / "roster.zip") == written
    assert files.read_path(write(tmp_path / "roster", written)) == written


def test_something_that_is_not_a_zip_is_refused(tmp_path):
    assert "not a ZIP file" in refused(b"sourcedId,name\r\n")
    (tmp_path / "users.csv").write_text("sourcedId\r\n")
    with pytest.raises(files.Unreadable):
        files.read_path(tmp_path / "users.csv")
    with pytest.raises(files.Unreadable):
        files.read_path(tmp_path / "nothing-here")


@pytest.mark.parametrize("name", ["../users.csv", "/etc/users.csv", "export/../../users.csv", "C:/users.csv"])
def test_a_path_leaving_the_zip_s_folder_refuses_the_whole_zip(name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.csv", "propertyName,value\r\n")
        archive.writestr(name, "sourcedId\r\n")
    assert "leaves its folder" in refused(buffer.getvalue())


def test_two_rosters_in_one_zip_are_refused():
    data = roster()
    both = zipped({**{f"a/{k}": v for k, v in data.items()}, **{f"b/{k}": v for k, v in data.items()}})
    assert "more than one" in refused(both)


def test_files_in_different_folders_are_refused():
    data = roster()
    split = zipped({("a/" if name == "users.csv" else "b/") + name: body for name, body in data.items()})
    assert "different folders" in refused(split)


def test_a_zip_with_very_many_files_is_refused():
    assert "more than" in refused(zipped({f"f{n}.txt": b"" for n in range(files.MAX_ZIP_ENTRIES + 1)}))


def test_a_zip_bomb_stops_at_the_limit_whatever_the_zip_claims(monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 64 * 1024)
    bomb = zipped({**roster(), "users.csv": b"0" * (files.MAX_FILE_BYTES * 50)})
    assert len(bomb) < files.MAX_FILE_BYTES  # it packs small
    assert "Too large" in refused(bomb)


def test_all_the_files_together_are_limited_too(monkeypatch):
    monkeypatch.setattr(files, "MAX_TOTAL_BYTES", 2000)
    assert "Too large" in refused(zipped({**roster(), "users.csv": b"x" * 1500, "orgs.csv": b"y" * 1500}))


def test_a_damaged_zip_is_refused():
    data = bytearray(zipped(roster()))
    data[60:400] = bytes(340)
    with pytest.raises(files.Unreadable):
        read(bytes(data))
