import numpy as np
import pytest
from keras import ops

from recognizer.model import CTCRecognizerModel, ModelConfig, build_model

TINY = dict(input_dim=6, vocab_size=5, conv_filters=8, conv_kernel=3, conv_stride=2, lstm_units=8,
            lstm_layers=2, dropout=0.0)


def batch_loss(model, items):
    """CTC loss per item of a padded batch built from (features, labels) pairs."""
    lengths = np.array([f.shape[0] for f, _ in items], np.int32)
    label_lengths = np.array([l.size for _, l in items], np.int32)
    features = np.zeros((len(items), lengths.max(), 6), np.float32)
    labels = np.zeros((len(items), label_lengths.max()), np.int32)
    for i, (f, l) in enumerate(items):
        features[i, : len(f)] = f
        labels[i, : l.size] = l
    x = {"features": features, "lengths": lengths}
    logits = model(x)
    return np.asarray(ops.ctc_loss(labels, logits, label_lengths, model.output_lengths(lengths)))


def test_padded_batch_loss_equals_unpadded_items():
    rng = np.random.default_rng(0)
    model = build_model(ModelConfig(**TINY))
    items = [(rng.normal(size=(n, 6)).astype(np.float32), rng.integers(1, 5, size=k).astype(np.int32))
             for n, k in [(40, 5), (23, 3), (11, 2)]]
    together = batch_loss(model, items)
    alone = np.concatenate([batch_loss(model, [item]) for item in items])
    assert np.allclose(together, alone, rtol=1e-4, atol=1e-4)


def test_output_lengths_match_logits():
    model = build_model(ModelConfig(**TINY))
    for n in (1, 2, 7, 8, 9):
        x = {"features": np.zeros((1, n, 6), np.float32), "lengths": np.array([n], np.int32)}
        assert model(x).shape[1] == model.output_length(n) == int(model.output_lengths(x["lengths"])[0])


def test_config_round_trip_gives_identical_outputs():
    model = build_model(ModelConfig(**TINY))
    clone = CTCRecognizerModel.from_config(model.get_config())
    clone.build_for_inference()
    clone.set_weights(model.get_weights())
    x = {"features": np.random.default_rng(1).normal(size=(2, 17, 6)).astype(np.float32),
         "lengths": np.array([17, 9], np.int32)}
    assert clone.config == model.config
    assert np.array_equal(np.asarray(model(x)), np.asarray(clone(x)))


def test_unknown_config_keys_are_refused():
    with pytest.raises(ValueError, match="newer version"):
        ModelConfig.from_dict({**TINY, "attention_heads": 4})


def test_keras_file_round_trip_in_safe_mode(tmp_path):
    import keras

    model = build_model(ModelConfig(**TINY))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = {"features": np.ones((1, 10, 6), np.float32), "lengths": np.array([10], np.int32)}
    assert np.allclose(np.asarray(model(x)), np.asarray(loaded(x)))
