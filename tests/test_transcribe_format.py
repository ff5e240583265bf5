import json

import pytest

from recognizer.recognizer import Transcription, WordTiming
from recognizer.transcribe import build_parser, format_result, parse_hot_words

RESULT = Transcription("turn on the lights", 2.5, [
    WordTiming("turn", 0.12, 0.36, 0.9), WordTiming("on", 0.42, 0.54, 0.8),
    WordTiming("the", 0.6, 0.72, 0.95), WordTiming("lights", 0.78, 1.25, 0.7)])


def test_text_and_json():
    assert format_result("a.wav", RESULT, "text") == "turn on the lights\n"
    item = json.loads(format_result("a.wav", RESULT, "json"))
    assert item["file"] == "a.wav" and item["duration"] == 2.5
    assert item["words"][3] == {"word": "lights", "start": 0.78, "end": 1.25, "confidence": 0.7}


def test_srt_and_vtt_cues():
    assert format_result("a.wav", RESULT, "srt") == "1\n00:00:00,120 --> 00:00:01,250\nturn on the lights\n\n"
    assert format_result("a.wav", RESULT, "vtt") == "WEBVTT\n\n00:00:00.120 --> 00:00:01.250\nturn on the lights\n\n"


def test_long_transcripts_split_into_cues():
    words = [WordTiming(f"w{i}", i * 1.0, i * 1.0 + 0.5, 1.0) for i in range(20)]
    srt = format_result("a.wav", Transcription(" ".join(w.word for w in words), 3725.0, words), "srt")
    assert srt.count("-->") == 3 and srt.startswith("1\n00:00:00,000 --> 00:00:07,500\n")


def test_parser_defaults():
    args = build_parser().parse_args(["x.wav"])
    assert (args.model, args.fmt, args.beam_width, args.output_dir, args.lm) == (None, "text", None, None, "auto")


def test_parse_hot_words():
    assert parse_hot_words("alice:4, bob,,") == {"alice": 4.0, "bob": 3.0}
    assert parse_hot_words("") == {}
    with pytest.raises(ValueError):
        parse_hot_words("carol:lots")


def test_subtitles_of_ink_are_refused_clearly():
    from recognizer.recognizer import InkWordSpan

    ink = Transcription("Hi", None, [InkWordSpan("Hi", 0, 0, 1, 5, 0.9)])
    assert json.loads(format_result("a.inkml", ink, "json"))["words"][0]["end_point"] == 5
    with pytest.raises(ValueError, match="handwriting has none"):
        format_result("a.inkml", ink, "srt")
