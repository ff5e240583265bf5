import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from pipelines import widen
from recognizer.features import FeatureConfig
from recognizer.model import ModelConfig, build_model
from recognizer.model_dir import ModelSpec, load_keras_model, save_model_dir
from recognizer.vocab import Vocabulary

TINY = ModelConfig(input_dim=6, vocab_size=5, conv_filters=8, conv_kernel=3, conv_stride=2, lstm_units=4,
                   lstm_layers=3, dropout=0.0)


@pytest.fixture(scope="module")
def narrow():
    model = build_model(TINY)
    rng = np.random.default_rng(1)  # biases and logits away from their zero start, so nothing cancels by luck
    model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def test_wider_model_computes_the_same_logits(narrow):
    wide = widen.widen_model(narrow, 7, seed=3)
    assert wide.config == ModelConfig(**{**TINY.to_dict(), "lstm_units": 7})
    assert wide.count_params() > narrow.count_params()
    assert widen.largest_difference(narrow, wide) < 1e-5


def test_new_units_get_gradients_so_they_can_learn(narrow):
    wide = widen.widen_model(narrow, 7, seed=3)
    features = np.random.default_rng(0).standard_normal((1, 20, 6)).astype(np.float32)
    x = {"features": features, "lengths": np.array([20], np.int32)}
    with tf.GradientTape() as tape:
        loss = ops.mean(ops.ctc_loss(np.array([[1, 2, 3]]), wide(x), np.array([3]), wide.output_lengths(x["lengths"])))
    logits_kernel = wide.get_layer("logits").kernel
    gradient = tape.gradient(loss, logits_kernel).numpy()
    new_rows = np.setdiff1d(np.arange(14), widen.bidirectional_rows(4, 7))
    assert np.all(logits_kernel.numpy()[new_rows] == 0)  # silent at the start ...
    assert np.abs(gradient[new_rows]).min() > 0  # ... but every new unit's output weight moves


def test_old_weights_stay_in_their_gates():
    rng = np.random.default_rng(0)
    kernel, recurrent, bias = (rng.normal(size=shape).astype(np.float32) for shape in [(3, 8), (2, 8), 8])
    new_kernel, new_recurrent, new_bias = widen.widen_lstm(kernel, recurrent, bias, 2, 3, None, 3, rng)
    assert new_kernel.shape == (3, 12) and new_recurrent.shape == (3, 12) and new_bias.shape == (12,)
    for gate in range(4):
        assert np.array_equal(new_kernel[:, 3 * gate: 3 * gate + 2], kernel[:, 2 * gate: 2 * gate + 2])
        assert np.array_equal(new_recurrent[:2, 3 * gate: 3 * gate + 2], recurrent[:, 2 * gate: 2 * gate + 2])
        assert np.all(new_recurrent[2, 3 * gate: 3 * gate + 2] == 0)  # the new unit's state: new units only
        assert new_bias[3 * gate + 2] == (1.0 if gate == 1 else 0.0)  # forget gate open


def test_cli_writes_a_loadable_wider_model_and_refuses_narrowing(tmp_path, capsys):
    vocab, features = Vocabulary(), FeatureConfig()
    config = ModelConfig(features.dim, vocab.size, conv_filters=8, lstm_units=4, lstm_layers=2)
    narrow = build_model(config)
    decoder = {"beam_width": 8, "lm_weight": 0.5}
    save_model_dir(tmp_path / "narrow", ModelSpec("speech", features.to_dict(), config.to_dict(), vocab,
                                                  {"name": "tiny", "decoder": decoder}), narrow,
                   extra_files={"lm.arpa.gz": b"an LM"})
    assert widen.main([str(tmp_path / "narrow"), "--lstm-units", "6", "--out", str(tmp_path / "wide")]) == 0
    spec, wide = load_keras_model(tmp_path / "wide")
    assert wide.config.lstm_units == 6
    # the same function, so the language model and its tuned decoder settings come along
    assert (tmp_path / "wide" / "lm.arpa.gz").read_bytes() == b"an LM" and spec.metadata["decoder"] == decoder
    assert spec.metadata["widened"]["from_lstm_units"] == 4 and spec.metadata["parameters"] == wide.count_params()
    assert widen.largest_difference(narrow, wide) < 1e-5

    assert widen.main([str(tmp_path / "wide"), "--lstm-units", "6", "--out", str(tmp_path / "same")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "must exceed the model's 6" in error
    assert not (tmp_path / "same").exists()
