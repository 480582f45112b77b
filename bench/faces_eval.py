"""How well the photo check finds faces (safeguarding/photos.py), on real photographs.

The photographs are scikit-image's own sample data (a dev dependency; nothing is downloaded):
  faces      astronaut.png (one face), camera.png (a man with a camera), and the first 100 crops of
             lfw_subset.npy (25 x 25 grey faces from Labeled Faces in the Wild), each enlarged and pasted at a
             random place, size and background into a 1600 x 1200 picture, as a face appears in a phone photo;
  non-faces  the other 100 crops of lfw_subset.npy pasted the same way, the bare backgrounds, and the sample
             photos without people (chelsea the cat, coffee, brick, grass, gravel, rocket, horse, moon, coins,
             clock, page, text, hubble, retina, motorcycle, chessboard, logo...).
Each picture goes through `photos.greyscale` (the check's own 800-pixel copy) and `photos.faces_in_pixels`.

Reports recall (face pictures with at least one face found), false alarms (non-face pictures with any face
found) and the milliseconds per picture of the whole check (`photos.faces_in_upload`: JPEG decode at reduced
size, greyscale copy, detection) on phone-sized JPEGs (4032 x 3024, 12 MP).

`--tune` also tries other cascades and parameters on the even-numbered pictures (the tuning half) and reports
every setting on the odd-numbered ones (the held-out half), so a choice is never judged on what chose it.
Results go to bench/results/faces-eval-<date>.json.

    uv run python bench/faces_eval.py [--tune]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from staffroom.safeguarding import photos  # noqa: E402  (src is not on sys.path when run as a script)

RESULTS_DIR = REPO_ROOT / "bench" / "results"
CANVAS = (1600, 1200)
BACKGROUNDS = ("coffee.png", "brick.png", "grass.png", "gravel.png", "chelsea.png", "rocket.jpg")
NON_FACE_PHOTOS = (
    "chelsea.png", "coffee.png", "brick.png", "grass.png", "gravel.png", "rocket.jpg", "horse.png", "moon.png",
    "coins.png", "clock_motion.png", "page.png", "text.png", "hubble_deep_field.jpg", "retina.jpg",
    "motorcycle_left.png", "chessboard_RGB.png", "logo.png", "cell.png", "color.png", "ihc.png",
)  # fmt: skip
FACE_PHOTOS = ("astronaut.png", "camera.png")


def data_dir() -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data"


def load(name: str) -> Image.Image:
    return Image.open(data_dir() / name).convert("RGB")


def pasted(crop: np.ndarray, background: Image.Image, rng: random.Random) -> Image.Image:
    """A 25 x 25 grey crop enlarged to 160-400 pixels and pasted at a random place in a 1600 x 1200 picture."""
    side = rng.choice((160, 240, 320, 400))
    patch = Image.fromarray((crop * 255).astype(np.uint8), "L").resize((side, side), Image.Resampling.BICUBIC)
    canvas = background.resize(CANVAS, Image.Resampling.BILINEAR)
    canvas.paste(patch.convert("RGB"), (rng.randrange(CANVAS[0] - side), rng.randrange(CANVAS[1] - side)))
    return canvas


def pictures() -> tuple[list[tuple[str, Image.Image]], list[tuple[str, Image.Image]]]:
    """(face pictures, non-face pictures), each as (name, picture), always the same for the same data."""
    rng = random.Random(8)
    crops = np.load(data_dir() / "lfw_subset.npy")
    backgrounds = [load(b) for b in BACKGROUNDS]
    faces = [(name, load(name)) for name in FACE_PHOTOS]
    faces += [(f"lfw-face-{i}", pasted(crops[i], rng.choice(backgrounds), rng)) for i in range(100)]
    others = [(name, load(name)) for name in NON_FACE_PHOTOS]
    others += [(f"background-{b}", bg.resize(CANVAS)) for b, bg in zip(BACKGROUNDS, backgrounds, strict=True)]
    others += [(f"lfw-other-{i}", pasted(crops[100 + i], rng.choice(backgrounds), rng)) for i in range(100)]
    return faces, others


def score(
    detector: photos.Detector, faces: list[tuple[str, np.ndarray]], others: list[tuple[str, np.ndarray]]
) -> dict[str, Any]:
    started = time.process_time()
    missed = [name for name, px in faces if photos.faces_in_pixels(px, detector) == 0]
    alarms = [name for name, px in others if photos.faces_in_pixels(px, detector) > 0]
    elapsed = time.process_time() - started
    return {
        "recall": round(1 - len(missed) / len(faces), 3),
        "false_alarm_rate": round(len(alarms) / len(others), 3),
        "faces": len(faces),
        "non_faces": len(others),
        "missed": missed,
        "false_alarms": alarms,
        "detect_cpu_ms_per_picture": round(1000 * elapsed / (len(faces) + len(others)), 1),
    }


def phone_jpeg(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.resize((4032, 3024), Image.Resampling.BILINEAR).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def timing(samples: list[Image.Image], repeat: int) -> dict[str, Any]:
    """The whole check on 12 MP phone JPEGs, as an upload runs it."""
    encoded = [phone_jpeg(p) for p in samples]
    photos.faces_in_upload(encoded[0])  # load the cascade
    times, cpu = [], []
    for _ in range(repeat):
        for data in encoded:
            started, started_cpu = time.perf_counter(), time.process_time()
            photos.faces_in_upload(data)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
    return {
        "size": "4032x3024 JPEG q90",
        "pictures": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(statistics.quantiles(times, n=10)[-1], 1),
        "max_ms": round(max(times), 1),
        # CPU time of the process (every thread OpenCV uses): what the check costs whatever else is running.
        "cpu_median_ms": round(statistics.median(cpu), 1),
    }


_DEFAULT, _ALT, _ALT2 = (f"haarcascade_frontalface_{n}.xml" for n in ("default", "alt", "alt2"))
# A small grid: each setting costs a pass over the tuning half, and the machine is shared.
CANDIDATES = [
    photos.Detector(cascade=c, scale_factor=sf, min_neighbours=mn)
    for c, sf, mn in (
        (_DEFAULT, 1.1, 8), (_DEFAULT, 1.2, 8), (_DEFAULT, 1.2, 12),
        (_ALT2, 1.1, 5), (_ALT2, 1.2, 5),
        (_ALT, 1.1, 3), (_ALT, 1.2, 3),
    )
]  # fmt: skip


def merit(result: dict[str, Any]) -> float:
    """Recall minus false alarms (Youden's J): a setting that finds fewer faces must also alarm less."""
    return float(result["recall"]) - float(result["false_alarm_rate"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="try other cascades and parameters too")
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds over the phone-sized JPEGs")
    args = parser.parse_args()

    faces, others = pictures()
    small_faces = [(n, photos.greyscale(p)) for n, p in faces]
    small_others = [(n, photos.greyscale(p)) for n, p in others]
    result: dict[str, Any] = {
        "benchmark": "faces_eval",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
        },
        "detector": asdict(photos.DETECTOR),
        "held_out_half": score(photos.DETECTOR, small_faces[1::2], small_others[1::2]),
    }
    if not args.tune:  # the tuning run is long enough: the baseline run has these
        result["all"] = score(photos.DETECTOR, small_faces, small_others)
        result["timing"] = timing([p for _, p in faces[:2]] + [p for _, p in others[:4]], args.repeat)
    print(f"detector {photos.DETECTOR}", flush=True)
    for part in ("all", "held_out_half"):
        if part not in result:
            continue
        r = result[part]
        print(
            f"  {part:14} recall {r['recall']:.3f} ({r['faces']} face pictures)  false alarms "
            f"{r['false_alarm_rate']:.3f} ({r['non_faces']} others)  {r['detect_cpu_ms_per_picture']} CPU ms/picture"
        )
    t = result.get("timing")
    if t:
        print(
            f"  whole check on {t['size']}: median {t['median_ms']} ms, p90 {t['p90_ms']} ms, max {t['max_ms']} ms "
            f"(CPU median {t['cpu_median_ms']} ms)"
        )
    if args.tune:
        # Choose on the even-numbered pictures only; report the best few on the odd-numbered ones.
        tuned = []
        for candidate in CANDIDATES:
            tune = score(candidate, small_faces[0::2], small_others[0::2])
            tune.pop("missed"), tune.pop("false_alarms")
            tuned.append({"detector": asdict(candidate), "tuning_half": tune})
            print(
                f"  {candidate.cascade[24:-4]:>8} sf {candidate.scale_factor} mn {candidate.min_neighbours}: "
                f"tune recall {tune['recall']:.3f} false alarms {tune['false_alarm_rate']:.3f} "
                f"{tune['detect_cpu_ms_per_picture']} CPU ms",
                flush=True,
            )
        tuned.sort(key=lambda t: merit(t["tuning_half"]), reverse=True)
        for best in tuned[:2]:
            test = score(photos.Detector(**best["detector"]), small_faces[1::2], small_others[1::2])
            best["held_out_half"] = test
            print(
                f"  held out, {best['detector']}: recall {test['recall']:.3f} "
                f"false alarms {test['false_alarm_rate']:.3f} {test['false_alarms']}",
                flush=True,
            )
        result["tuning"] = tuned
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"faces-eval-{dt.date.today().isoformat()}{'-tuning' if args.tune else ''}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
