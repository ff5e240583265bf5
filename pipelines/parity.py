"""Parity report: Keras vs SavedModel vs every exported TFLite variant on a fixed input set.

For each runtime: max |logit difference| to Keras, share of files whose greedy text is
identical to Keras, CER against the reference transcripts, size on disk, and model latency
(input -> logits, MFCC included) per second of audio at batch 1.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from recognizer.ctc import greedy_decode
from recognizer.frontend import compute_features, load_input
from recognizer.model_dir import MODELS_DIR, WEIGHTS_FILE, read_spec, resolve_model_path
from recognizer.runners import SAVED_MODEL_DIR, KerasRunner, SavedModelRunner, TFLiteRunner


def greedy_text(logits: np.ndarray, vocab) -> str:
    return " ".join(vocab.decode(greedy_decode(logits).labels).split())


def disk_bytes(path: Path) -> int:
    """Bytes on disk of a file, or of every file below a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def _rows(csv: str | None, limit: int):
    from pipelines.data import read_manifest

    path = Path(csv) if csv else MODELS_DIR.parent / "samples" / "transcripts.csv"
    return read_manifest(path)[:limit], str(path)


def parity_report(model, csv: str | None = None, limit: int = 100, log=lambda *_: None) -> dict:
    """Run every runtime of the model directory on the manifest's files; returns the figures."""
    import jiwer

    directory = resolve_model_path(model)
    spec = read_spec(directory)
    rows, source = _rows(csv, limit)
    inputs = [load_input(spec.modality, u.path) for u in rows]
    seconds = sum(len(x) / 16000 for x in inputs) if spec.modality == "speech" else len(inputs)
    runners = {"keras": (KerasRunner(directory), directory / WEIGHTS_FILE)}
    if (directory / SAVED_MODEL_DIR).is_dir():
        runners["saved_model"] = (SavedModelRunner(directory, spec), directory / SAVED_MODEL_DIR)
    for path in sorted(directory.glob("model*.tflite")):
        runners[path.name] = (TFLiteRunner(directory, path.name, num_threads=1), path)
    results = {}
    for name, (runner, path) in runners.items():
        def run(x):
            if runner.takes_audio:
                return runner.audio_logits(x)
            return runner.logits(compute_features(spec.modality, x, spec.feature_config))

        if inputs:
            run(inputs[0])  # warm-up, untimed: graph tracing and tensor allocation happen once
        started = time.perf_counter()
        logits = [run(x) for x in inputs]
        elapsed = time.perf_counter() - started
        log(f"{name}: {elapsed:.1f} s for {len(inputs)} inputs")
        texts = [greedy_text(lg, spec.vocabulary) for lg in logits]
        results[name] = {"logits": logits, "texts": texts, "bytes": disk_bytes(path), "seconds": elapsed}
    keras = results["keras"]
    references = [spec.vocabulary.normalize(u.transcript) for u in rows]
    report = {"modality": spec.modality, "source": source, "files": len(rows), "audio_seconds": round(seconds, 1), "runtimes": {}}
    for name, r in results.items():
        diffs = [float(np.abs(a - b).max()) for a, b in zip(r["logits"], keras["logits"]) if a.shape == b.shape]
        report["runtimes"][name] = {
            "max_abs_logit_diff": max(diffs) if len(diffs) == len(rows) else float("inf"),
            "same_text": sum(a == b for a, b in zip(r["texts"], keras["texts"])) / len(rows),
            "cer": float(jiwer.cer(references, [t or " " for t in r["texts"]])),
            "megabytes": round(r["bytes"] / 1e6, 2),
            "ms_per_audio_second": round(1000 * r["seconds"] / max(seconds, 1e-9), 2)}
    return report


def print_report(report: dict, info: dict | None = None) -> None:
    unit = "ms/s audio" if report.get("modality", "speech") == "speech" else "ms/file"
    seconds = f" ({report['audio_seconds']} s)" if report.get("modality", "speech") == "speech" else ""
    print(f"parity on {report['files']} files{seconds} from {report['source']}; reference: keras")
    width = max([len("runtime"), *map(len, report["runtimes"])])
    print(f"{'runtime':<{width}} {'max|dlogit|':>11} {'same text':>9} {'CER':>6} {'MB':>6} {unit:>11}")
    for name, r in report["runtimes"].items():
        print(f"{name:<{width}} {r['max_abs_logit_diff']:>11.2e} {r['same_text']:>9.1%} {r['cer']:>6.3f} "
              f"{r['megabytes']:>6.2f} {r['ms_per_audio_second']:>11.2f}")
    if info and isinstance(info.get("lstm"), dict):
        print(f"lstm graph: {info['lstm']}")


def main(argv=None) -> int:
    """``python -m pipelines.parity MODEL_DIR [CSV] [--limit N]``: the report of an exported directory."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipelines.parity", description=main.__doc__)
    parser.add_argument("model")
    parser.add_argument("csv", nargs="?")
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    from recognizer.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    print_report(parity_report(args.model, args.csv, args.limit, log=lambda text: print(text, flush=True)))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
