"""A tiny model must learn two utterances perfectly (CER 0): the whole training path works."""

import keras
import numpy as np

from recognizer.audio import load_audio
from recognizer.ctc import greedy_decode
from recognizer.features import FeatureConfig, mfcc
from recognizer.model import ModelConfig, build_model
from recognizer.vocab import Vocabulary


def test_overfit_two_utterances(sample_rows):
    keras.utils.set_random_seed(0)
    vocab, features = Vocabulary(), FeatureConfig()
    rows = sample_rows[1:3]
    frames = [mfcc(load_audio(path), features) for path, _ in rows]
    labels = [vocab.encode(text) for _, text in rows]
    lengths = np.array([len(f) for f in frames], np.int32)
    x = {"features": np.zeros((2, lengths.max(), features.dim), np.float32), "lengths": lengths}
    y = {"labels": np.zeros((2, max(l.size for l in labels)), np.int32),
         "label_lengths": np.array([l.size for l in labels], np.int32)}
    for i in range(2):
        x["features"][i, : lengths[i]] = frames[i]
        y["labels"][i, : labels[i].size] = labels[i]

    model = build_model(ModelConfig(features.dim, vocab.size, conv_filters=64, conv_stride=2,
                                    lstm_units=64, lstm_layers=1, dropout=0.0))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), jit_compile=False)
    model.fit(x, y, batch_size=2, epochs=250, verbose=0)

    logits = np.asarray(model(x))
    out_lengths = np.asarray(model.output_lengths(lengths))
    for i, (_, text) in enumerate(rows):
        assert vocab.decode(greedy_decode(logits[i, : out_lengths[i]]).labels) == text
