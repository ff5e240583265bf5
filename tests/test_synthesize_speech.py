import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipelines.data import read_manifest
from pipelines.synthesize_speech import (
    EARLIER_CORPORA_EXCLUDE,
    ENGINES,
    HELD_OUT,
    Voice,
    all_voices,
    build_corpus,
    main,
    parse_voice,
    synthesize,
)
from pipelines.text_corpus import COMMAND_OBJECTS, COMMAND_VERBS, split_texts
from recognizer.audio import load_audio
from recognizer.vocab import Vocabulary


def test_held_out_voices_are_whole_voices():
    voices = all_voices()
    held = [v for v in voices if v.held_out]
    assert held and len(held) < len(voices) / 2
    assert all(v.engine != "festival" for v in voices)
    for engine in ("flite", "pico", "rhvoice", "mbrola"):
        assert Voice(engine, HELD_OUT[engine][0]).held_out
        assert any(v.engine == engine and not v.held_out for v in voices)
    assert Voice("espeak", f"en-us+{HELD_OUT['espeak_variants'][0]}").held_out
    assert not Voice("espeak", "en-us+m1").held_out


def test_engines_choose_the_voices():
    old = all_voices(("espeak", "flite"))
    assert {v.engine for v in old} == {"espeak", "flite"}
    assert {v.engine for v in all_voices()} == set(ENGINES)
    assert [v for v in all_voices() if v.engine in ("espeak", "flite")] == old


@pytest.mark.parametrize("voice", [Voice("espeak", "en-gb+f2"), Voice("flite", "kal"), Voice("pico", "en-GB"),
                                   Voice("rhvoice", "alan"), Voice("rhvoice", "lyubov"),
                                   Voice("rhvoice", "evgeniy-eng"), Voice("mbrola", "us1"), Voice("mbrola", "de1-en"),
                                   Voice("mbrola", "pl1-en")])
def test_synthesize_gives_16k_float_speech(voice):
    audio = synthesize(voice, "hello there", random.Random(0))
    assert audio.dtype == np.float32 and 0.3 < audio.size / 16000 < 3.0
    assert np.abs(audio).max() > 0.05


def test_texts_are_normalised_and_seeded():
    normalize = Vocabulary().normalize
    a = split_texts(normalize, {"train": 200}, seed=1)["train"]
    assert a == split_texts(normalize, {"train": 200}, seed=1)["train"]
    assert a != split_texts(normalize, {"train": 200}, seed=2)["train"]
    assert all(t == normalize(t) and t for t in a)


def test_held_back_texts_do_not_depend_on_training_size_and_include_commands():
    normalize = Vocabulary().normalize
    small = split_texts(normalize, {"train": 100, "valid": 40}, seed=0, held_back=("valid",))
    large = split_texts(normalize, {"train": 400, "valid": 40}, seed=0, held_back=("valid",))
    assert small["valid"] == large["valid"]
    commands = {f"{v} {o}" for v in COMMAND_VERBS for o in COMMAND_OBJECTS}
    assert len(set(large["valid"]) - commands) == 38  # 5 % commands
    assert not (set(large["valid"]) - commands) & set(large["train"])
    for split in large.values():
        assert sum(t in commands for t in split) >= 2
    with pytest.raises(ValueError, match="distinct sentences"):
        split_texts(normalize, {"train": 10**6}, seed=0)


def test_build_corpus_writes_manifests(tmp_path):
    manifests = build_corpus(tmp_path, count=6, valid_count=2, seed=3, workers=1)
    train = read_manifest(manifests["train"])
    held = read_manifest(manifests["valid_heldout"])
    assert len(train) == 6 and len(held) == 2
    assert all(not Voice(*u.group.split(":", 1)).held_out for u in train)
    assert all(Voice(*u.group.split(":", 1)).held_out for u in held)
    header = manifests["train"].read_text().splitlines()[0]
    assert header.startswith("wav_filename,wav_filesize,transcript")


def test_render_seed_speaks_the_same_sentences_anew(tmp_path):
    first = build_corpus(tmp_path / "a", count=8, valid_count=2, seed=3, workers=1)
    again = build_corpus(tmp_path / "b", count=8, valid_count=2, seed=3, workers=1, render_seed=7)
    for split in first:
        old, new = read_manifest(first[split]), read_manifest(again[split])
        assert [u.transcript for u in old] == [u.transcript for u in new]
    old, new = read_manifest(first["train"]), read_manifest(again["train"])
    assert [u.group for u in old] != [u.group for u in new]
    same = build_corpus(tmp_path / "c", count=8, valid_count=2, seed=3, workers=1, render_seed=3)
    assert [u.group for u in read_manifest(same["train"])] == [u.group for u in old]


def test_engines_share_the_corpus_and_the_old_mix_is_kept(tmp_path):
    texts_and_groups = {}
    for engines in (ENGINES, ("espeak", "flite")):
        manifests = build_corpus(tmp_path / "-".join(engines), count=24, valid_count=1, seed=3, workers=1,
                                 only=("train",), engines=engines)
        texts_and_groups[engines] = [(u.transcript, u.group.split(":")[0]) for u in read_manifest(manifests["train"])]
    new, old = texts_and_groups[ENGINES], texts_and_groups[("espeak", "flite")]
    assert [t for t, _ in new] == [t for t, _ in old]
    assert {e for _, e in old} == {"espeak", "flite"}
    assert {e for _, e in new} & {"pico", "rhvoice", "mbrola"}


def test_any_choice_of_engines_fills_every_split(tmp_path):
    manifests = build_corpus(tmp_path, count=9, valid_count=3, seed=5, workers=1, engines=("pico", "rhvoice"))
    for split, path in manifests.items():
        engines = {u.group.split(":")[0] for u in read_manifest(path)}
        assert engines and engines <= {"pico", "rhvoice"}, split


def test_espeak_and_flite_alone_draw_the_voices_of_earlier_releases(tmp_path):
    manifests = build_corpus(tmp_path, count=8, valid_count=2, seed=3, workers=1, engines=("espeak", "flite"))
    groups = {split: [u.group for u in read_manifest(path)] for split, path in manifests.items()}
    assert groups == {  # what the espeak + flite release (f834f84) drew for this seed
        "train": ["flite:kal16", "espeak:en-gb-x-gbcwmd+grandpa", "espeak:en-us+rob", "espeak:en-gb-x-gbcwmd+edward",
                  "flite:kal16", "flite:slt", "espeak:en-us-nyc+david", "espeak:en-gb+robert"],
        "valid_seen": ["flite:kal16", "espeak:en-us-nyc+f2"],
        "valid_heldout": ["espeak:en-us+f4", "espeak:en-gb-scotland+shelby"]}


def _drawn_items(monkeypatch, **options) -> dict[str, list[tuple[str, str]]]:
    """The (text, voice) pairs build_corpus draws for each split, without synthesizing."""
    import pipelines.synthesize_speech as module

    drawn = {}
    monkeypatch.setattr(module, "parallel_map", lambda job, jobs, name, workers: drawn.setdefault(
        name, [(text, voice.group) for _, voice, text, *_ in jobs]) and [])
    monkeypatch.setattr(module, "write_manifest", lambda path, rows: None)
    module.build_corpus(Path("unused"), count=8, valid_count=2, seed=3, workers=1, **options)
    return drawn


def _drawn_voices(monkeypatch, **options) -> dict[str, list[str]]:
    """The voices build_corpus draws for each split, without synthesizing."""
    return {name: [voice for _, voice in items] for name, items in _drawn_items(monkeypatch, **options).items()}


def test_excluding_the_newer_voices_draws_the_voices_of_earlier_corpora(monkeypatch):
    older = _drawn_voices(monkeypatch, exclude=tuple(parse_voice(v) for v in EARLIER_CORPORA_EXCLUDE))
    assert older == {  # what the five-engine corpora of renders 9-15 drew for this seed
        "train": ["flite:kal16", "mbrola:us1", "mbrola:us1", "flite:kal", "espeak:en-gb-x-gbcwmd+edward",
                  "flite:kal16", "flite:slt", "mbrola:us1"],
        "valid_seen": ["mbrola:us3", "espeak:en-gb-scotland+paul"], "valid_heldout": ["mbrola:us2", "pico:en-GB"]}
    assert _drawn_voices(monkeypatch) != older
    with pytest.raises(ValueError, match="rhvoice:nobody"):
        _drawn_voices(monkeypatch, exclude=(Voice("rhvoice", "nobody"),))


def test_wordnet_examples_join_the_training_split_and_change_no_other_utterance(monkeypatch):
    from pipelines import text_corpus

    monkeypatch.setattr(text_corpus, "wordnet_examples", lambda: ["Pepper makes me sneeze", "hold your breath"])
    without, with_wordnet = _drawn_items(monkeypatch), _drawn_items(monkeypatch, wordnet=2)
    assert with_wordnet["train"][:8] == without["train"] and len(with_wordnet["train"]) == 10
    assert {text for text, _ in with_wordnet["train"][8:]} == {"pepper makes me sneeze", "hold your breath"}
    assert with_wordnet["valid_seen"] == without["valid_seen"]
    assert with_wordnet["valid_heldout"] == without["valid_heldout"]


def test_flite_pitch_is_drawn_per_utterance():
    import librosa

    def median_pitch(seed):
        audio = synthesize(Voice("flite", "slt"), "hello there my friend", random.Random(seed))
        f0, _, _ = librosa.pyin(audio, fmin=60, fmax=400, sr=16000)
        return float(np.nanmedian(f0))

    pitches = [median_pitch(seed) for seed in range(4)]
    assert max(pitches) - min(pitches) > 20


def test_speak_all_makes_an_evaluation_set(tmp_path):
    from pipelines.synthesize_speech import speak_all

    voices = [parse_voice("flite:slt"), parse_voice("espeak:en-us+f2")]
    manifest = speak_all(["Call mom.", "stop the timer"], voices, tmp_path, "mini", workers=1)
    rows = read_manifest(manifest)
    assert [(u.transcript, u.group) for u in rows] == [
        ("call mom", "flite:slt"), ("stop the timer", "flite:slt"),
        ("call mom", "espeak:en-us+f2"), ("stop the timer", "espeak:en-us+f2")]
    with pytest.raises(ValueError):
        parse_voice("festvox:kal")


@pytest.mark.skipif(not shutil.which("text2wave"), reason="festival is not installed (evaluation sets only)")
def test_festival_voices_speak_evaluation_sets_only(tmp_path):
    from pipelines.synthesize_speech import speak_all

    voice = parse_voice("festival:kal_diphone")
    assert voice.held_out and voice not in all_voices()
    rows = read_manifest(speak_all(["turn on the lights"], [voice], tmp_path, "fest", workers=1))
    assert [(u.transcript, u.group) for u in rows] == [("turn on the lights", "festival:kal_diphone")]
    audio = synthesize(voice, "turn on the lights", random.Random(0))
    assert 0.5 < audio.size / 16000 < 3 and np.abs(audio).max() > 0.05


@pytest.mark.skipif(not shutil.which("text2wave"), reason="festival is not installed (evaluation sets only)")
def test_a_festival_voice_not_installed_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(ValueError, match="festival voice no_such_voice did not speak .*unbound variable"):
        synthesize(parse_voice("festival:no_such_voice"), "hello", random.Random(0))
    texts = tmp_path / "texts.txt"
    texts.write_text("turn on the lights\n")
    with pytest.raises(SystemExit) as stopped:
        main(["--texts", str(texts), "--voices", "festival:no_such_voice", "--out", str(tmp_path), "--workers", "1"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error: festival voice no_such_voice did not speak" in error


def test_command_phrase_file_lists_every_training_command():
    from pathlib import Path

    from recognizer.transcribe import read_input_list

    path = Path(__file__).resolve().parent.parent / "pipelines" / "texts" / "command_phrases.txt"
    assert read_input_list(path) == [f"{v} {o}" for v in COMMAND_VERBS for o in COMMAND_OBJECTS]
    held_out = read_input_list(path.with_name("commands.txt"))  # the evaluation set: 40 of them
    assert len(held_out) == 40 and set(held_out) <= set(read_input_list(path))


def test_validation_splits_alone_are_the_files_of_a_full_run(tmp_path):
    full = build_corpus(tmp_path / "full", count=4, valid_count=2, seed=3, workers=1)
    alone = build_corpus(tmp_path / "alone", count=4, valid_count=2, seed=3, workers=1, only=("valid_heldout",))
    assert set(alone) == {"valid_heldout"} and not (tmp_path / "alone" / "train").exists()
    a, b = read_manifest(full["valid_heldout"]), read_manifest(alone["valid_heldout"])
    assert [(u.transcript, u.group) for u in a] == [(u.transcript, u.group) for u in b]
    for x, y in zip(a, b):
        assert np.array_equal(load_audio(x.path), load_audio(y.path))
