"""Command line: ``python -m recognizer.transcribe FILE... [--format text|json|srt|vtt]``.

Audio and ink files may be mixed; each model is loaded once for all files.  A file that
fails prints one line on stderr (``error: FILE: problem``), the others are still
transcribed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from recognizer.frontend import modality_of_path
from recognizer.recognizer import DEFAULT_MODELS, Recognizer, Transcription
from recognizer.runners import RUNNERS
from recognizer.stdin_input import STDIN, StandardInput

FORMATS = ("text", "json", "srt", "vtt")


def _timestamp(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cues(result: Transcription, max_words: int = 8) -> list[tuple[float, float, str]]:
    """Subtitle cues of up to ``max_words`` words each."""
    words = result.words
    return [(words[i].start, words[min(i + max_words, len(words)) - 1].end,
             " ".join(w.word for w in words[i:i + max_words])) for i in range(0, len(words), max_words)]


def format_result(name: str, result: Transcription, fmt: str) -> str:
    """Render one transcription in ``fmt`` (text, json, srt or vtt), newline-terminated."""
    if fmt == "text":
        return result.text + "\n"
    if fmt == "json":
        return json.dumps({"file": name, **result.to_dict()}) + "\n"
    if fmt in ("srt", "vtt") and result.duration is None:
        raise ValueError(f"--format {fmt} needs timed words, and handwriting has none (use text or json)")
    if fmt == "srt":
        return "".join(f"{i}\n{_timestamp(s, ',')} --> {_timestamp(e, ',')}\n{text}\n\n"
                       for i, (s, e, text) in enumerate(_cues(result), 1))
    if fmt == "vtt":
        return "WEBVTT\n\n" + "".join(f"{_timestamp(s, '.')} --> {_timestamp(e, '.')}\n{text}\n\n"
                                      for s, e, text in _cues(result))
    raise ValueError(f"unknown format {fmt!r}")


def output_path(output_dir: Path, source: str, fmt: str) -> Path:
    suffix = {"text": ".txt", "json": ".json", "srt": ".srt", "vtt": ".vtt"}[fmt]
    return output_dir / (("stdin" if source == STDIN else Path(source).stem) + suffix)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


class ModelCache:
    """Loads each model once, on first use; a model that fails to load fails every file using it."""

    def __init__(self, lm: str | None = "auto", runner: str = "auto"):
        self.loaded: dict = {}
        self.lm = lm
        self.runner = runner

    def get(self, name: str) -> Recognizer:
        if name not in self.loaded:
            try:
                self.loaded[name] = Recognizer.load(name, lm=self.lm, runner=self.runner)
            except Exception as error:
                self.loaded[name] = RuntimeError(f"model {name}: {_one_line(error)}")
                self.loaded[name].__cause__ = error
        result = self.loaded[name]
        if isinstance(result, Exception):
            raise result
        return result


@dataclass(frozen=True)
class BatchOptions:
    """What to run and where to put it (see ``--help`` for each option)."""

    model: str | tuple[str, ...] | None = None  # None: the bundled model for each file's type;
    # several: each file goes to the one that reads its type (speech or ink)
    fmt: str = "text"
    output_dir: Path | None = None
    beam_width: int | None = None
    lm: str | None = "auto"
    hot_words: dict = field(default_factory=dict)
    debug: bool = False
    progress: bool = False  # progress lines and a summary on stderr
    runner: str = "auto"  # keras, saved_model, tflite or auto (tflite when exported)
    phrases: tuple[str, ...] = ()  # closed-set decoding: the text is one of these


@dataclass
class BatchSummary:
    done: int = 0
    failed: int = 0
    skipped: int = 0  # output already there (a rerun resumes where it stopped)

    def __str__(self) -> str:
        return f"{self.done + self.failed + self.skipped} files: {self.done} done, {self.failed} failed, " \
               f"{self.skipped} skipped (output exists)"


@functools.lru_cache(maxsize=None)
def _modality_of_model(name: str) -> str:
    from recognizer.model_dir import read_spec

    return read_spec(name).modality


def _model_for(modality: str, model) -> str:
    """The model (name or path) that reads ``modality`` among those given with --model."""
    if not model:
        return DEFAULT_MODELS[modality]
    if isinstance(model, str) or len(model) == 1:
        return model if isinstance(model, str) else model[0]
    for candidate in model:
        if _modality_of_model(candidate) == modality:
            return candidate
    raise ValueError(f"none of the models given reads {modality}")


def _transcribe_one(name: str, models: ModelCache, options: BatchOptions, standard_input: StandardInput) -> str:
    source = standard_input.path() if name == STDIN else name
    modality = modality_of_path(source)
    recognizer = models.get(_model_for(modality, options.model))
    if recognizer.modality != modality:
        raise ValueError(f"is a{'n' if modality == 'ink' else ''} {modality} file but the model "
                         f"reads {recognizer.modality}")
    result = recognizer.transcribe(source, beam_width=options.beam_width, hot_words=options.hot_words or None,
                                   phrases=options.phrases or None)
    return format_result(name, result, options.fmt)


def transcribe_files(files: list[str], options: BatchOptions = BatchOptions(), out=sys.stdout,
                     err=sys.stderr, stdin=None) -> BatchSummary:
    """Transcribe ``files`` (audio and ink may be mixed), loading each model once.

    A failing file prints ``error: FILE: problem`` and the others go on.  With an output
    folder, files whose output already exists are skipped, so an interrupted batch resumes.
    ``-`` is what is piped into ``stdin`` (binary; default: the process's standard input).
    """
    models, summary, written = ModelCache(options.lm, options.runner), BatchSummary(), {}
    if options.output_dir is not None:
        options.output_dir.mkdir(parents=True, exist_ok=True)
    started, every = time.monotonic(), max(1, min(100, len(files) // 20))
    with StandardInput(stdin if stdin is not None else getattr(sys.stdin, "buffer", None)) as standard_input:
        for i, name in enumerate(files, 1):
            outcome = _process(name, models, options, written, out, err, standard_input)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            if options.progress and (i % every == 0 or i == len(files)):
                rate = i / max(time.monotonic() - started, 1e-9)
                print(f"progress: {i}/{len(files)} ({rate:.1f} files/s, about {(len(files) - i) / rate:.0f} s "
                      f"left)", file=err, flush=True)
    if options.progress:
        print(f"summary: {summary}", file=err, flush=True)
    return summary


def _process(name: str, models: ModelCache, options: BatchOptions, written: dict, out, err,
             standard_input: StandardInput) -> str:
    """Transcribe one input and write its output; returns "done", "failed" or "skipped"."""
    target = output_path(options.output_dir, name, options.fmt) if options.output_dir else None
    try:
        if target is not None and target in written:
            raise ValueError(f"its output {target.name} would overwrite that of {written[target]}")
        if target is not None and target.exists():
            written[target] = name
            return "skipped"
        rendered = _transcribe_one(name, models, options, standard_input)
    except Exception as error:
        if options.debug:
            traceback.print_exception(error.__cause__ or error, file=err)
        print(f"error: {name}: {_one_line(error)}", file=err, flush=True)
        return "failed"
    if target is None:
        out.write(rendered)
        out.flush()
    else:
        written[target] = name
        tmp = target.with_name(target.name + ".part")
        tmp.write_text(rendered)
        tmp.replace(target)
    return "done"


def read_input_list(path: Path) -> list[str]:
    """The lines of a list file (input paths, phrases); blank lines and lines starting with # are ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def parse_hot_words(text: str, default_boost: float = 3.0) -> dict[str, float]:
    """``"alice:4,bob"`` -> ``{"alice": 4.0, "bob": 3.0}``."""
    words = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        word, _, boost = item.partition(":")
        words[word.strip()] = float(boost) if boost else default_boost
    return words


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recognizer-transcribe",
                                     description="Transcribe speech (audio files) and handwriting (ink files).")
    parser.add_argument("files", nargs="*", help="audio files (wav, flac, ogg, mp3, ...) or ink files "
                                                 "(.inkml, IAM-OnDB .xml, .json); - reads one from standard input")
    parser.add_argument("--input-list", type=Path, help="a text file with one input path per line")
    parser.add_argument("--model", action="append",
                        help=f"bundled model name, model directory or .keras file (default: {DEFAULT_MODELS['speech']} "
                             f"for audio, {DEFAULT_MODELS['ink']} for ink); give it twice, a speech and an ink "
                             f"model, to transcribe a mixed batch")
    parser.add_argument("--format", choices=FORMATS, default="text", dest="fmt")
    parser.add_argument("--output-dir", type=Path, help="write one output file per input here; inputs whose "
                                                        "output exists are skipped, so a rerun resumes")
    parser.add_argument("--beam-width", type=int,
                        help="1 = greedy; default: the model's setting (greedy unless it ships a language model)")
    parser.add_argument("--lm", default="auto",
                        help="ARPA language model file, 'none' to decode without one, or 'auto' (default): "
                             "the model's own lm.arpa if it has one")
    parser.add_argument("--hot-words", default="",
                        help="comma-separated words to favour, each optionally with a boost: 'alice:4,bob'")
    parser.add_argument("--phrases", type=Path,
                        help="a text file of allowed phrases, one per line (e.g. voice commands): each input "
                             "is transcribed as the most probable of them")
    parser.add_argument("--runner", choices=RUNNERS, default="auto",
                        help="inference runtime: TFLite through LiteRT (fast start, no TensorFlow), Keras or "
                             "the exported SavedModel; default auto: tflite when the model directory has "
                             "an up-to-date model.tflite, else keras")
    parser.add_argument("--debug", action="store_true", help="print tracebacks for failures")
    return parser


def cli(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.beam_width is not None and args.beam_width < 1:
        parser.error("--beam-width must be >= 1")
    try:
        hot_words = parse_hot_words(args.hot_words)
    except ValueError as error:
        parser.error(f"--hot-words: {error}")
    files = list(args.files)
    def list_file(option: str, path: Path) -> list[str]:
        try:
            return read_input_list(path)
        except (OSError, UnicodeDecodeError) as error:
            parser.error(f"{option} {path}: {_one_line(error)}")

    if args.input_list is not None:
        files += list_file("--input-list", args.input_list)
    if not files:
        parser.error("no input files (give FILE... or --input-list)")
    phrases = ()
    if args.phrases is not None:
        phrases = tuple(list_file("--phrases", args.phrases))
        if not phrases:
            parser.error(f"--phrases {args.phrases}: no phrase in the file")
    batch = args.input_list is not None or args.output_dir is not None
    model = tuple(args.model) if args.model and len(args.model) > 1 else (args.model or [None])[0]
    options = BatchOptions(model, args.fmt, args.output_dir, args.beam_width,
                           None if args.lm.lower() == "none" else args.lm, hot_words, args.debug, batch,
                           args.runner, phrases)
    summary = transcribe_files(files, options)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(cli())
