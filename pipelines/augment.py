"""Waveform augmentation (noise, reverberation, speed, vocal tract length, channel, gain, telephone line)
and SpecAugment."""

from __future__ import annotations

import numpy as np


def colored_noise(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """White, pink (1/f) or brown (1/f^2) noise of unit RMS."""
    white = rng.standard_normal(n).astype(np.float32)
    if kind != "white":
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.arange(spectrum.size), 1.0)
        spectrum /= np.sqrt(f) if kind == "pink" else f
        white = np.fft.irfft(spectrum, n).astype(np.float32)
    return white / (np.sqrt(np.mean(white ** 2)) + 1e-9)


def add_noise(audio: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Mix ``noise`` (tiled/cut to length) into ``audio`` at ``snr_db``."""
    if noise.size < audio.size:
        noise = np.tile(noise, int(np.ceil(audio.size / max(noise.size, 1))))
    noise = noise[: audio.size]
    signal_power = np.mean(audio ** 2) + 1e-12
    noise_power = np.mean(noise ** 2) + 1e-12
    scale = np.sqrt(signal_power / (noise_power * 10 ** (snr_db / 10)))
    return (audio + scale * noise).astype(np.float32)


def reverberate(audio: np.ndarray, rng: np.random.Generator, sample_rate: int = 16000) -> np.ndarray:
    """Convolve with a synthetic room impulse response (exponentially decaying noise)."""
    from scipy.signal import fftconvolve

    rt60 = rng.uniform(0.15, 0.8)
    n = int(rt60 * sample_rate)
    t = np.arange(n) / sample_rate
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[0] = 1.0 / rng.uniform(0.3, 1.0)  # direct path
    wet = fftconvolve(audio, ir)[: audio.size]
    return (wet * (np.max(np.abs(audio)) / (np.max(np.abs(wet)) + 1e-9))).astype(np.float32)


def change_speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (tempo and pitch change together, as in Kaldi's speed perturbation)."""
    from recognizer.audio import resample

    return resample(audio, int(round(16000 * factor)), 16000)


def warp_vocal_tract(audio: np.ndarray, factor: float, sample_rate: int = 16000, n_fft: int = 512,
                     hop_length: int = 128, boundary_hz: float = 4800.0) -> np.ndarray:
    """Vocal tract length perturbation (Jaitly & Hinton's VTLP) on the waveform: the spectrum's
    frequency axis scaled by ``factor`` up to a boundary, then piecewise linear to Nyquist, so
    formants move as for a longer or shorter vocal tract while duration stays. Magnitudes are
    interpolated along frequency; phases advance at the warped instantaneous frequency of the
    nearest source bin (as in a phase vocoder), so a tone comes out as one tone."""
    import librosa

    spectrum = librosa.stft(audio, n_fft=n_fft, hop_length=hop_length)
    nyquist = sample_rate / 2
    freqs = np.linspace(0, nyquist, spectrum.shape[0])
    knee = boundary_hz * min(factor, 1.0) / factor  # the source frequency where the slope changes
    warped = np.where(freqs <= knee, freqs * factor,
                      nyquist - (nyquist - knee * factor) / (nyquist - knee) * (nyquist - freqs))
    source_hz = np.interp(freqs, warped, freqs)  # the source frequency of each target bin
    source = source_hz / nyquist * (spectrum.shape[0] - 1)  # the same in (fractional) bins
    low = np.clip(np.floor(source).astype(int), 0, spectrum.shape[0] - 2)
    weight = (source - low)[:, None]
    magnitude = (1 - weight) * np.abs(spectrum[low]) + weight * np.abs(spectrum[low + 1])
    nearest = np.rint(source).astype(int)
    phases = np.angle(spectrum)
    expected = 2 * np.pi * np.arange(spectrum.shape[0]) * hop_length / n_fft  # phase advance per hop
    deviation = np.diff(phases, axis=1) - expected[:, None]
    advance = expected[:, None] + (deviation + np.pi) % (2 * np.pi) - np.pi  # true advance per source bin
    ratio = np.where(source_hz > 0, freqs / np.maximum(source_hz, 1e-9), 1.0)  # warped / source frequency
    steps = advance[nearest] * ratio[:, None]
    phase = phases[nearest, :1] + np.concatenate([np.zeros((len(nearest), 1)), np.cumsum(steps, axis=1)], axis=1)
    out = librosa.istft(magnitude * np.exp(1j * phase), hop_length=hop_length, n_fft=n_fft, length=audio.size)
    return out.astype(np.float32)


def band_limit(audio: np.ndarray, rng: np.random.Generator, sample_rate: int = 16000) -> np.ndarray:
    """A random microphone or telephone channel: a Butterworth band-pass from 60-400 Hz up to
    2.8-7.5 kHz, of order 1-4."""
    from scipy.signal import butter, sosfilt

    low, high = rng.uniform(60, 400), rng.uniform(2800, 7500)
    sos = butter(int(rng.integers(1, 5)), [low, high], btype="bandpass", fs=sample_rate, output="sos")
    return sosfilt(sos, audio).astype(np.float32)


def telephone(audio: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """A telephone line: resampled to 8 kHz (nothing above 4 kHz survives), coded as 8-bit G.711
    mu-law and resampled back to ``sample_rate``."""
    import librosa
    from scipy.signal import resample_poly

    factor = sample_rate // 8000
    narrow = resample_poly(audio, 1, factor)
    peak = max(float(np.abs(narrow).max()), 1e-9)
    coded = librosa.mu_compress(np.clip(narrow / peak, -1.0, 1.0), mu=255, quantize=True)
    wide = resample_poly(librosa.mu_expand(coded, mu=255, quantize=True) * peak, factor, 1)
    return np.pad(wide, (0, max(0, audio.size - wide.size)))[:audio.size].astype(np.float32)


def babble_noise(voices: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """Several talkers at once: each recording (tiled to ``n`` samples, started at a random
    point) scaled to unit RMS, summed, and the sum scaled to unit RMS."""
    mix = np.zeros(n, np.float32)
    for voice in voices:
        if voice.size == 0:
            continue
        tiled = np.tile(voice, int(np.ceil(2 * n / voice.size)) + 1)
        start = int(rng.integers(voice.size))
        part = tiled[start:start + n]
        mix += part / (np.sqrt(np.mean(part ** 2)) + 1e-9)
    return mix / (np.sqrt(np.mean(mix ** 2)) + 1e-9)


def augment_waveform(audio: np.ndarray, rng: np.random.Generator, babble=None) -> np.ndarray:
    """A random chain: speed, vocal tract length, reverberation, channel, noise
    (white/pink/brown/babble), gain and (drawn last, so the other draws are those of the chain
    without it; since speech-en stage 19) a telephone line.

    ``babble`` is a list of other recordings, or a function returning one (called only when
    babble is the noise drawn, so nothing is read otherwise); without it no babble is drawn."""
    if rng.random() < 0.5:
        audio = change_speed(audio, rng.uniform(0.85, 1.15))
    if rng.random() < 0.6:
        audio = warp_vocal_tract(audio, rng.uniform(0.87, 1.15))
    if rng.random() < 0.3:
        audio = reverberate(audio, rng)
    if rng.random() < 0.25:
        audio = band_limit(audio, rng)
    if rng.random() < 0.8:
        kinds = ["white", "pink", "brown"] + (["babble"] if babble is not None else [])
        kind = kinds[rng.integers(len(kinds))]
        if kind == "babble":
            noise = babble_noise(babble() if callable(babble) else babble, audio.size, rng)
        else:
            noise = colored_noise(rng, audio.size, kind)
        audio = add_noise(audio, noise, rng.uniform(0, 30))
    audio = np.clip(audio * rng.uniform(0.2, 1.5), -1.0, 1.0)
    if rng.random() < 0.15:
        audio = telephone(audio)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def spec_augment(features, lengths, freq_masks=2, freq_width=4, time_masks=2, time_share=0.05):
    """SpecAugment on a padded batch (TensorFlow ops, for tf.data): frequency and time masks."""
    import tensorflow as tf

    batch, steps, dim = tf.shape(features)[0], tf.shape(features)[1], tf.shape(features)[2]

    def random_below(limit):  # one int in [0, limit) per batch item; limit is (batch,)
        return tf.cast(tf.random.uniform([batch]) * tf.cast(limit, tf.float32), tf.int32)[:, None, None]

    keep = tf.ones_like(features)
    for _ in range(freq_masks):
        width = random_below(tf.fill([batch], freq_width + 1))
        start = random_below(tf.maximum(dim - width[:, 0, 0], 1))
        idx = tf.range(dim)[None, None, :]
        keep *= tf.cast((idx < start) | (idx >= start + width), features.dtype)
    for _ in range(time_masks):
        width = random_below(tf.maximum(tf.cast(tf.cast(lengths, tf.float32) * time_share, tf.int32), 1))
        start = random_below(tf.maximum(lengths - width[:, 0, 0], 1))
        idx = tf.range(steps)[None, :, None]
        keep *= tf.cast((idx < start) | (idx >= start + width), features.dtype)
    return features * keep
