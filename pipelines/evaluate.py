"""Evaluate a model directory on CSV manifests: WER/CER per file and per group.

    python -m pipelines.evaluate --model saved_models/speech-en data/speech/valid_heldout.csv \
        --out reports/speech-en [--beam-width 8]

Writes ``per_file.csv``, ``per_group.csv`` and ``report.md`` into ``--out`` and prints the
markdown table.
"""

from __future__ import annotations

import argparse
import csv
import sys
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from pipelines.sources import load_source
from pipelines.train import error_rates
from recognizer.quiet import import_tensorflow_quietly


def noisy(path: str, snr_db: float, seed: int):
    """The audio of ``path`` with white noise at ``snr_db`` (seeded per file)."""
    from pipelines.augment import add_noise, colored_noise
    from recognizer.audio import load_audio

    audio = load_audio(path)
    rng = np.random.default_rng([seed, zlib.crc32(path.encode())])
    return add_noise(audio, colored_noise(rng, audio.size, "white"), snr_db)


def evaluate(model: str, manifests: list[str], beam_width: int | None = None, lm: str | None = "auto",
             noise_snr: float | None = None, progress=sys.stderr) -> dict:
    """Transcribe every utterance (optionally with white noise at ``noise_snr`` dB); returns
    per-file rows and per-group / overall rates."""
    import_tensorflow_quietly()
    from recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(model, lm=lm)
    utterances = [u for m in manifests for u in load_source(m)]
    rows = []
    for i, u in enumerate(utterances, 1):
        reference = recognizer.vocab.normalize(u.transcript)
        source = u.path if noise_snr is None else noisy(u.path, noise_snr, seed=0)
        hypothesis = recognizer.transcribe(source, beam_width=beam_width).text
        wer, cer = error_rates([reference], [hypothesis])
        rows.append({"file": u.path, "group": u.group or "all", "reference": reference,
                     "hypothesis": hypothesis, "wer": round(wer, 4), "cer": round(cer, 4)})
        if progress and (i % 50 == 0 or i == len(utterances)):
            print(f"evaluated {i}/{len(utterances)}", file=progress, flush=True)
    by_group = defaultdict(list)
    for row in rows:
        by_group[row["group"]].append(row)
    groups = {name: {"files": len(items), **dict(zip(("wer", "cer"), error_rates(
        [r["reference"] for r in items], [r["hypothesis"] for r in items])))} for name, items in sorted(by_group.items())}
    overall = dict(zip(("wer", "cer"), error_rates([r["reference"] for r in rows], [r["hypothesis"] for r in rows])))
    return {"rows": rows, "groups": groups, "overall": {"files": len(rows), **overall}}


def markdown_table(result: dict) -> str:
    lines = ["| group | files | WER | CER |", "|---|---:|---:|---:|"]
    for name, g in [*result["groups"].items(), ("**all**", result["overall"])]:
        lines.append(f"| {name} | {g['files']} | {100 * g['wer']:.1f} % | {100 * g['cer']:.1f} % |")
    return "\n".join(lines) + "\n"


def write_report(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "per_file.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(result["rows"][0]) if result["rows"] else ["file"])
        writer.writeheader()
        writer.writerows(result["rows"])
    with (out / "per_group.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "files", "wer", "cer"])
        for name, g in [*result["groups"].items(), ("all", result["overall"])]:
            writer.writerow([name, g["files"], round(g["wer"], 4), round(g["cer"], 4)])
    (out / "report.md").write_text(markdown_table(result))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifests", nargs="+", help="data sources: CSV manifests, folders of files with .txt "
                                                      "transcripts, or tfds:NAME:SPLIT")
    parser.add_argument("--model", default="speech-en")
    parser.add_argument("--out", type=Path, help="folder for per_file.csv, per_group.csv, report.md")
    parser.add_argument("--beam-width", type=int, help="default: the model's own decoder setting")
    parser.add_argument("--lm", default="auto", help="ARPA file, 'none', or 'auto' (the model's own LM if any)")
    parser.add_argument("--noise-snr", type=float, help="add white noise at this SNR (dB) to every file")
    args = parser.parse_args(argv)
    lm = None if args.lm.lower() == "none" else args.lm
    result = evaluate(args.model, args.manifests, args.beam_width, lm, args.noise_snr)
    if args.out:
        write_report(result, args.out)
    print(markdown_table(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
