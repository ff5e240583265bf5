"""Speed of the CLI path per runner, side by side.

``python -m pipelines.benchmark [--model speech-en|ink-en|DIR] [--csv MANIFEST] [--limit N] [--runners ...]``

For each runner: the speed of the whole path a user runs (read the file, features, model,
greedy CTC, word timings or spans) after the model is loaded - the real-time factor for
speech, milliseconds per text line for ink - then the cold start (wall time of
``python -m recognizer.transcribe --runner R --lm none SAMPLE`` in a fresh process), the model
size and where a file's time goes (reading, NumPy features, network, decoding).  When the model
directory ships a language model, one more row (``tflite+LM``: the first runner asked for) measures
what the CLI does by default: beam search with that LM, the LM's load included in the cold start.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from pipelines.parity import disk_bytes
from recognizer.model_dir import MODELS_DIR, WEIGHTS_FILE, read_spec, resolve_model_path
from recognizer.recognizer import Recognizer, bundled_lm
from recognizer.runners import SAVED_MODEL_DIR, TFLITE_FILE

ROOT = MODELS_DIR.parent
COLD_START_FILES = {"speech": ROOT / "samples" / "hello_slt.wav", "ink": ROOT / "samples" / "hello_world.inkml"}
SAMPLE_PATTERNS = {"speech": ("*.wav",), "ink": ("*.inkml", "*.json")}
SPLIT_LABEL = "   ms per file: "  # heads the columns of stage_times in the table
RUNNER_FILES = {"keras": WEIGHTS_FILE, "saved_model": SAVED_MODEL_DIR, "tflite": TFLITE_FILE}


def cold_start(model: str, runner: str, repeats: int = 2, sample: Path | None = None, lm: str = "none") -> float:
    """Best wall time (s) of transcribing one sample in a fresh interpreter (``lm``: the CLI's ``--lm``)."""
    sample = sample or COLD_START_FILES[read_spec(resolve_model_path(model)).modality]
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "recognizer.transcribe", "--runner", runner, "--model", model,
                        "--lm", lm, str(sample)], capture_output=True, check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - started)
    return best


def warmed_up(model: str, runner: str, files: list[str], lm: str | None = None):
    """The model loaded with ``runner`` (and ``lm``, as in :meth:`Recognizer.load`; by default
    none), after transcribing the first file once."""
    recognizer = Recognizer.load(model, lm=lm, runner=runner)
    recognizer.transcribe(files[0])
    return recognizer


def throughput(recognizer, files: list[str]) -> dict:
    """Processing time over ``files`` with a loaded, warmed-up recognizer: ``seconds_per_file``
    and, for speech, ``real_time_factor`` (seconds per second of audio)."""
    audio, started = 0.0, time.perf_counter()
    for path in files:
        audio += recognizer.transcribe(path).duration or 0.0
    elapsed = time.perf_counter() - started
    return {"seconds_per_file": elapsed / len(files), "real_time_factor": elapsed / audio if audio else None}


def stage_times(recognizer, files: list[str]) -> dict:
    """Milliseconds per file spent reading, in the NumPy features, in the network and in
    decoding (the recognizer's own decoder: greedy, or beam search with its LM), with a loaded,
    warmed-up recognizer. ``features`` is None when the network takes
    raw audio (a TFLite speech model has the MFCC front-end inside, so its time counts as network)."""
    from recognizer.frontend import compute_features, load_input

    spent = {"read": 0.0, "features": 0.0, "network": 0.0, "decode": 0.0}
    for path in files:
        started = time.perf_counter()
        loaded = load_input(recognizer.modality, path)
        read = time.perf_counter()
        frames = None if recognizer.runner.takes_audio else \
            compute_features(recognizer.modality, loaded, recognizer.features)
        featured = time.perf_counter()
        logits = recognizer.runner.audio_logits(loaded) if frames is None else recognizer.logits(frames)
        run = time.perf_counter()
        recognizer.decode(logits, recognizer.decoder)
        for stage, seconds in zip(spent, (read - started, featured - read, run - featured, time.perf_counter() - run)):
            spent[stage] += seconds
    ms = {stage: 1000 * seconds / len(files) for stage, seconds in spent.items()}
    if recognizer.runner.takes_audio:
        ms["features"] = None
    return ms


def real_time_factor(model: str, runner: str, files: list[str]) -> float:
    """Seconds of processing per second of audio over ``files`` (speech models)."""
    return throughput(warmed_up(model, runner, files), files)["real_time_factor"]


def default_files(modality: str, limit: int) -> list[str]:
    return sorted(str(p) for pattern in SAMPLE_PATTERNS[modality] for p in (ROOT / "samples").glob(pattern))[:limit]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="speech-en")
    parser.add_argument("--csv", help="manifest of audio or ink files (default: the samples/ of the model's kind)")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--runners", nargs="+", default=["tflite", "keras", "saved_model"],
                        choices=list(RUNNER_FILES))
    parser.add_argument("--repeats", type=int, default=2, help="cold starts per runner (the best is shown)")
    args = parser.parse_args(argv)
    directory = resolve_model_path(args.model)
    modality = read_spec(directory).modality
    if args.csv:
        from pipelines.data import read_manifest

        files = [u.path for u in read_manifest(args.csv)[:args.limit]]
    else:
        files = default_files(modality, args.limit)
    if not files:
        print(f"no {modality} files to measure", file=sys.stderr)
        return 1
    speed = "RTF" if modality == "speech" else "ms/line"
    print(f"{len(files)} {modality} files, model {directory}")
    print(f"{'runner':<12} {speed:>8} {'cold start s':>13} {'model MB':>9}{SPLIT_LABEL}"
          f"{'read':>6} {'features':>8} {'network':>8} {'decode':>7}")
    rows = [(runner, runner, None) for runner in args.runners]
    if bundled_lm(directory):  # with the first runner (tflite by default): what the CLI does by default
        rows.append((f"{args.runners[0]}+LM", args.runners[0], "auto"))
    for label, runner, lm in rows:
        if not (directory / RUNNER_FILES[runner]).exists():
            print(f"{label:<12} (not exported: python -m pipelines.export {directory})")
            continue
        recognizer = warmed_up(str(directory), runner, files, lm)  # one load serves both measurements
        measured = throughput(recognizer, files)
        figure = (f"{measured['real_time_factor']:>8.4f}" if modality == "speech"
                  else f"{1000 * measured['seconds_per_file']:>8.1f}")
        cold = cold_start(str(directory), runner, args.repeats, lm=lm or "none")
        stages = stage_times(recognizer, files)
        split = " ".join(f"{'(in net)' if stages[k] is None else f'{stages[k]:.1f}':>{w}}"
                         for k, w in (("read", 6), ("features", 8), ("network", 8), ("decode", 7)))
        print(f"{label:<12} {figure} {cold:>13.2f} {disk_bytes(directory / RUNNER_FILES[runner]) / 1e6:>9.2f}"
              f"{' ' * len(SPLIT_LABEL)}{split}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
