"""Speed of the CLI path per runner, side by side.

``python -m pipelines.benchmark [--model speech-en] [--csv MANIFEST] [--limit N] [--runners ...]``

For each runner: real-time factor of the whole path a user runs (read and resample audio,
features, model, greedy CTC, word timings) after the model is loaded, cold start (wall time
of ``python -m recognizer.transcribe --runner R samples/hello_slt.wav`` in a fresh process),
and the model size on disk.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from recognizer.model_dir import MODELS_DIR, WEIGHTS_FILE, resolve_model_path
from recognizer.runners import SAVED_MODEL_DIR, TFLITE_FILE

ROOT = MODELS_DIR.parent
COLD_START_FILE = ROOT / "samples" / "hello_slt.wav"
RUNNER_FILES = {"keras": WEIGHTS_FILE, "saved_model": SAVED_MODEL_DIR, "tflite": TFLITE_FILE}


def _size(path: Path) -> float:
    if not path.exists():
        return float("nan")
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return sum(p.stat().st_size for p in files) / 1e6


def cold_start(model: str, runner: str, repeats: int = 2) -> float:
    """Best wall time (s) of transcribing one sample in a fresh interpreter."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "recognizer.transcribe", "--runner", runner, "--model", model,
                        str(COLD_START_FILE)], capture_output=True, check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - started)
    return best


def real_time_factor(model: str, runner: str, files: list[str]) -> float:
    """Seconds of processing per second of audio over ``files`` (model loaded, one warm-up)."""
    from recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(model, lm=None, runner=runner)
    recognizer.transcribe(files[0])
    audio, started = 0.0, time.perf_counter()
    for path in files:
        audio += recognizer.transcribe(path).duration
    return (time.perf_counter() - started) / audio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="speech-en")
    parser.add_argument("--csv", help="manifest of audio files (default: samples/*.wav)")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--runners", nargs="+", default=["tflite", "keras", "saved_model"],
                        choices=list(RUNNER_FILES))
    args = parser.parse_args(argv)
    directory = resolve_model_path(args.model)
    if args.csv:
        from pipelines.data import read_manifest

        files = [u.path for u in read_manifest(args.csv)[:args.limit]]
    else:
        files = [str(p) for p in sorted((ROOT / "samples").glob("*.wav"))][:args.limit]
    print(f"{len(files)} files, model {directory}")
    print(f"{'runner':<12} {'RTF':>8} {'cold start s':>13} {'model MB':>9}")
    for runner in args.runners:
        if not (directory / RUNNER_FILES[runner]).exists():
            print(f"{runner:<12} (not exported: python -m pipelines.export {directory})")
            continue
        rtf = real_time_factor(str(directory), runner, files)
        cold = cold_start(str(directory), runner)
        print(f"{runner:<12} {rtf:>8.4f} {cold:>13.2f} {_size(directory / RUNNER_FILES[runner]):>9.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
