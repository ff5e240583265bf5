import numpy as np
import pytest

from pipelines import average, int8_weights
from recognizer.features import FeatureConfig
from recognizer.model import ModelConfig, build_model
from recognizer.model_dir import ModelSpec, load_keras_model, save_model_dir
from recognizer.vocab import Vocabulary


def save(path, lstm_units=4, seed=0, metadata=None):
    vocab, features = Vocabulary(), FeatureConfig()
    config = ModelConfig(features.dim, vocab.size, conv_filters=8, lstm_units=lstm_units, lstm_layers=1)
    model = build_model(config)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in model.get_weights()])
    save_model_dir(path, ModelSpec("speech", features.to_dict(), config.to_dict(), vocab,
                                   {"name": "tiny", "evaluation": {"heldout": 0.5}, **(metadata or {})}), model)
    return model.get_weights()


def test_the_mean_is_weighted_by_the_shares():
    a, b = [np.zeros((2, 3), np.float32)], [np.ones((2, 3), np.float32)]
    (mean,) = average.average_weights([a, b], [3.0, 1.0])
    assert np.allclose(mean, 0.25) and mean.dtype == np.float32
    with pytest.raises(ValueError, match="one non-negative share per source"):
        average.average_weights([a, b], [1.0])
    with pytest.raises(ValueError, match="not the same network"):
        average.average_weights([a, [np.ones((3, 2), np.float32)]], [1.0, 1.0])


def test_cli_averages_a_model_dir_and_a_weights_file_keeping_the_lm(tmp_path):
    first = save(tmp_path / "a", seed=1)
    second = save(tmp_path / "b", seed=2)
    (tmp_path / "a" / "lm.arpa.gz").write_bytes(b"lm")
    (tmp_path / "a" / "model.tflite").write_bytes(b"stale")
    assert average.main([str(tmp_path / "a"), str(tmp_path / "b" / "model.weights.h5"), "--shares", "1", "3",
                         "--out", str(tmp_path / "avg")]) == 0
    spec, model = load_keras_model(tmp_path / "avg")
    for got, x, y in zip(model.get_weights(), first, second):
        assert np.allclose(got, 0.25 * x + 0.75 * y, atol=1e-6)
    assert spec.metadata["averaged"]["shares"] == [1.0, 3.0] and "evaluation" not in spec.metadata
    assert (tmp_path / "avg" / "lm.arpa.gz").read_bytes() == b"lm" and not (tmp_path / "avg" / "model.tflite").exists()


def test_kernels_go_back_on_the_int8_grid_when_the_model_keeps_them_there(tmp_path):
    save(tmp_path / "a", seed=1, metadata={"int8_grid": {"scheme": int8_weights.SCHEME}})
    save(tmp_path / "b", seed=2)
    assert average.main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "avg")]) == 0
    _, model = load_keras_model(tmp_path / "avg")
    assert int8_weights.model_on_grid(model)


def test_another_network_is_a_one_line_error(tmp_path, capsys):
    save(tmp_path / "a", lstm_units=4)
    save(tmp_path / "b", lstm_units=6)
    assert average.main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "avg")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1
    assert not (tmp_path / "avg").exists()
