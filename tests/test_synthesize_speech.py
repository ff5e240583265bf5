import random

import numpy as np
import pytest

from pipelines.data import read_manifest
from pipelines.synthesize_speech import HELD_OUT, Voice, all_voices, build_corpus, synthesize
from pipelines.text_corpus import build_texts, command_phrases
from recognizer.vocab import Vocabulary


def test_held_out_voices_are_whole_voices():
    voices = all_voices()
    held = [v for v in voices if v.held_out]
    assert held and len(held) < len(voices) / 2
    assert all(v.engine != "festival" for v in voices)
    assert Voice("flite", HELD_OUT["flite_voices"][0]).held_out
    assert Voice("espeak", f"en-us+{HELD_OUT['espeak_variants'][0]}").held_out
    assert not Voice("espeak", "en-us+m1").held_out


@pytest.mark.parametrize("voice", [Voice("espeak", "en-gb+f2"), Voice("flite", "kal")])
def test_synthesize_gives_16k_float_speech(voice):
    audio = synthesize(voice, "hello there", random.Random(0))
    assert audio.dtype == np.float32 and 0.3 < audio.size / 16000 < 3.0
    assert np.abs(audio).max() > 0.05


def test_texts_are_normalised_and_seeded():
    normalize = Vocabulary().normalize
    a = build_texts(normalize, 200, seed=1)
    assert a == build_texts(normalize, 200, seed=1) and a != build_texts(normalize, 200, seed=2)
    assert all(t == normalize(t) and t for t in a)
    assert all(2 <= len(p.split()) <= 3 for p in command_phrases(random.Random(0), 20))


def test_build_corpus_writes_manifests(tmp_path):
    manifests = build_corpus(tmp_path, count=6, valid_count=2, seed=3, workers=1)
    train = read_manifest(manifests["train"])
    held = read_manifest(manifests["valid_heldout"])
    assert len(train) == 6 and len(held) == 2
    assert all(not Voice(*u.group.split(":", 1)).held_out for u in train)
    assert all(Voice(*u.group.split(":", 1)).held_out for u in held)
    header = manifests["train"].read_text().splitlines()[0]
    assert header.startswith("wav_filename,wav_filesize,transcript")


def test_speak_all_makes_an_evaluation_set(tmp_path):
    from pipelines.synthesize_speech import parse_voice, speak_all

    voices = [parse_voice("flite:slt"), parse_voice("espeak:en-us+f2")]
    manifest = speak_all(["Call mom.", "stop the timer"], voices, tmp_path, "mini", workers=1)
    rows = read_manifest(manifest)
    assert [(u.transcript, u.group) for u in rows] == [
        ("call mom", "flite:slt"), ("stop the timer", "flite:slt"),
        ("call mom", "espeak:en-us+f2"), ("stop the timer", "espeak:en-us+f2")]
    with pytest.raises(ValueError):
        parse_voice("festival:kal")
