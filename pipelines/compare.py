"""Compare recognizers on the same inputs: our models and PocketSphinx, side by side.

    python -m pipelines.compare data/speech/valid_heldout.csv [--model speech-en] [--noise-snr 15] \
        [--limit 100] [--out comparison.md]

Every system transcribes the same files (with the same noise, when ``--noise-snr`` is given);
the table shows WER and CER per group and overall, and the real-time factor (seconds spent
recognizing per second of audio; file loading included unless noise is added).  A file that
cannot be read is reported in one line and left out.  PocketSphinx 5 (``pip install
pocketsphinx``, or this project's ``compare`` extra) runs with its bundled US English acoustic
model, dictionary and language model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from pipelines.evaluate import score
from pipelines.sources import load_source
from recognizer.audio import SAMPLE_RATE, load_audio
from recognizer.long_audio import file_duration
from recognizer.vocab import Vocabulary


class PocketSphinx:
    """PocketSphinx 5 with its default US English model: a path or a waveform -> text."""

    name = "PocketSphinx 5 (en-us)"

    def __init__(self):
        try:
            from pocketsphinx import Decoder
        except ImportError as error:
            raise RuntimeError("PocketSphinx is not installed: pip install pocketsphinx") from error
        self.decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")

    def __call__(self, source) -> str:
        audio = load_audio(source) if isinstance(source, (str, Path)) else np.asarray(source, np.float32)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
        self.decoder.start_utt()
        self.decoder.process_raw(pcm.tobytes(), full_utt=True)
        self.decoder.end_utt()
        hypothesis = self.decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""


class Ours:
    """One of this project's model directories, through :class:`recognizer.Recognizer`."""

    def __init__(self, model: str, beam_width: int | None = None, runner: str | None = None):
        from recognizer.recognizer import Recognizer

        self.recognizer = Recognizer.load(model, runner=runner or "auto")
        self.beam_width = beam_width
        decoding = "greedy" if (beam_width or self.recognizer.decoder.beam_width) <= 1 else "beam search"
        self.name = f"{Path(model).name} ({self.recognizer.runner.name}, {decoding})"

    def __call__(self, source) -> str:
        return self.recognizer.transcribe(source, beam_width=self.beam_width).text


def compare(systems: list, utterances, noise_snr: float | None = None, progress=sys.stderr) -> dict:
    """Score each system on ``utterances``; returns {system name: evaluate-style result + "rtf"}."""
    normalize = Vocabulary().normalize
    durations = {u.path: file_duration(u.path) or 0.0 for u in utterances}  # 0 for an unreadable file
    results = {}
    for system in systems:
        result = score(system, utterances, normalize, noise_snr, progress, label=system.name)
        duration = sum(durations[row["file"]] for row in result["rows"])
        result["rtf"] = result["seconds"] / duration if duration else float("nan")
        results[system.name] = result
    return results


def comparison_markdown(results: dict, noise_snr: float | None = None) -> str:
    """Per-group WER / CER of every system in one table, then real-time factors."""
    names = list(results)
    groups = sorted({g for r in results.values() for g in r["groups"]})
    files = next(iter(results.values()))["overall"]["files"] if results else 0
    noise = f", white noise at {noise_snr:g} dB SNR" if noise_snr is not None else ""
    lines = [f"{files} files{noise}. WER / CER in %; RTF = seconds of recognition per second of audio.", "",
             "| group | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]

    def cell(rates):
        return f"{100 * rates['wer']:.1f} / {100 * rates['cer']:.1f}" if rates else "-"

    for group in groups:
        lines.append(f"| {group} | " + " | ".join(cell(results[n]["groups"].get(group)) for n in names) + " |")
    lines.append("| **all** | " + " | ".join(f"**{cell(results[n]['overall'])}**" for n in names) + " |")
    lines.append("| RTF | " + " | ".join(f"{results[n]['rtf']:.4f}" for n in names) + " |")
    return "\n".join(lines) + "\n"


def make_systems(names: list[str], models: list[str], beam_width: int | None, runner: str | None) -> list:
    """The systems named in ``names`` ("ours" stands for every ``--model``)."""
    systems = []
    for name in names:
        if name == "ours":
            systems += [Ours(m, beam_width, runner) for m in models]
        elif name == "pocketsphinx":
            systems.append(PocketSphinx())
        else:
            raise ValueError(f"unknown system {name!r}: choose from ours, pocketsphinx")
    return systems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifests", nargs="+", help="speech data sources: CSV manifests or folders of files "
                                                      "with .txt transcripts")
    parser.add_argument("--model", action="append", help="our model directory or name (repeatable; "
                                                          "default speech-en)")
    parser.add_argument("--systems", default="ours,pocketsphinx", help="comma-separated: ours, pocketsphinx")
    parser.add_argument("--beam-width", type=int, help="our decoder's beams (default: the model's setting)")
    parser.add_argument("--runner", choices=("keras", "saved_model", "tflite"), help="our runner (default: "
                                                                                     "tflite when exported)")
    parser.add_argument("--noise-snr", type=float, help="add white noise at this SNR (dB) to every file")
    parser.add_argument("--limit", type=int, help="only the first N files")
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    try:
        utterances = [u for m in args.manifests for u in load_source(m)][: args.limit]
        systems = make_systems([s.strip() for s in args.systems.split(",") if s.strip()],
                               args.model or ["speech-en"], args.beam_width, args.runner)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    table = comparison_markdown(compare(systems, utterances, args.noise_snr), args.noise_snr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
