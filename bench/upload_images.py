"""What pictures cost the server: an ordinary phone photo, a hostile PNG, and bursts of each at once.

Starts its own Staffroom server (embedded) and uploads through the API, as several demo staff:
  1. baseline: `--repeat` phone photos (a `--photo-megapixels` JPEG, 12 MP by default) one after another;
  2. the hostile picture of the security review: a PNG of a few hundred KB declaring `--hostile-side` squared
     RGBA pixels (7000 x 7000 = 49 MP by default), once;
  3. `--burst` (12) copies of it at once, while another client times GET /api/v1/me;
  4. `--burst` phone photos at once, the same way.
Each phase reports its upload times and answers, the median of the other client's requests against the same
client with the server idle, and the server's peak resident memory during the phase (Linux: VmHWM, reset per
phase). Figures are ratios against the baseline of the same run. Results go to
bench/results/upload_images-<date>.json; docs/performance.md ("Image uploads") says how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests import servers  # noqa: E402  (the repository root is not on sys.path when run as a script)

RESULTS_DIR = REPO_ROOT / "bench" / "results"
# Uploads are limited to 30 a minute per person, so the uploads take turns among these demo staff.
UPLOADERS = ["teacher1", "teacher2", "head", "dsl", "ta1", "office1", "dpo", "admin"]
# Room for the bench's own uploads; the allowances are not what is measured here.
ALLOWANCES = {
    "STAFFROOM_UNSENT_UPLOAD_FILES": "1000",
    "STAFFROOM_UNSENT_UPLOAD_BYTES": str(10 * 1024**3),
    "STAFFROOM_DAILY_UPLOAD_BYTES": str(100 * 1024**3),
}


# --- pictures -------------------------------------------------------------------------------------------------


def phone_photo(megapixels: float) -> bytes:
    """A JPEG shaped like a phone's (4:3, quality 90, EXIF with a camera name): smooth light with sensor noise,
    so it compresses like a photograph rather than like a flat colour."""
    width = round((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    size = (width, round(width * 3 / 4))
    light = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 24)
    picture = Image.merge("RGB", (light, noise, light.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def hostile_png(side: int) -> bytes:
    """A real, valid side x side RGBA PNG of one colour: tiny on the wire, `side`² x 4 bytes once decoded."""
    out = io.BytesIO()
    Image.new("RGBA", (side, side), (200, 30, 30, 255)).save(out, "PNG", compress_level=9)
    return out.getvalue()


# --- the server's memory ----------------------------------------------------------------------------------------


def reset_peak_memory(pid: int) -> bool:
    """Start a new peak: writing 5 to clear_refs resets VmHWM (Linux 4.0+)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


# --- clients ------------------------------------------------------------------------------------------------------


@dataclass
class Uploader:
    server: servers.StaffroomServer
    tokens: dict[str, str]
    turn: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _next_token(self) -> str:
        with self.lock:
            self.turn += 1
            return self.tokens[UPLOADERS[self.turn % len(UPLOADERS)]]

    def upload(self, name: str, data: bytes, content_type: str) -> tuple[float, int, str, str]:
        """(seconds, status, error code or "", attachment id or ""), after discarding what was stored."""
        token = self._next_token()
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        response = httpx.post(
            self.server.url("/api/v1/uploads"), files={"file": (name, data, content_type)}, headers=headers, timeout=120
        )
        elapsed = time.perf_counter() - started
        body = response.json()
        code = body.get("error", {}).get("code", "") if response.status_code >= 400 else ""
        stored = body.get("id", "") if response.status_code == 201 else ""
        if stored:  # keep the bench's own files from counting against anything
            httpx.delete(self.server.url(f"/api/v1/uploads/{stored}"), headers=headers, timeout=30)
        return elapsed, response.status_code, code, stored


def probe(server: servers.StaffroomServer, token: str, stop: threading.Event, times: list[float]) -> None:
    """Another person using the site meanwhile: GET /api/v1/me back to back until `stop`."""
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/api/v1/me")
            times.append(time.perf_counter() - started)


def idle_probe(server: servers.StaffroomServer, token: str, count: int) -> list[float]:
    times: list[float] = []
    stop = threading.Event()
    worker = threading.Thread(target=probe, args=(server, token, stop, times))
    worker.start()
    while len(times) < count and worker.is_alive():
        time.sleep(0.01)
    stop.set()
    worker.join()
    return times


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def phase(
    name: str, uploader: Uploader, server: servers.StaffroomServer, probe_token: str, jobs: list[tuple[str, bytes, str]]
) -> dict[str, Any]:
    """Run `jobs` at once (one job: one after the other) while the probe runs; report times, answers, memory."""
    pid = server.process.pid if server.process else 0
    resettable = reset_peak_memory(pid)
    probe_times: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=probe, args=(server, probe_token, stop, probe_times))
    prober.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: uploader.upload(*job), jobs))
    wall = time.perf_counter() - started
    stop.set()
    prober.join()
    times = [r[0] for r in results]
    return {
        "name": name,
        "uploads": len(jobs),
        "wall_ms": ms(wall),
        "upload_median_ms": ms(statistics.median(times)),
        "upload_max_ms": ms(max(times)),
        "answers": dict(Counter(f"{status} {code}".strip() for _t, status, code, _id in results)),
        "other_requests": len(probe_times),
        "other_requests_median_ms": ms(statistics.median(probe_times)) if probe_times else None,
        "server_peak_rss_mb": peak_memory_mb(pid) if resettable else None,
    }


def sequential(name: str, uploader: Uploader, server: servers.StaffroomServer, token: str, job, repeat: int):
    runs = [phase(name, uploader, server, token, [job]) for _ in range(repeat)]
    merged = runs[0] | {
        "uploads": repeat,
        "upload_median_ms": statistics.median(r["upload_median_ms"] for r in runs),
        "upload_max_ms": max(r["upload_max_ms"] for r in runs),
        "wall_ms": round(sum(r["wall_ms"] for r in runs), 1),
        "answers": dict(sum((Counter(r["answers"]) for r in runs), Counter())),
        "other_requests": sum(r["other_requests"] for r in runs),
        "server_peak_rss_mb": max((r["server_peak_rss_mb"] or 0) for r in runs) or None,
    }
    medians = [r["other_requests_median_ms"] for r in runs if r["other_requests_median_ms"] is not None]
    merged["other_requests_median_ms"] = statistics.median(medians) if medians else None
    return merged


# --- the run ------------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def measure(server: servers.StaffroomServer, args: argparse.Namespace) -> dict[str, Any]:
    tokens = server.tokens([*UPLOADERS, "governor1"])
    uploader = Uploader(server, tokens)
    probe_token = tokens["governor1"]
    photo = ("photo.jpg", phone_photo(args.photo_megapixels), "image/jpeg")
    hostile = ("wallpaper.png", hostile_png(args.hostile_side), "image/png")

    uploader.upload(*photo)  # warm-up: first requests import Pillow's plugins and fill caches
    idle = idle_probe(server, probe_token, args.probe_samples)
    baseline = sequential("phone photo, one at a time (baseline)", uploader, server, probe_token, photo, args.repeat)
    one_hostile = phase("hostile PNG, once", uploader, server, probe_token, [hostile])
    hostile_burst = phase(f"hostile PNG, {args.burst} at once", uploader, server, probe_token, [hostile] * args.burst)
    photo_burst = phase(f"phone photo, {args.burst} at once", uploader, server, probe_token, [photo] * args.burst)

    idle_median = ms(statistics.median(idle))
    phases = [baseline, one_hostile, hostile_burst, photo_burst]
    for p in phases:
        p["upload_median_vs_baseline"] = ratio(p["upload_median_ms"], baseline["upload_median_ms"])
        p["upload_max_vs_baseline"] = ratio(p["upload_max_ms"], baseline["upload_median_ms"])
        if p["other_requests_median_ms"] is not None:
            p["other_requests_vs_idle"] = ratio(p["other_requests_median_ms"], idle_median)
    return {
        "benchmark": "upload_images",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "embedded (sqlite)",
        "parameters": {
            "photo_megapixels": args.photo_megapixels,
            "photo_bytes": len(photo[1]),
            "hostile_side": args.hostile_side,
            "hostile_bytes": len(hostile[1]),
            "burst": args.burst,
            "repeat": args.repeat,
        },
        "machine": machine(),
        "idle_other_requests_median_ms": idle_median,
        "phases": phases,
    }


def print_report(result: dict[str, Any]) -> None:
    p, m = result["parameters"], result["machine"]
    print(f"\nupload_images  {result['mode']}  nproc {m['nproc']}, load average {m['loadavg']}")
    print(
        f"pictures       phone photo {p['photo_megapixels']} MP JPEG, {p['photo_bytes'] / 1024**2:.1f} MB; "
        f"hostile {p['hostile_side']}x{p['hostile_side']} RGBA PNG, {p['hostile_bytes'] / 1024:.0f} KB"
    )
    print(f"other requests GET /api/v1/me, idle median {result['idle_other_requests_median_ms']} ms")
    header = f"{'':38} {'median':>8} {'x base':>7} {'max':>8} {'x base':>7} {'others':>8} {'x idle':>7} {'peak RSS':>9}"
    print(header + "   answers")
    for ph in result["phases"]:
        rss = f"{ph['server_peak_rss_mb']} MB" if ph["server_peak_rss_mb"] else "n/a"
        others = ph["other_requests_median_ms"] if ph["other_requests_median_ms"] is not None else float("nan")
        others_ratio = ph.get("other_requests_vs_idle", float("nan"))
        print(
            f"{ph['name']:38} {ph['upload_median_ms']:8.1f} {ph['upload_median_vs_baseline']:7.2f} "
            f"{ph['upload_max_ms']:8.1f} {ph['upload_max_vs_baseline']:7.2f} "
            f"{others:8.1f} {others_ratio:7.2f} "
            f"{rss:>9}   {ph['answers']}"
        )
    print("(ms; 'x base': over the baseline's median upload; 'others': GET /api/v1/me meanwhile; 'x idle': over idle)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photo-megapixels", type=float, default=12, help="the ordinary photo (default 12)")
    parser.add_argument("--hostile-side", type=int, default=7000, help="the hostile PNG's width and height")
    parser.add_argument("--burst", type=int, default=12, help="uploads sent at once (default 12)")
    parser.add_argument("--repeat", type=int, default=5, help="baseline uploads, one after another (default 5)")
    parser.add_argument("--probe-samples", type=int, default=100, help="idle GET /api/v1/me to time")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default bench/results/...)")
    args = parser.parse_args()
    if args.burst > 2 * len(UPLOADERS):
        parser.error(f"--burst above {2 * len(UPLOADERS)} would hit the per-person upload rate limit")

    with contextlib.ExitStack() as stack:
        print("Starting a Staffroom server (migrate, seed the demo organisation, serve)...", file=sys.stderr)
        server = stack.enter_context(servers.staffroom_server(None, name="bench-uploads", extra_env=ALLOWANCES))
        result = measure(server, args)

    print_report(result)
    output = args.output or RESULTS_DIR / f"upload_images-{dt.date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO_ROOT) if output.is_relative_to(REPO_ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
