"""Standard input as an input file: the suffix from the content, read once, clear errors."""

import io

import pytest

from recognizer.stdin_input import StandardInput, suffix_for
from tests.conftest import ROOT


@pytest.mark.parametrize("head, suffix", [
    (b"<?xml version='1.0'?><ink>", ".xml"), (b"\xef\xbb\xbf\n  <WhiteboardCaptureSession>", ".xml"),
    (b'{"strokes": []}', ".json"), (b"  [[[1, 2]]]", ".json"), (b"RIFF\x24\x00\x00\x00WAVE", ".audio"),
    (b"fLaC\x00", ".audio"), (b"ID3\x04", ".audio"), (b"", ".audio")])
def test_suffix_follows_the_content(head, suffix):
    assert suffix_for(head) == suffix


def test_read_once_into_a_file_that_close_removes():
    wav = (ROOT / "samples" / "hello_slt.wav").read_bytes()
    standard_input = StandardInput(io.BytesIO(wav))
    path = standard_input.path()
    assert path.suffix == ".audio" and path.read_bytes() == wav
    with pytest.raises(ValueError, match="only once"):
        standard_input.path()
    standard_input.close()
    assert not path.exists()


@pytest.mark.parametrize("stream, problem", [(io.BytesIO(b""), "empty standard input"), (None, "terminal or closed")])
def test_nothing_to_read_is_a_one_line_error(stream, problem):
    with StandardInput(stream) as standard_input, pytest.raises(ValueError, match=problem):
        standard_input.path()


def test_output_file_of_standard_input_is_named_stdin(tmp_path):
    from recognizer.transcribe import output_path

    assert output_path(tmp_path, "-", "json") == tmp_path / "stdin.json"
    assert output_path(tmp_path, "talk.wav", "srt") == tmp_path / "talk.srt"
