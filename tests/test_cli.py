"""The command line in a subprocess, as a user runs it."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.test_model_dir import make_model_dir


def run_cli(*args, stdin: bytes = b""):
    result = subprocess.run([sys.executable, "-m", "recognizer.transcribe", *map(str, args)],
                            capture_output=True, input=stdin, cwd=ROOT, timeout=300)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(), result.stderr.decode())


# The bundled model's measured character error rate on samples/ (see README), with a margin:
# this guards against a broken model or front-end, not against small changes in quality.
SAMPLES_CER_BOUND = 0.30


def test_bundled_model_text_and_json(sample_rows):
    import jiwer

    paths = [p for p, _ in sample_rows]
    text = run_cli(*paths)
    assert text.returncode == 0, text.stderr
    hypotheses = text.stdout.splitlines()
    assert len(hypotheses) == len(paths)
    assert jiwer.cer([t for _, t in sample_rows], hypotheses) <= SAMPLES_CER_BOUND

    result = run_cli("--format", "json", "--beam-width", "8", paths[0])
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    item = json.loads(line)
    assert item["file"] == str(paths[0]) and jiwer.cer(sample_rows[0][1], item["text"]) <= SAMPLES_CER_BOUND
    assert item["duration"] > 1.0
    words = item["words"]
    assert [w["word"] for w in words] == item["text"].split()
    assert all(set(w) == {"word", "start", "end", "confidence"} for w in words)
    assert all(0 <= w["start"] < w["end"] <= item["duration"] for w in words)
    assert all(a["end"] <= b["start"] + 1e-6 for a, b in zip(words, words[1:]))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    directory, _ = make_model_dir(tmp_path_factory.mktemp("models") / "tiny")
    return directory


def test_bad_files_fail_alone(tmp_path, tiny_model, sample_rows):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"definitely not a RIFF file\n" * 20)
    good = sample_rows[1][0]
    result = run_cli("--model", tiny_model, "--format", "json", tmp_path / "missing.wav", empty, junk, good)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3, result.stderr
    assert "Traceback" not in result.stderr
    for line, name, problem in zip(errors, ["missing.wav", "empty.wav", "junk.wav"],
                                   ["file not found", "empty file", "not a readable audio file"]):
        assert line.startswith("error: ") and name in line and problem in line
    (out,) = result.stdout.splitlines()
    assert json.loads(out)["file"] == str(good)


@pytest.mark.parametrize("fmt", ["json", "vtt"])
def test_output_dir_writes_one_file_per_input(tmp_path, tiny_model, sample_rows, fmt):
    out_dir = tmp_path / "out"
    result = run_cli("--model", tiny_model, "--format", fmt, "--output-dir", out_dir,
                     sample_rows[0][0], sample_rows[1][0])
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    files = sorted(out_dir.iterdir())
    assert [f.name for f in files] == sorted(p.stem + "." + fmt for p, _ in sample_rows[:2])
    content = files[0].read_text()
    if fmt == "json":
        assert json.loads(content)["file"].endswith(files[0].stem + ".wav")
    else:
        assert content.startswith("WEBVTT\n\n")


def test_missing_model_is_one_line_per_file():
    result = run_cli("--model", "/nonexistent/model", "x.wav", "y.wav")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all("model not found" in line for line in lines)
    assert lines[0].startswith("error: x.wav: model /nonexistent/model")


def test_ink_file_with_speech_model_is_refused(tmp_path, tiny_model, sample_rows):
    ink = tmp_path / "line.json"
    ink.write_text('{"text": "hi", "strokes": [[[0, 1, 2], [0, 1, 0]]]}')
    result = run_cli("--model", tiny_model, ink, sample_rows[1][0])
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {ink}: is an ink file but the model reads speech"
    assert len(result.stdout.splitlines()) == 1


def test_language_model_and_hot_words_options(tmp_path, tiny_model, sample_rows):
    from recognizer.lm import NGramLM

    arpa = tmp_path / "lm.arpa"
    NGramLM.train(["turn on the lights", "what is the weather like today"]).save_arpa(arpa)
    result = run_cli("--model", tiny_model, "--lm", arpa, "--hot-words", "lights:5,weather",
                     "--beam-width", "4", "--format", "json", sample_rows[1][0])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["duration"] > 0

    missing = run_cli("--model", tiny_model, "--lm", tmp_path / "missing.arpa", sample_rows[1][0])
    assert missing.returncode == 1 and "missing.arpa" in missing.stderr
    bad = run_cli("--model", tiny_model, "--hot-words", "x:y", sample_rows[1][0])
    assert bad.returncode == 2 and "error: --hot-words" in bad.stderr


def test_input_list_batch_resumes_and_summarises(tmp_path, tiny_model, sample_rows):
    listing = tmp_path / "files.txt"
    good = [str(p) for p, _ in sample_rows[:2]]
    listing.write_text("# inputs\n" + "\n".join(good + [str(tmp_path / "gone.wav"), ""]) + "\n")
    out_dir = tmp_path / "out"
    first = run_cli("--model", tiny_model, "--input-list", listing, "--output-dir", out_dir, "--format", "json")
    assert first.returncode == 1
    assert "error: " + str(tmp_path / "gone.wav") + ": file not found" in first.stderr
    assert "summary: 3 files: 2 done, 1 failed, 0 skipped (output exists)" in first.stderr
    assert "progress: 3/3" in first.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.stem + ".json" for p, _ in sample_rows[:2])

    again = run_cli("--model", tiny_model, "--input-list", listing, "--output-dir", out_dir, "--format", "json")
    assert "summary: 3 files: 0 done, 1 failed, 2 skipped (output exists)" in again.stderr


def test_no_inputs_is_a_usage_error():
    result = run_cli()
    assert result.returncode == 2 and "no input files" in result.stderr


def test_phrases_make_closed_set_commands(tmp_path, sample_rows):
    from pipelines.text_corpus import COMMAND_OBJECTS, COMMAND_VERBS

    phrases = tmp_path / "commands.txt"
    commands = [f"{v} {o}" for v in COMMAND_VERBS for o in COMMAND_OBJECTS]
    phrases.write_text("# allowed commands\n" + "\n".join(commands + [sample_rows[1][1]]) + "\n")
    result = run_cli("--phrases", phrases, "--format", "json", sample_rows[1][0])
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["text"] == sample_rows[1][1] == "turn on the lights"
    assert [w["word"] for w in item["words"]] == ["turn", "on", "the", "lights"]
    assert all(0 <= w["start"] < w["end"] <= item["duration"] for w in item["words"])

    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    refused = run_cli("--phrases", empty, sample_rows[1][0])
    assert refused.returncode == 2 and "no phrase" in refused.stderr and not refused.stdout
    symbols = tmp_path / "symbols.txt"
    symbols.write_text("%%%\n")
    bad = run_cli("--phrases", symbols, sample_rows[1][0])
    assert bad.returncode == 1 and "has no character" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_dash_reads_audio_or_ink_from_standard_input(tiny_model, sample_rows):
    wav = sample_rows[0][0]
    from_file = run_cli("--model", tiny_model, "--format", "json", wav)
    piped = run_cli("--model", tiny_model, "--format", "json", "-", stdin=wav.read_bytes())
    assert piped.returncode == 0, piped.stderr
    (item,) = map(json.loads, piped.stdout.splitlines())
    assert item["file"] == "-" and item == {**json.loads(from_file.stdout), "file": "-"}

    ink = run_cli("--format", "json", "-", stdin=(ROOT / "samples" / "call_me.json").read_bytes())
    assert ink.returncode == 0, ink.stderr
    assert "start_stroke" in json.loads(ink.stdout)["words"][0]

    twice = run_cli("--model", tiny_model, "-", wav, "-", stdin=wav.read_bytes())
    assert twice.returncode == 1 and len(twice.stdout.splitlines()) == 2
    assert twice.stderr.strip() == "error: -: standard input can be read only once"
    empty = run_cli("--model", tiny_model, "-", wav)
    assert empty.returncode == 1 and len(empty.stdout.splitlines()) == 1
    assert empty.stderr.strip() == "error: -: empty standard input"
