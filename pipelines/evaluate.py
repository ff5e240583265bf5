"""Evaluate a model directory on CSV manifests: WER/CER per file and per group.

    python -m pipelines.evaluate --model saved_models/speech-en data/speech/valid_heldout.csv \
        --out reports/speech-en [--beam-width 8]

Writes into ``--out``: ``report.md`` (the per-group WER/CER table, the error-rate plot and
links to the rest), ``per_file.csv``, ``per_group.csv``, ``error_rates.png`` (WER and CER bars
per group) and ``worst_files.md`` (the files with the most errors, reference and hypothesis
aligned word by word); prints the markdown table.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from pipelines.sources import load_source
from pipelines.metrics import error_rates


def noisy(path: str, snr_db: float, seed: int):
    """The audio of ``path`` with white noise at ``snr_db`` (seeded per file)."""
    from pipelines.augment import add_noise, colored_noise
    from recognizer.audio import load_audio

    audio = load_audio(path)
    rng = np.random.default_rng([seed, zlib.crc32(path.encode())])
    return add_noise(audio, colored_noise(rng, audio.size, "white"), snr_db)


def score(transcribe, utterances, normalize, noise_snr: float | None = None, progress=sys.stderr,
          label: str = "evaluated") -> dict:
    """Run ``transcribe`` (a path or a waveform -> text) over ``utterances`` (optionally with
    white noise at ``noise_snr`` dB); returns per-file rows, per-group and overall WER/CER,
    the seconds spent in ``transcribe`` and the files that could not be read (each reported
    on stderr in one line, and left out of the rates)."""
    rows, seconds, failed = [], 0.0, []
    for i, u in enumerate(utterances, 1):
        reference = normalize(u.transcript)
        try:
            source = u.path if noise_snr is None else noisy(u.path, noise_snr, seed=0)
            start = time.perf_counter()
            hypothesis = normalize(transcribe(source))
            seconds += time.perf_counter() - start
        except (OSError, ValueError) as error:  # a bad file is reported and left out, the rest go on
            failed.append(u.path)
            print(f"error: {u.path}: {str(error).splitlines()[0] if str(error) else type(error).__name__}",
                  file=sys.stderr, flush=True)
            continue
        wer, cer = error_rates([reference], [hypothesis])
        rows.append({"file": u.path, "group": u.group or "all", "reference": reference,
                     "hypothesis": hypothesis, "wer": round(wer, 4), "cer": round(cer, 4)})
        if progress and (i % 50 == 0 or i == len(utterances)):
            print(f"{label} {i}/{len(utterances)}", file=progress, flush=True)
    by_group = defaultdict(list)
    for row in rows:
        by_group[row["group"]].append(row)
    groups = {name: {"files": len(items), **dict(zip(("wer", "cer"), error_rates(
        [r["reference"] for r in items], [r["hypothesis"] for r in items])))} for name, items in sorted(by_group.items())}
    overall = dict(zip(("wer", "cer"), error_rates([r["reference"] for r in rows], [r["hypothesis"] for r in rows])))
    return {"rows": rows, "groups": groups, "overall": {"files": len(rows), **overall}, "seconds": seconds,
            "failed": failed}


def evaluate(model: str, manifests: list[str], beam_width: int | None = None, lm: str | None = "auto",
             noise_snr: float | None = None, progress=sys.stderr, phrases: list[str] | None = None) -> dict:
    """Transcribe every utterance (optionally with white noise at ``noise_snr`` dB, optionally
    as one of ``phrases``); returns per-file rows and per-group / overall rates."""
    from recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(model, lm=lm)
    utterances = [u for m in manifests for u in load_source(m)]
    result = score(lambda source: recognizer.transcribe(source, beam_width=beam_width, phrases=phrases).text,
                   utterances, recognizer.vocab.normalize, noise_snr, progress)
    result["settings"] = {"model": str(model), "manifests": [str(m) for m in manifests],
                          "beam_width": recognizer.decoder.beam_width if beam_width is None else beam_width,
                          "lm": recognizer.lm is not None, "noise_snr": noise_snr,
                          "phrases": len(phrases) if phrases else 0}
    return result


def markdown_table(result: dict) -> str:
    lines = ["| group | files | WER | CER |", "|---|---:|---:|---:|"]
    for name, g in [*result["groups"].items(), ("**all**", result["overall"])]:
        lines.append(f"| {name} | {g['files']} | {100 * g['wer']:.1f} % | {100 * g['cer']:.1f} % |")
    return "\n".join(lines) + "\n"


def aligned(reference: str, hypothesis: str) -> str:
    """``REF:``/``HYP:`` lines aligned word by word (jiwer), with S/D/I under the errors."""
    import jiwer

    text = jiwer.visualize_alignment(jiwer.process_words(reference, hypothesis), show_measures=False,
                                     skip_correct=False)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("=== SENTENCE")]
    return "\n".join(lines)


def worst_files(result: dict, count: int = 10) -> list[dict]:
    """The ``count`` rows with the highest WER (then CER) that have any error."""
    rows = [r for r in result["rows"] if r["reference"].strip() and (r["wer"] > 0 or r["cer"] > 0)]
    return sorted(rows, key=lambda r: (-r["wer"], -r["cer"], r["file"]))[:count]


def _shown_path(path: str) -> str:
    """``path`` relative to the working directory when it is inside it, else as it is."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def worst_files_markdown(result: dict, count: int = 10) -> str:
    rows = worst_files(result, count)
    lines = [f"# The {len(rows)} files with the most errors", ""]
    if not rows:
        lines.append("Every file was transcribed without an error.")
    lines.append("S: substituted word, D: deleted (missed) word, I: inserted word.")
    for i, r in enumerate(rows, 1):
        lines += ["", f"## {i}. `{Path(r['file']).name}`", "",
                  f"group `{r['group']}`, WER {100 * r['wer']:.1f} %, CER {100 * r['cer']:.1f} %, "
                  f"file `{_shown_path(r['file'])}`",
                  "", "```", aligned(r["reference"], r["hypothesis"]), "```"]
    return "\n".join(lines) + "\n"


def plot_error_rates(result: dict, path: Path) -> None:
    """The WER/CER bar chart of ``result`` as a PNG file."""
    from recognizer.plot import plot_error_rates as figure

    model = result.get("settings", {}).get("model")
    title = f"{Path(model).name}: error rates per group (files in parentheses)" if model else None
    figure(result["groups"], result["overall"], title=title).savefig(path, dpi=100)


def report_markdown(result: dict, worst: int) -> str:
    settings = result.get("settings", {})
    lines = ["# Evaluation report", ""]
    if settings:
        decoder = "greedy" if settings["beam_width"] <= 1 else f"beam search ({settings['beam_width']} beams" + (
            ", language model)" if settings["lm"] else ")")
        noise = f", white noise at {settings['noise_snr']:g} dB SNR" if settings.get("noise_snr") is not None else ""
        if settings.get("phrases"):
            decoder = f"closed-set ({settings['phrases']} allowed phrases)"
        sources = ", ".join(f"`{m}`" for m in settings["manifests"])
        lines += [f"Model `{settings['model']}`, {result['overall']['files']} files from {sources}; "
                  f"{decoder} decoding{noise}.", ""]
    lines += [markdown_table(result), "![WER and CER per group](error_rates.png)", "",
              f"- [Up to {worst} files with the most errors, reference and hypothesis aligned](worst_files.md)",
              "- Every file: [per_file.csv](per_file.csv); every group: [per_group.csv](per_group.csv)"]
    return "\n".join(lines) + "\n"


def write_report(result: dict, out: Path, worst: int = 10) -> Path:
    """Write the report files into ``out``; returns the path of ``report.md``."""
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
    (out / "worst_files.md").write_text(worst_files_markdown(result, worst))
    plot_error_rates(result, out / "error_rates.png")
    (out / "report.md").write_text(report_markdown(result, worst))
    return out / "report.md"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifests", nargs="+", help="data sources: CSV manifests, folders of files with .txt "
                                                      "transcripts, or tfds:NAME:SPLIT")
    parser.add_argument("--model", default="speech-en")
    parser.add_argument("--out", type=Path, help="folder for report.md, per_file.csv, per_group.csv, "
                                                     "error_rates.png and worst_files.md")
    parser.add_argument("--worst", type=int, default=10, help="files listed in worst_files.md (default 10)")
    parser.add_argument("--beam-width", type=int, help="default: the model's own decoder setting")
    parser.add_argument("--lm", default="auto", help="ARPA file, 'none', or 'auto' (the model's own LM if any)")
    parser.add_argument("--noise-snr", type=float, help="add white noise at this SNR (dB) to every file")
    parser.add_argument("--phrases", type=Path, help="closed-set decoding: a file of allowed phrases, one per line")
    args = parser.parse_args(argv)
    lm = None if args.lm.lower() == "none" else args.lm
    phrases = None
    if args.phrases:
        from recognizer.transcribe import read_input_list

        phrases = read_input_list(args.phrases)
    result = evaluate(args.model, args.manifests, args.beam_width, lm, args.noise_snr, phrases=phrases)
    if args.out:
        print(f"report: {write_report(result, args.out, args.worst)}", file=sys.stderr)
    print(markdown_table(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
