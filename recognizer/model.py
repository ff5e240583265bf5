"""The BiLSTM-CTC model shared by speech and handwriting.

features (B, T, F) + lengths (B,) -> optional strided Conv1D subsampling -> N x
Bidirectional(LSTM) -> dropout -> Dense logits (B, T', V), blank at index 0.
Padding is masked in the LSTMs and never scored: the CTC loss uses the true feature
lengths (after subsampling) and the true label lengths.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import keras
from keras import layers, ops


@dataclass(frozen=True)
class ModelConfig:
    """Architecture hyper-parameters (everything needed to rebuild the network)."""

    input_dim: int
    vocab_size: int  # output classes including the blank
    conv_filters: int = 192
    conv_kernel: int = 5
    conv_stride: int = 2
    conv_layers: int = 1  # 0 disables the convolutional front-end
    lstm_units: int = 192
    lstm_layers: int = 3
    dropout: float = 0.2

    @property
    def subsampling(self) -> int:
        """Frames of input per frame of output."""
        return self.conv_stride ** self.conv_layers if self.conv_layers else 1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model config keys {unknown} (made by a newer version?)")
        return cls(**data)


@keras.saving.register_keras_serializable(package="recognizer")
class CTCRecognizerModel(keras.Model):
    """BiLSTM-CTC network; inputs are ``{"features": (B,T,F), "lengths": (B,)}``."""

    def __init__(self, input_dim, vocab_size, conv_filters=192, conv_kernel=5, conv_stride=2,
                 conv_layers=1, lstm_units=192, lstm_layers=3, dropout=0.2, **kwargs):
        super().__init__(**kwargs)
        self.config = ModelConfig(input_dim, vocab_size, conv_filters, conv_kernel, conv_stride,
                                  conv_layers, lstm_units, lstm_layers, dropout)
        self.convs = [layers.Conv1D(conv_filters, conv_kernel, strides=conv_stride, padding="valid",
                                    activation="relu", name=f"conv{i}") for i in range(conv_layers)]
        self.conv_norms = [layers.LayerNormalization(name=f"conv_norm{i}") for i in range(conv_layers)]
        self.lstms = [layers.Bidirectional(layers.LSTM(lstm_units, return_sequences=True), name=f"bilstm{i}")
                      for i in range(lstm_layers)]
        self.dropouts = [layers.Dropout(dropout) for _ in range(lstm_layers)]
        self.logits = layers.Dense(vocab_size, name="logits")

    @classmethod
    def from_model_config(cls, config: ModelConfig) -> "CTCRecognizerModel":
        model = cls(**config.to_dict())
        model.build_for_inference()
        return model

    def build_for_inference(self) -> None:
        """Create the weights by running a tiny batch."""
        features = ops.zeros((1, 8, self.config.input_dim))
        self({"features": features, "lengths": ops.array([8], dtype="int32")})

    def get_config(self) -> dict:
        return {**super().get_config(), **self.config.to_dict()}

    def output_lengths(self, lengths):
        """Frames after subsampling for input ``lengths`` (ceil division per conv layer)."""
        lengths = ops.cast(lengths, "int32")
        for _ in range(self.config.conv_layers):
            lengths = (lengths + self.config.conv_stride - 1) // self.config.conv_stride
        return lengths

    def output_length(self, length: int) -> int:
        """Python-int version of :meth:`output_lengths`."""
        for _ in range(self.config.conv_layers):
            length = math.ceil(length / self.config.conv_stride)
        return length

    def infer(self, features, lengths):
        """Inference logits of a padded batch through one graph traced once for every batch
        shape (called eagerly, the LSTMs step through time in Python: ~30-50x slower on CPU)."""
        if getattr(self, "_infer_graph", None) is None:
            import tensorflow as tf

            signature = (tf.TensorSpec([None, None, self.config.input_dim], tf.float32),
                         tf.TensorSpec([None], tf.int32))
            self._infer_graph = tf.function(
                lambda f, n: self({"features": f, "lengths": n}, training=False), input_signature=signature)
        return self._infer_graph(features, lengths)

    def call(self, inputs, training=False):
        x, lengths = inputs["features"], inputs["lengths"]
        cfg = self.config
        for conv, norm in zip(self.convs, self.conv_norms):
            # pad so that frame alignment never depends on the padded length of the batch
            left = (cfg.conv_kernel - 1) // 2
            right = cfg.conv_kernel - 1 - left
            x = norm(conv(ops.pad(x, [[0, 0], [left, right], [0, 0]])))
        out_lengths = self.output_lengths(lengths)
        steps = ops.shape(x)[1]
        mask = ops.arange(steps)[None, :] < out_lengths[:, None]
        for lstm, drop in zip(self.lstms, self.dropouts):
            x = drop(lstm(x, mask=mask, training=training), training=training)
        return self.logits(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean CTC loss over the (global) batch from true logit and label lengths."""
        logit_lengths = self.output_lengths(x["lengths"])
        losses = ops.ctc_loss(y["labels"], y_pred, y["label_lengths"], logit_lengths, mask_index=0)
        return global_batch_mean(losses)


def global_batch_mean(losses):
    """The mean loss over the whole batch, or under tf.distribute this replica's share of it.

    Keras sums the replicas' gradients and multiplies the logged loss by the number of
    replicas, so each replica returns sum(own losses) / global batch size (uneven splits and
    empty replicas included); on one device this is the plain mean.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            count = context.all_reduce(tf.distribute.ReduceOp.SUM, tf.cast(tf.shape(losses)[0], losses.dtype))
            return tf.reduce_sum(losses) / tf.maximum(count, 1.0)
    return ops.mean(losses)


def build_model(config: ModelConfig) -> CTCRecognizerModel:
    """A built (weights created) model for ``config``."""
    return CTCRecognizerModel.from_model_config(config)
