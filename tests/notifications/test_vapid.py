"""The VAPID key made on first use in the data directory: every thread or process that asks at once gets the
same whole key (one of them writes it; none reads it half-written)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from staffroom.notifications import vapid


def test_threads_asking_at_once_all_read_the_same_whole_key(tmp_path):
    start = Barrier(8)

    def ask(_):
        start.wait()
        return vapid._stored_key(tmp_path)

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(ask, range(8)))
    assert len(keys) == 1
    (key,) = keys
    assert len(key) == 43  # 32 bytes, base64url without padding
    assert sorted(p.name for p in tmp_path.iterdir()) == [vapid.KEY_FILE]  # no drafts left behind
    assert (tmp_path / vapid.KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_a_key_already_there_is_kept(tmp_path):
    (tmp_path / vapid.KEY_FILE).write_text("kept\n")
    assert vapid._stored_key(tmp_path) == "kept"
