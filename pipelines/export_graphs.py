"""TensorFlow inference graphs of a loaded model, for the SavedModel and TFLite export.

* :func:`features_logits` - ``features (B, T, F) + lengths (B,)`` -> logits and output lengths,
  the Keras model itself (masked LSTMs, any batch).
* :func:`batch1_logits` - one utterance ``(1, T, F)`` -> logits: no padding, hence no mask, and
  with ``fused=True`` every LSTM direction is a function the TFLite converter turns into one
  ``UNIDIRECTIONAL_SEQUENCE_LSTM`` op instead of a ``WHILE`` loop.
* :func:`waveform_logits` - raw 16 kHz PCM ``(1, N)`` -> logits, the MFCC front-end of
  :mod:`recognizer.features_graph` in front of :func:`batch1_logits`.
"""

from __future__ import annotations

import itertools

import tensorflow as tf

from recognizer.features_graph import graph_mfcc

_names = itertools.count()


def _lstm_reference(inputs, init_h, init_c, kernel, recurrent_kernel, bias):
    """Keras LSTM semantics (gates i, f, c, o; sigmoid/tanh) for TF execution of the fused function."""
    def step(carry, x_t):
        h, c = carry
        z = tf.matmul(x_t, kernel) + tf.matmul(h, recurrent_kernel) + bias
        i, f, g, o = tf.split(z, 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    hs, cs = tf.scan(step, tf.transpose(inputs, [1, 0, 2]), initializer=(init_h, init_c))
    outputs = tf.transpose(hs, [1, 0, 2])
    return outputs[:, -1], outputs, hs[-1], cs[-1], tf.constant(0.0)


def fused_lstm_function():
    """A fresh tf.function marked like the Keras 2 LSTM (``api_implements="lstm_..."``), which
    the converter's composite-function pass replaces by a fused LSTM op (batch size and weight
    shapes must be static; only the first two of its five outputs may be used)."""
    attributes = {"api_implements": f"lstm_recognizer_{next(_names)}", "time_major": False,
                  "go_backwards": False}
    return tf.function(_lstm_reference, experimental_attributes=attributes, autograph=False)


class FrozenWeights:
    """The model's weights as NumPy arrays, for graphs that hold them as constants (the TFLite
    graphs: no resource variables to freeze, so the fused-LSTM functions survive conversion)."""

    def __init__(self, model):
        self.config = model.config
        self.convs = [(c.kernel.numpy(), c.bias.numpy()) for c in model.convs]
        self.norms = [(n.gamma.numpy(), n.beta.numpy(), float(n.epsilon)) for n in model.conv_norms]
        self.lstms = [tuple(tuple(w.numpy() for w in (d.cell.kernel, d.cell.recurrent_kernel, d.cell.bias))
                            for d in (b.forward_layer, b.backward_layer)) for b in model.lstms]
        self.dense = (model.logits.kernel.numpy(), model.logits.bias.numpy())


def _lstm(x, kernel, recurrent_kernel, bias, fused: bool):
    zeros = tf.zeros([1, recurrent_kernel.shape[0]])
    function = fused_lstm_function() if fused else _lstm_reference
    return function(x, zeros, zeros, tf.constant(kernel), tf.constant(recurrent_kernel), tf.constant(bias))[1]


def batch1_logits(weights: FrozenWeights, features, fused: bool = True):
    """Logits ``(1, T', V)`` of one unpadded utterance ``(1, T, F)`` (no mask needed); the same
    layers as :class:`recognizer.model.CTCRecognizerModel` with the weights as constants."""
    cfg = weights.config
    x = features
    for (kernel, bias), (gamma, beta, epsilon) in zip(weights.convs, weights.norms):
        left = (cfg.conv_kernel - 1) // 2
        x = tf.pad(x, [[0, 0], [left, cfg.conv_kernel - 1 - left], [0, 0]])
        x = tf.nn.relu(tf.nn.conv1d(x, kernel, cfg.conv_stride, "VALID") + bias)
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        x = (x - mean) * tf.math.rsqrt(variance + epsilon) * gamma + beta
    for forward, backward in weights.lstms:
        ahead = _lstm(x, *forward, fused)
        behind = tf.reverse(_lstm(tf.reverse(x, [1]), *backward, fused), [1])
        x = tf.concat([ahead, behind], axis=-1)
    kernel, bias = weights.dense
    return tf.matmul(x, kernel) + bias


def features_logits(model, features, lengths):
    """``{"logits", "output_lengths"}`` of a padded batch, through the Keras model (masked)."""
    logits = model({"features": features, "lengths": lengths}, training=False)
    return {"logits": logits, "output_lengths": model.output_lengths(lengths)}


def waveform_logits(weights: FrozenWeights, feature_config, waveform, fused: bool = True):
    """Logits ``(1, T', V)`` of one utterance of raw 16 kHz float PCM ``(1, N)``."""
    return batch1_logits(weights, graph_mfcc(waveform[0], feature_config)[None], fused)
