"""Side-by-side comparison: every system scored on the same files, one table."""

import sys

import pytest

from pipelines.compare import PocketSphinx, compare, comparison_markdown, main
from pipelines.data import read_manifest
from tests.conftest import SAMPLES


class Echo:
    """A fake recognizer that answers with the transcript of a chosen file, whatever it hears."""

    def __init__(self, name, answers):
        self.name, self.answers = name, answers

    def __call__(self, source):
        return self.answers.get(str(source), "")


def test_compare_scores_each_system_on_the_same_files():
    utterances = read_manifest(SAMPLES / "transcripts.csv")
    perfect = Echo("perfect", {u.path: u.transcript for u in utterances})
    silent = Echo("silent", {})
    results = compare([perfect, silent], utterances, progress=None)
    assert results["perfect"]["overall"]["wer"] == 0 and results["silent"]["overall"]["wer"] == 1
    assert results["perfect"]["overall"]["files"] == len(utterances)
    assert results["perfect"]["rtf"] >= 0
    table = comparison_markdown(results)
    assert "| group | perfect | silent |" in table
    assert "**0.0 / 0.0**" in table and "**100.0 / 100.0**" in table
    assert table.count("\n| ") == len({u.group for u in utterances}) + 3  # header, groups, all, RTF


def test_noise_reaches_every_system_alike():
    utterances = read_manifest(SAMPLES / "transcripts.csv")[:1]
    heard = []

    class Recorder(Echo):
        def __call__(self, source):
            heard.append(source)
            return ""

    compare([Recorder("a", {}), Recorder("b", {})], utterances, noise_snr=10, progress=None)
    assert len(heard) == 2 and (heard[0] == heard[1]).all()


def test_pocketsphinx_transcribes_a_sample():
    text = PocketSphinx()(str(SAMPLES / "hello_slt.wav"))
    assert "hello" in text and "test" in text


def test_pocketsphinx_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)
    with pytest.raises(RuntimeError, match="pip install pocketsphinx"):
        PocketSphinx()


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "missing.csv"), "--systems", "pocketsphinx"]) == 2
    assert main([str(SAMPLES / "transcripts.csv"), "--systems", "whisper"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("error: ") for e in errors)
    assert "whisper" in errors[1]


def test_cli_writes_the_table(tmp_path, capsys):
    out = tmp_path / "cmp.md"
    assert main([str(SAMPLES / "transcripts.csv"), "--systems", "ours,pocketsphinx", "--limit", "2",
                 "--out", str(out)]) == 0
    table = out.read_text()
    assert "speech-en" in table and "PocketSphinx" in table and "2 files" in table
    assert table in capsys.readouterr().out


def test_an_unreadable_file_is_left_out_of_rates_and_rtf(tmp_path):
    from pipelines.data import Utterance

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    utterances = [Utterance(str(bad), "x", "g"), *read_manifest(SAMPLES / "transcripts.csv")[:1]]

    def reads(source):
        from recognizer.audio import load_audio

        load_audio(source)
        return utterances[1].transcript

    reads.name = "reads"
    result = compare([reads], utterances, progress=None)["reads"]
    assert result["failed"] == [str(bad)] and result["overall"]["files"] == 1 and result["rtf"] > 0
