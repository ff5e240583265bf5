"""The export graphs compute what the Keras model computes."""

import numpy as np
import pytest
import tensorflow as tf

from recognizer.features import FeatureConfig, mfcc
from recognizer.model import ModelConfig, build_model
from pipelines.export_graphs import FrozenWeights, batch1_logits, features_logits, waveform_logits

FEATURES = FeatureConfig()
TINY = dict(input_dim=FEATURES.dim, vocab_size=6, conv_filters=8, conv_kernel=5, conv_stride=3, lstm_units=8,
            lstm_layers=2, dropout=0.0)


@pytest.fixture(scope="module")
def model():
    model = build_model(ModelConfig(**TINY))
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(scale=0.3, size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def keras_logits(model, features):
    x = {"features": features[None], "lengths": np.array([len(features)], np.int32)}
    return np.asarray(model(x, training=False))[0]


@pytest.mark.parametrize("fused", [False, True])
def test_batch1_graph_equals_keras_on_one_utterance(model, fused):
    features = np.random.default_rng(1).normal(size=(37, FEATURES.dim)).astype(np.float32)
    logits = batch1_logits(FrozenWeights(model), tf.constant(features[None]), fused=fused)
    assert logits.shape[1] == model.output_length(37)
    np.testing.assert_allclose(np.asarray(logits)[0], keras_logits(model, features), atol=1e-4)


def test_features_graph_masks_padding(model):
    rng = np.random.default_rng(2)
    items = [rng.normal(size=(n, FEATURES.dim)).astype(np.float32) for n in (31, 12)]
    padded = np.zeros((2, 31, FEATURES.dim), np.float32)
    for i, item in enumerate(items):
        padded[i, :len(item)] = item
    out = features_logits(model, padded, np.array([31, 12], np.int32))
    lengths = np.asarray(out["output_lengths"])
    assert list(lengths) == [model.output_length(31), model.output_length(12)]
    for i, item in enumerate(items):  # the padded frames change nothing
        np.testing.assert_allclose(np.asarray(out["logits"])[i, :lengths[i]], keras_logits(model, item), atol=1e-4)


def test_waveform_graph_has_the_front_end_inside(model, tone):
    logits = np.asarray(waveform_logits(FrozenWeights(model), FEATURES, tf.constant(tone[None])))[0]
    reference = keras_logits(model, mfcc(tone, FEATURES))
    assert logits.shape == reference.shape
    np.testing.assert_allclose(logits, reference, atol=1e-2)  # the graph MFCCs differ from librosa's by ~1e-4
