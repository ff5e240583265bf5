import json

import numpy as np
import pytest

from recognizer.features import FeatureConfig
from recognizer.model import ModelConfig, build_model
from recognizer.model_dir import ModelLoadError, ModelSpec, load_keras_model, read_spec, save_model_dir
from recognizer.recognizer import Recognizer
from recognizer.vocab import Vocabulary


def make_model_dir(path):
    vocab, features = Vocabulary(), FeatureConfig()
    config = ModelConfig(features.dim, vocab.size, conv_filters=8, lstm_units=8, lstm_layers=1)
    model = build_model(config)
    spec = ModelSpec("speech", features.to_dict(), config.to_dict(), vocab, {"note": "test"})
    return save_model_dir(path, spec, model), model


def test_save_load_round_trip_gives_identical_outputs(tmp_path):
    directory, model = make_model_dir(tmp_path / "m")
    spec, loaded = load_keras_model(directory)
    assert spec.metadata == {"note": "test"} and spec.modality == "speech"
    x = {"features": np.random.default_rng(0).normal(size=(1, 30, 26)).astype(np.float32),
         "lengths": np.array([30], np.int32)}
    assert np.array_equal(np.asarray(model(x)), np.asarray(loaded(x)))


def test_overwrite_is_atomic_and_leaves_no_temporaries(tmp_path):
    make_model_dir(tmp_path / "m")
    make_model_dir(tmp_path / "m")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_missing_directory():
    with pytest.raises(ModelLoadError, match="model not found"):
        read_spec("/nonexistent/model")


def test_newer_format_version_refused(tmp_path):
    directory, _ = make_model_dir(tmp_path / "m")
    config = json.loads((directory / "config.json").read_text())
    config["format_version"] = 99
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="upgrade"):
        read_spec(directory)


def test_alphabet_mismatch_refused(tmp_path):
    directory, _ = make_model_dir(tmp_path / "m")
    config = json.loads((directory / "config.json").read_text())
    config["vocabulary"]["alphabet"] = "abc"
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="alphabet"):
        read_spec(directory)


def test_truncated_weights_refused(tmp_path):
    directory, _ = make_model_dir(tmp_path / "m")
    weights = directory / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelLoadError, match="cannot read weights"):
        load_keras_model(directory)


def test_recognizer_transcribes_array_and_path_alike(tmp_path, sample_rows):
    import soundfile as sf

    directory, _ = make_model_dir(tmp_path / "m")
    recognizer = Recognizer.load(directory)
    path = sample_rows[1][0]
    audio, rate = sf.read(path, dtype="float32")
    from_path, from_array = recognizer.transcribe(path), recognizer.transcribe(audio, rate)
    assert from_path == from_array
    assert from_path.duration == pytest.approx(len(audio) / rate, abs=1e-3)
    assert set(from_path.text) <= set(recognizer.vocab.alphabet)


def test_language_model_in_model_dir_is_used_automatically(tmp_path):
    from recognizer.lm import NGramLM
    from recognizer.recognizer import DecoderOptions

    directory, _ = make_model_dir(tmp_path / "m")
    NGramLM.train(["turn on the lights"]).save_arpa(directory / "lm.arpa.gz")
    metadata = json.loads((directory / "metadata.json").read_text())
    metadata["decoder"] = {"beam_width": 8, "lm_weight": 0.7, "word_bonus": 0.5}
    (directory / "metadata.json").write_text(json.dumps(metadata))
    with_lm = Recognizer.load(directory)
    assert with_lm.lm is not None and with_lm.decoder == DecoderOptions(8, 0.7, 0.5)
    without = Recognizer.load(directory, lm=None)
    assert without.lm is None and without.decoder.beam_width == 1


def test_saved_weights_leave_out_optimizer_state(tmp_path):
    import keras

    directory, model = make_model_dir(tmp_path / "plain")
    model.compile(optimizer=keras.optimizers.Adam())
    model.optimizer.build(model.trainable_variables)
    spec = read_spec(directory)
    compiled_dir = save_model_dir(tmp_path / "compiled", spec, model)
    size = (compiled_dir / "model.weights.h5").stat().st_size
    assert size <= 1.05 * (directory / "model.weights.h5").stat().st_size
    assert np.array_equal(load_keras_model(compiled_dir)[1].get_weights()[0], model.get_weights()[0])


def test_crash_during_save_leaves_the_old_model_loadable(tmp_path, monkeypatch):
    import h5py

    directory, model = make_model_dir(tmp_path / "m")
    spec = read_spec(directory)
    before = load_keras_model(directory)[1].get_weights()

    def crash(self, *args, **kwargs):  # dies half-way through writing the weights
        raise OSError("disk full")

    monkeypatch.setattr(h5py.Group, "create_dataset", crash)
    with pytest.raises(OSError):
        save_model_dir(directory, spec, build_model(model.config))
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary left, nothing half-written
    after = load_keras_model(directory)[1].get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    # a kill -9 leaves the hidden temporary behind; it is never taken for the model
    (tmp_path / ".m.abandoned").mkdir()
    (tmp_path / ".m.abandoned" / "config.json").write_text("{")
    assert load_keras_model(directory)[1] is not None
    with pytest.raises(ModelLoadError, match="model not found"):
        read_spec(tmp_path / "m2")
