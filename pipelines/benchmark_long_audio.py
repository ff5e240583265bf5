"""Time and peak memory of transcribing long recordings built from the bundled samples.

    python -m pipelines.benchmark_long_audio [--minutes 10 60] [--model speech-en]

Each length runs in its own process (peak RSS is per process); the recording is the
samples repeated between pauses, written block by block so building it stays small too.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def build_recording(path: Path, minutes: float, seed: int = 0) -> tuple[float, int]:
    """Write ``minutes`` of speech (samples between 0.3-1.5 s pauses, faint noise); returns
    (seconds, number of sample files used)."""
    import soundfile as sf

    from recognizer.audio import SAMPLE_RATE, load_audio

    clips = [load_audio(p) for p in sorted(SAMPLES.glob("*.wav"))]
    rng = np.random.default_rng(seed)
    total, used, limit = 0, 0, int(minutes * 60 * SAMPLE_RATE)
    with sf.SoundFile(str(path), "w", SAMPLE_RATE, 1, subtype="PCM_16") as f:
        while total < limit:
            clip = clips[used % len(clips)]
            piece = np.concatenate([np.zeros(int(rng.uniform(0.3, 1.5) * SAMPLE_RATE), np.float32), clip])
            piece = piece[: limit - total] + rng.normal(0, 0.002, min(piece.size, limit - total)).astype(np.float32)
            f.write(piece)
            total, used = total + piece.size, used + 1
    return total / SAMPLE_RATE, used


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure(path: Path, model: str) -> dict:
    """Transcribe one file in this process; time, peak RSS and word count.  TensorFlow is
    imported only when the model runs through it (not for the default LiteRT runner)."""
    from recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(model)
    before = peak_rss_mb()
    started = time.perf_counter()
    result = recognizer.transcribe(path)
    return {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": round(peak_rss_mb()),
            "peak_rss_mb_after_model_load": round(before), "words": len(result.words),
            "audio_seconds": result.duration, "runner": recognizer.runner.name}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--model", default="speech-en")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process: one file
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.model)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        for minutes in args.minutes:
            path = Path(folder) / f"speech-{minutes:g}min.wav"
            seconds, clips = build_recording(path, minutes)
            child = subprocess.run([sys.executable, "-m", "pipelines.benchmark_long_audio", "--model", args.model,
                                    "--measure", str(path)], capture_output=True, text=True)
            if child.returncode:
                print(child.stderr, file=sys.stderr)
                return 1
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            words_expected = clips and round(figures["words"] / clips, 2)
            print(f"{minutes:g} min ({seconds:.0f} s, {clips} clips): {figures['seconds']} s to transcribe "
                  f"({seconds / max(figures['seconds'], 1e-9):.1f}x real time, {figures['runner']} runner), peak RSS {figures['peak_rss_mb']} MB "
                  f"(after model load {figures['peak_rss_mb_after_model_load']} MB), "
                  f"{figures['words']} words ({words_expected} per clip)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
