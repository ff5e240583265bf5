"""Calibration inputs for int8 export: a given manifest, the model's training manifests, samples, noise."""

import dataclasses

import numpy as np
import soundfile as sf

import pipelines.representative as representative
from recognizer.model_dir import MODELS_DIR, read_spec
from tests.conftest import SAMPLES

SPEECH = read_spec(MODELS_DIR / "speech-en")
INK = read_spec(MODELS_DIR / "ink-en")


def without_manifests(spec):
    return dataclasses.replace(spec, metadata={})


def write_manifest(path, wavs):
    rows = ["wav_filename,wav_filesize,transcript"] + [f"{w},{w.stat().st_size if w.exists() else 0},x" for w in wavs]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_given_manifest_comes_first_long_clips_are_cut_and_bad_files_skipped(tmp_path):
    long_wav = tmp_path / "long.wav"
    sf.write(long_wav, np.full(16000 * 12, 0.1, np.float32), 16000)
    manifest = write_manifest(tmp_path / "m.csv", [tmp_path / "missing.wav", long_wav, SAMPLES / "hello_slt.wav"])
    items, source = representative.representative_inputs(SPEECH, tmp_path, csv=str(manifest), limit=5)
    assert source == str(manifest)
    assert len(items) == 2  # the missing file is skipped
    assert all(x.ndim == 1 and x.dtype == np.float32 for x in items)  # raw PCM: the front-end is in the graph
    assert max(len(x) for x in items) == int(representative.MAX_SECONDS * 16000)


def test_limit_and_seed_choose_a_reproducible_subset(tmp_path):
    manifest = write_manifest(tmp_path / "m.csv", sorted(SAMPLES.glob("*.wav")))
    first, _ = representative.representative_inputs(SPEECH, tmp_path, csv=str(manifest), limit=2, seed=3)
    again, _ = representative.representative_inputs(SPEECH, tmp_path, csv=str(manifest), limit=2, seed=3)
    assert len(first) == 2 and all(np.array_equal(a, b) for a, b in zip(first, again))


def test_training_manifests_of_the_metadata_resolve_against_the_working_directory(tmp_path, monkeypatch):
    write_manifest(tmp_path / "train.csv", [SAMPLES / "lights_kal16.wav"])
    spec = dataclasses.replace(SPEECH, metadata={"training": {"manifests": ["train.csv"]}})
    monkeypatch.chdir(tmp_path)
    items, source = representative.representative_inputs(spec, tmp_path / "model")
    assert source == str(tmp_path / "train.csv") and len(items) == 1


def test_samples_when_no_manifest_is_readable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    items, source = representative.representative_inputs(without_manifests(SPEECH), tmp_path)
    assert "no training manifest readable" in source
    assert len(items) == len(list(SAMPLES.glob("*.wav")))
    ink_items, ink_source = representative.representative_inputs(without_manifests(INK), tmp_path)
    assert "no training manifest readable" in ink_source and len(ink_items) == 2  # the .inkml and the .json
    assert all(x.ndim == 2 and x.shape[1] == INK.feature_config.dim for x in ink_items)  # feature frames


def test_synthetic_noise_as_the_last_resort(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(representative, "MODELS_DIR", tmp_path / "saved_models")  # no samples/ beside it
    items, source = representative.representative_inputs(without_manifests(SPEECH), tmp_path)
    assert source.startswith("synthetic noise") and [len(x) for x in items] == [16000, 32000, 48000]
    ink_items, _ = representative.representative_inputs(without_manifests(INK), tmp_path)
    assert [x.shape for x in ink_items] == [(n, INK.feature_config.dim) for n in (50, 100, 200)]
