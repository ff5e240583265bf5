import csv

import numpy as np

from pipelines.evaluate import (aligned, evaluate, markdown_table, noisy, worst_files, worst_files_markdown,
                                write_report)
from tests.conftest import SAMPLES
from tests.test_model_dir import make_model_dir


def test_noisy_is_seeded_and_at_the_asked_snr():
    path = str(SAMPLES / "lights_kal16.wav")
    from recognizer.audio import load_audio

    clean = load_audio(path)
    a, b = noisy(path, 15, seed=0), noisy(path, 15, seed=0)
    assert np.array_equal(a, b)
    snr = 10 * np.log10(np.mean(clean ** 2) / np.mean((a - clean) ** 2))
    assert abs(snr - 15) < 0.5


def test_evaluate_reports_per_group(tmp_path):
    model = make_model_dir(tmp_path / "m")[0]
    result = evaluate(str(model), [str(SAMPLES / "transcripts.csv")], lm=None, noise_snr=20, progress=None)
    assert result["overall"]["files"] == 4 and set(result["groups"]) == {
        "flite:slt", "flite:kal16", "espeak:en-us+m3", "espeak:en-gb+f2"}
    assert all(0 <= r["wer"] for r in result["rows"])
    report = write_report(result, tmp_path / "report", worst=2)
    rows = list(csv.DictReader((tmp_path / "report" / "per_group.csv").open()))
    assert rows[-1]["group"] == "all" and rows[-1]["files"] == "4"
    assert markdown_table(result).splitlines()[0] == "| group | files | WER | CER |"

    # report.md: the table, the decoder settings and links to the plot and the other files
    text = report.read_text()
    assert report.name == "report.md" and text.startswith("# Evaluation report")
    assert markdown_table(result) in text and "greedy decoding, white noise at 20 dB SNR" in text
    for link in ("(error_rates.png)", "(worst_files.md)", "(per_file.csv)", "(per_group.csv)"):
        assert link in text
    assert (tmp_path / "report" / "error_rates.png").read_bytes()[:4] == b"\x89PNG"
    worst = (tmp_path / "report" / "worst_files.md").read_text()
    assert worst.count("REF: ") == 2 and worst.count("HYP: ") == 2  # an untrained model errs on every file


def test_worst_files_are_sorted_and_aligned():
    rows = [{"file": "/d/a.wav", "group": "g", "reference": "turn on the lights", "hypothesis": "turn the light",
             "wer": 0.5, "cer": 0.2},
            {"file": "/d/b.wav", "group": "g", "reference": "hello", "hypothesis": "hello", "wer": 0.0, "cer": 0.0},
            {"file": "/d/c.wav", "group": "h", "reference": "good morning", "hypothesis": "",
             "wer": 1.0, "cer": 1.0},
            {"file": "/d/d.wav", "group": "h", "reference": "", "hypothesis": "noise", "wer": 0.0, "cer": 0.0}]
    result = {"rows": rows}
    assert [r["file"] for r in worst_files(result)] == ["/d/c.wav", "/d/a.wav"]
    assert aligned("turn on the lights", "turn the light").splitlines() == [
        "REF: turn on the lights", "HYP: turn ** the  light", "           D          S"]
    text = worst_files_markdown(result, count=1)
    assert text.startswith("# The 1 files") and "## 1. `c.wav`" in text and "a.wav" not in text
    assert "REF: good morning" in text and "WER 100.0 %" in text
    assert "without an error" in worst_files_markdown({"rows": rows[1:2]})


def test_worst_files_show_paths_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    row = {"file": str(tmp_path / "corpus" / "a.wav"), "group": "g", "reference": "a b", "hypothesis": "a",
           "wer": 0.5, "cer": 0.5}
    assert "file `corpus/a.wav`" in worst_files_markdown({"rows": [row]})


def test_evaluate_closed_set_answers_only_allowed_phrases(tmp_path):
    from pipelines.evaluate import report_markdown

    model = make_model_dir(tmp_path / "m")[0]
    phrases = ["turn on the lights", "what is the weather like today", "call mom"]
    result = evaluate(str(model), [str(SAMPLES / "transcripts.csv")], lm=None, progress=None, phrases=phrases)
    assert all(r["hypothesis"] in phrases for r in result["rows"])
    assert "closed-set (3 allowed phrases) decoding" in report_markdown(result, worst=1)


def test_a_bad_file_is_reported_and_left_out(tmp_path, capsys):
    from pipelines.data import Utterance
    from pipelines.evaluate import score

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    good = Utterance(str(SAMPLES / "lights_kal16.wav"), "turn on the lights", "g")
    result = score(lambda source: "turn on the lights" if "lights" in str(source) else _load(source),
                   [Utterance(str(bad), "x", "g"), good], str.lower, progress=None)
    assert result["failed"] == [str(bad)] and result["overall"] == {"files": 1, "wer": 0.0, "cer": 0.0}
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {bad}: ")


def _load(source):
    from recognizer.audio import load_audio

    load_audio(source)
    return ""
