"""The evaluation suite of the bundled models: how each evaluation set is built, and one run that
scores a model directory on all of them (the figures under ``evaluation`` in its metadata.json).

    python -m pipelines.eval_suite build speech --data data     # builds the sets not built yet
    python -m pipelines.eval_suite run saved_models/speech-en --data data --out reports/suite-speech \\
        [--only heldout everyday_flite_lm] [--compare saved_models/speech-en] [--write-metadata]

``run`` writes ``evaluation.json`` into ``--out`` after every measure and skips the measures it
already holds, so an interrupted run goes on where it stopped. ``--compare`` prints the figures of
another model (its metadata.json) beside the new ones; ``--write-metadata`` stores the results
in the model's metadata.json. Every set is held out of training: synthetic voices and fonts never
trained on (see ``pipelines.synthesize_speech`` and ``pipelines.ink_fonts``) and real recordings
(``pipelines.asterisk_prompts``). A set that cannot be built (a Debian package missing) is
reported in one line and the others are still built.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

TEXTS = Path(__file__).parent / "texts"
HELD_OUT_ESPEAK = "espeak:en-029+m7,espeak:en-us+f4,espeak:en-gb+shelby"
FESTIVAL = "festival:kal_diphone,festival:ked_diphone,festival:cmu_us_slt_arctic_hts"
SPEECH_SPLITS = ("--count", "14000", "--seed", "0", "--splits", "valid_seen", "valid_heldout")
INK_SPLITS = ("--count", "12000", "--valid-count", "400", "--seed", "0", "--splits", "valid_seen", "valid_heldout")


@dataclass(frozen=True)
class EvalSet:
    """A folder of evaluation data and the builder (a module of ``pipelines``) and arguments that make it
    (``{data}``: --data)."""
    modality: str
    manifest: str  # the manifest whose presence means the set is built, relative to --data
    argv: tuple[str, ...]
    builder: str = ""  # default: synthesize_speech or synthesize_ink, by modality

    @property
    def module(self) -> str:
        return self.builder or ("synthesize_speech" if self.modality == "speech" else "synthesize_ink")


def _spoken(name: str, texts: str, voices: str) -> EvalSet:
    return EvalSet("speech", f"eval/{name}.csv", ("--texts", str(TEXTS / texts), "--voices", voices,
                                                  "--out", "{data}/eval", "--name", name))


EVAL_SETS = (
    EvalSet("speech", "speech/valid_heldout.csv", ("--out", "{data}/speech", *SPEECH_SPLITS, "--engines", "espeak", "flite")),
    EvalSet("speech", "speech-new/valid_heldout.csv", ("--out", "{data}/speech-new", *SPEECH_SPLITS,
                                                       "--exclude-voices", "earlier")),
    _spoken("everyday_flite", "everyday.txt", "flite:kal,flite:kal16,flite:awb,flite:rms,flite:slt"),
    _spoken("everyday_espeak", "everyday.txt", HELD_OUT_ESPEAK),
    _spoken("everyday_festival", "everyday.txt", FESTIVAL),
    _spoken("everyday_new_engines", "everyday.txt", "pico:en-GB,rhvoice:bdl,mbrola:us2"),
    _spoken("everyday_accented", "everyday.txt", "mbrola:fr4-en,mbrola:pl1-en"),
    _spoken("commands", "commands.txt", f"{FESTIVAL},flite:rms,{HELD_OUT_ESPEAK}"),
    EvalSet("speech", "real/asterisk.csv", ("--out", "{data}/real"), "asterisk_prompts"),  # recorded speech
    EvalSet("ink", "ink/valid_heldout.csv", ("--out", "{data}/ink", *INK_SPLITS, "--fonts", "hershey")),
    EvalSet("ink", "ink-r7/valid_heldout.csv", ("--out", "{data}/ink-r7", *INK_SPLITS, "--fonts", "hershey",
                                                "--render-seed", "7")),
    EvalSet("ink", "ink-new/valid_heldout.csv", ("--out", "{data}/ink-new", *INK_SPLITS)),
    EvalSet("ink", "ink-outline/valid_heldout.csv", ("--out", "{data}/ink-outline", *INK_SPLITS, "--fonts", "outline")),
)


@dataclass(frozen=True)
class Measure:
    """One figure of the suite: a manifest decoded one way (``key`` as in metadata.json)."""
    key: str
    modality: str
    manifest: str  # relative to --data
    lm: bool  # beam search with the model's LM (the CLI's default) instead of --lm none
    noise_snr: float | None = None
    phrases: str | None = None  # closed-set decoding over this file of pipelines/texts


def _both(key: str, modality: str, manifest: str, noise_snr: float | None = None) -> tuple[Measure, ...]:
    return (Measure(key, modality, manifest, False, noise_snr), Measure(f"{key}_lm", modality, manifest, True, noise_snr))


MEASURES = (
    *_both("heldout", "speech", "speech/valid_heldout.csv"),
    *_both("heldout_noise15", "speech", "speech/valid_heldout.csv", 15.0),
    *_both("heldout_all_engines", "speech", "speech-new/valid_heldout.csv"),
    *_both("everyday_flite", "speech", "eval/everyday_flite.csv"),
    *_both("everyday_espeak", "speech", "eval/everyday_espeak.csv"),
    *_both("everyday_festival", "speech", "eval/everyday_festival.csv"),
    *_both("everyday_new_engines", "speech", "eval/everyday_new_engines.csv"),
    *_both("everyday_accented", "speech", "eval/everyday_accented.csv"),
    *_both("commands_open", "speech", "eval/commands.csv"),
    Measure("commands_phrases", "speech", "eval/commands.csv", True, phrases="command_phrases.txt"),
    Measure("commands_phrases_noise15", "speech", "eval/commands.csv", True, 15.0, "command_phrases.txt"),
    *_both("real_asterisk", "speech", "real/asterisk.csv"),
    *_both("valid_heldout_fonts", "ink", "ink/valid_heldout.csv"),
    *_both("heldout_fonts_render7", "ink", "ink-r7/valid_heldout.csv"),
    *_both("valid_seen_fonts", "ink", "ink/valid_seen.csv"),
    *_both("heldout_fonts_mixed", "ink", "ink-new/valid_heldout.csv"),
    *_both("seen_fonts_mixed", "ink", "ink-new/valid_seen.csv"),
    *_both("heldout_fonts_outline", "ink", "ink-outline/valid_heldout.csv"),
    *_both("seen_fonts_outline", "ink", "ink-outline/valid_seen.csv"),
)
EXACT_COUNTS = {"open": "commands_open", "open_lm": "commands_open_lm", "phrases": "commands_phrases",
                "phrases_noise15": "commands_phrases_noise15"}  # metadata's commands_exact: files read exactly


def _builder(module: str):
    """The ``main`` of ``pipelines.<module>``."""
    import importlib

    return importlib.import_module(f"pipelines.{module}").main


def build(modality: str, data: Path, builder=_builder, log=None) -> tuple[list[str], list[str]]:
    """Build the evaluation sets of ``modality`` that ``data`` lacks; returns the manifests built and
    those that failed (each reported in one line on ``log``)."""
    log = log or sys.stderr
    built, failed = [], []
    for eval_set in (s for s in EVAL_SETS if s.modality == modality):
        if (data / eval_set.manifest).exists():
            print(f"present: {data / eval_set.manifest}", file=log, flush=True)
            continue
        print(f"building: {data / eval_set.manifest}", file=log, flush=True)
        try:
            status = builder(eval_set.module)([arg.replace("{data}", str(data)) for arg in eval_set.argv])
        except SystemExit as error:  # the builder's own one-line error is already on stderr
            status = error.code
        except (OSError, ValueError) as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            print(f"error: {eval_set.manifest}: {message}", file=log, flush=True)
            status = 1
        (failed if status else built).append(eval_set.manifest)
    return built, failed


def _rounded(rates: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in rates.items()}


def measure(model: str, data: Path, m: Measure, evaluate=None) -> dict:
    """The figures of one measure in metadata.json's shape, plus the count of files read exactly."""
    if evaluate is None:
        from pipelines.evaluate import evaluate
    phrases = None
    if m.phrases:
        from recognizer.transcribe import read_input_list

        phrases = read_input_list(TEXTS / m.phrases)
    result = evaluate(model, [str(data / m.manifest)], None, "auto" if m.lm else None, m.noise_snr,
                      progress=None, phrases=phrases)
    return {"all": _rounded(result["overall"]), "groups": {g: _rounded(r) for g, r in result["groups"].items()},
            "exact": sum(row["wer"] == 0 for row in result["rows"])}


def selected(modality: str, only: list[str] | None) -> list[Measure]:
    """The measures of ``modality`` (those named in ``only`` if given; unknown names raise ValueError)."""
    measures = [m for m in MEASURES if m.modality == modality]
    if only:
        unknown = sorted(set(only) - {m.key for m in measures})
        if unknown:
            raise ValueError(f"no {modality} measure named {', '.join(unknown)}")
        measures = [m for m in measures if m.key in only]
    return measures


def run(model: str, data: Path, out: Path, only: list[str] | None = None, evaluate=None,
        log=None) -> tuple[dict, list[str]]:
    """Score ``model`` on its modality's measures, resuming from ``out/evaluation.json``; returns the
    results and the measures that failed (a missing manifest: one line on ``log``, the rest still run)."""
    from recognizer.model_dir import read_spec

    log = log or sys.stderr
    modality = read_spec(Path(model)).modality
    out.mkdir(parents=True, exist_ok=True)
    path = out / "evaluation.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    failed = []
    for m in selected(modality, only):
        if m.key in results:
            continue
        if not (data / m.manifest).exists():
            print(f"error: {m.key}: {data / m.manifest} does not exist (python -m pipelines.eval_suite build "
                  f"{modality} --data {data})", file=log, flush=True)
            failed.append(m.key)
            continue
        results[m.key] = measure(model, data, m, evaluate)
        overall = results[m.key]["all"]
        print(f"{m.key}: {overall['files']} files, WER {overall['wer']:.1%}, CER {overall['cer']:.1%}",
              file=log, flush=True)
        path.write_text(json.dumps(results, indent=1) + "\n")
    return results, failed


def comparison_table(results: dict, baseline: dict | None = None) -> str:
    """Markdown: WER / CER of each measure, beside the baseline's where it has them."""
    lines = ["| measure | files | WER | CER | baseline WER | baseline CER |", "|---|---:|---:|---:|---:|---:|"]
    for key, value in results.items():
        base = (baseline or {}).get(key, {}).get("all")
        before = f"{base['wer']:.1%} | {base['cer']:.1%}" if base else " | "
        lines.append(f"| {key} | {value['all']['files']} | {value['all']['wer']:.1%} | {value['all']['cer']:.1%} | "
                     f"{before} |")
    return "\n".join(lines) + "\n"


def metadata_evaluation(results: dict) -> dict:
    """The results as metadata.json keeps them (with commands_exact when the commands were measured)."""
    evaluation = {key: {"all": v["all"], "groups": v["groups"]} for key, v in results.items()}
    exact = {name: f"{results[key]['exact']}/{results[key]['all']['files']}"
             for name, key in EXACT_COUNTS.items() if key in results}
    if exact:
        evaluation["commands_exact"] = exact
    return evaluation


def write_metadata(model: Path, results: dict) -> None:
    """Store the results under ``evaluation`` in the model's metadata.json (other keys kept)."""
    path = model / "metadata.json"
    metadata = json.loads(path.read_text())
    metadata.setdefault("evaluation", {}).update(metadata_evaluation(results))
    path.write_text(json.dumps(metadata, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build the evaluation sets not built yet")
    build_parser.add_argument("modality", choices=("speech", "ink"))
    build_parser.add_argument("--data", type=Path, default=Path("data"))
    run_parser = commands.add_parser("run", help="score a model directory on its modality's measures")
    run_parser.add_argument("model", type=Path)
    run_parser.add_argument("--data", type=Path, default=Path("data"))
    run_parser.add_argument("--out", type=Path, required=True, help="folder of evaluation.json")
    run_parser.add_argument("--only", nargs="+", metavar="MEASURE", help="these measures only")
    run_parser.add_argument("--compare", type=Path, metavar="MODEL", help="print this model's figures beside")
    run_parser.add_argument("--write-metadata", action="store_true", help="store the results in metadata.json")
    args = parser.parse_args(argv)
    if args.command == "build":
        return 1 if build(args.modality, args.data)[1] else 0
    try:
        baseline = json.loads((args.compare / "metadata.json").read_text()).get("evaluation", {}) \
            if args.compare else None
        results, failed = run(str(args.model), args.data, args.out, args.only)
    except (OSError, ValueError) as error:  # not a model directory, an unknown measure
        parser.error(str(error).splitlines()[0])
    print(comparison_table(results, baseline), end="")
    if args.write_metadata:
        write_metadata(args.model, results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
