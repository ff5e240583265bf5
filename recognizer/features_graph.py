"""MFCC as a TensorFlow graph: the in-model twin of :func:`recognizer.features.mfcc`.

Used by the export to put the front-end inside the SavedModel / TFLite model, so an app
feeds raw 16 kHz PCM.  Same :class:`FeatureConfig`, same steps as librosa: centred STFT with
constant (zero) padding and a periodic Hann window, power spectrum, librosa's (Slaney) mel
filterbank, ``power_to_db`` (amin 1e-10, ref 1, ``top_db`` below the utterance maximum),
orthonormal DCT-II, per-utterance CMVN.  The filterbank, window and DCT matrices are computed
in NumPy from the config at export time and baked in as constants.  Only builtin TFLite ops
are used.  ``tests/test_features_graph.py`` checks it against the librosa version.
"""

from __future__ import annotations

import numpy as np

from recognizer.features import CMVN_EPS, FeatureConfig

AMIN = 1e-10  # librosa.power_to_db default


def supports_graph(config: FeatureConfig) -> bool:
    """Whether :func:`graph_mfcc` can compute these features (deltas are NumPy-only)."""
    return not config.deltas


def hann_window(config: FeatureConfig) -> np.ndarray:
    """Periodic Hann window of ``win_length`` centred in ``n_fft`` zeros (librosa's stft window)."""
    n = np.arange(config.win_length)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / config.win_length)
    left = (config.n_fft - config.win_length) // 2
    padded = np.zeros(config.n_fft)
    padded[left:left + config.win_length] = window
    return padded.astype(np.float32)


def mel_matrix(config: FeatureConfig) -> np.ndarray:
    """``(n_fft // 2 + 1, n_mels)`` librosa mel filterbank (Slaney scale and norm), transposed."""
    import librosa

    fb = librosa.filters.mel(sr=config.sample_rate, n_fft=config.n_fft, n_mels=config.n_mels,
                             fmin=config.fmin, fmax=config.fmax)
    return np.ascontiguousarray(fb.T, dtype=np.float32)


def dct_matrix(config: FeatureConfig) -> np.ndarray:
    """``(n_mels, n_mfcc)`` orthonormal DCT-II (scipy ``dct(type=2, norm="ortho")``) as a matrix."""
    n, k = config.n_mels, np.arange(config.n_mfcc)
    basis = np.cos(np.pi / n * (np.arange(n)[:, None] + 0.5) * k[None, :]) * np.sqrt(2.0 / n)
    basis[:, 0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


def _float_matmul(x, matrix):
    """``x @ matrix`` as broadcast multiply + sum: TFLite dynamic-range quantization leaves it
    in float (a FULLY_CONNECTED op would quantize the power spectrum to 8 bits)."""
    import tensorflow as tf

    return tf.reduce_sum(x[:, :, None] * matrix[None], axis=1)


def graph_mfcc(audio, config: FeatureConfig = FeatureConfig()):
    """MFCC frames ``(T, n_mfcc)`` of a 1-D float32 tensor of 16 kHz audio (T = 1 + N // hop)."""
    import tensorflow as tf

    if not supports_graph(config):
        raise ValueError("the graph front-end does not compute deltas (FeatureConfig.deltas)")
    half = config.n_fft // 2
    padded = tf.pad(audio, [[half, half]])  # librosa center=True, pad_mode="constant"
    frames = tf.signal.frame(padded, config.n_fft, config.hop_length) * hann_window(config)
    spectrum = tf.signal.rfft(frames, fft_length=[config.n_fft])
    power = tf.math.square(tf.math.real(spectrum)) + tf.math.square(tf.math.imag(spectrum))
    mel = _float_matmul(power, mel_matrix(config))
    log_mel = (10.0 / np.log(10.0)) * tf.math.log(tf.maximum(mel, AMIN))
    if config.top_db is not None:
        log_mel = tf.maximum(log_mel, tf.reduce_max(log_mel) - config.top_db)
    frames = _float_matmul(log_mel, dct_matrix(config))
    if config.cmvn:
        mean = tf.reduce_mean(frames, axis=0, keepdims=True)
        centred = frames - mean
        std = tf.sqrt(tf.reduce_mean(tf.square(centred), axis=0, keepdims=True))
        frames = centred / (std + CMVN_EPS)
    return frames
