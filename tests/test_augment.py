"""Waveform augmentation and SpecAugment: the mixes have the levels and shapes they promise."""

import numpy as np
import pytest

from pipelines.augment import (
    add_noise,
    augment_waveform,
    babble_noise,
    band_limit,
    change_speed,
    colored_noise,
    reverberate,
    spec_augment,
    telephone,
)


def snr_db(clean, mixed):
    return 10 * np.log10(np.mean(clean ** 2) / np.mean((mixed - clean) ** 2))


@pytest.mark.parametrize("kind", ["white", "pink", "brown"])
def test_colored_noise_has_unit_rms_and_its_slope(kind):
    noise = colored_noise(np.random.default_rng(0), 32000, kind)
    assert np.sqrt(np.mean(noise ** 2)) == pytest.approx(1.0, rel=1e-3)
    power = np.abs(np.fft.rfft(noise)) ** 2
    low, high = power[10:200].mean(), power[4000:8000].mean()
    assert {"white": 0.5 < low / high < 2, "pink": low / high > 10, "brown": low / high > 300}[kind]


def test_noise_is_mixed_at_the_asked_snr():
    clean = np.sin(np.arange(16000) / 10).astype(np.float32) * 0.3
    noise = colored_noise(np.random.default_rng(1), 5000, "white")  # shorter: tiled
    for snr in (0.0, 15.0, 30.0):
        assert snr_db(clean, add_noise(clean, noise, snr)) == pytest.approx(snr, abs=0.05)


def test_babble_sums_several_talkers_at_unit_rms():
    rng = np.random.default_rng(2)
    talkers = [np.sin(np.arange(n) / f).astype(np.float32) * a for n, f, a in ((3000, 5, 0.1), (9000, 13, 0.8))]
    mix = babble_noise(talkers, 16000, rng)
    assert mix.shape == (16000,) and np.sqrt(np.mean(mix ** 2)) == pytest.approx(1.0, rel=1e-3)
    spectrum = np.abs(np.fft.rfft(mix))
    peaks = {int(round(16000 / (2 * np.pi * f))) for f in (5, 13)}  # both talkers are in the mix
    assert all(spectrum[p - 3:p + 4].max() > 20 * np.median(spectrum) for p in peaks)
    assert babble_noise([np.zeros(0, np.float32)], 100, rng).shape == (100,)


def test_speed_and_reverberation_keep_the_signal_usable():
    audio = np.random.default_rng(3).uniform(-0.5, 0.5, 16000).astype(np.float32)
    assert change_speed(audio, 1.25).size == pytest.approx(16000 / 1.25, abs=2)
    wet = reverberate(audio, np.random.default_rng(4))
    assert wet.shape == audio.shape and np.abs(wet).max() == pytest.approx(np.abs(audio).max(), rel=1e-4)


def test_vocal_tract_warp_moves_frequencies_and_keeps_duration():
    from pipelines.augment import warp_vocal_tract

    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    assert np.abs(warp_vocal_tract(tone, 1.0) - tone).max() < 1e-5
    for factor in (0.87, 1.15):
        warped = warp_vocal_tract(tone, factor)
        middle = warped[2000:-2000]
        peak = np.argmax(np.abs(np.fft.rfft(middle))) * 16000 / middle.size
        assert warped.size == tone.size and abs(peak - 1000 * factor) < 10
        assert 0.8 < np.sqrt(np.mean(warped ** 2) / np.mean(tone ** 2)) < 1.1  # one tone, not a smear


def test_band_limit_keeps_speech_band_and_cuts_the_edges():
    noise = colored_noise(np.random.default_rng(6), 32000, "white")
    for seed in range(5):
        out = band_limit(noise, np.random.default_rng(seed))
        power = np.abs(np.fft.rfft(out)) ** 2 / np.abs(np.fft.rfft(noise)) ** 2  # bin k is k / 2 Hz
        assert out.shape == noise.shape and out.dtype == np.float32
        assert power[1500:3000].mean() > 0.5  # 750-1500 Hz passes
        assert power[15600:16000].mean() < 0.3 * power[1500:3000].mean()  # 7.8-8 kHz is cut
        assert power[40:80].mean() < 0.5 * power[1500:3000].mean()  # 20-40 Hz is cut


def test_telephone_keeps_the_narrow_band_and_nothing_above_4_khz():
    noise = colored_noise(np.random.default_rng(6), 32001, "white") * 0.3
    out = telephone(noise)
    power = np.abs(np.fft.rfft(out[:32000])) ** 2 / np.abs(np.fft.rfft(noise[:32000])) ** 2  # bin k is k / 2 Hz
    assert out.shape == noise.shape and out.dtype == np.float32
    assert 0.7 < power[1000:6000].mean() < 1.3  # 0.5-3 kHz passes
    assert power[8800:16000].mean() < 0.02  # 4.4-8 kHz is gone
    from scipy.signal import resample_poly

    line = resample_poly(resample_poly(noise, 1, 2), 2, 1)[:noise.size]  # the band without the 8-bit coding
    snr = 10 * np.log10(np.sum(line ** 2) / np.sum((out - line) ** 2))
    assert 25 < snr < 45  # mu-law's quantization noise, about 38 dB below the signal


def test_augment_is_seeded_clipped_and_reads_babble_only_when_drawn():
    audio = np.random.default_rng(5).uniform(-0.9, 0.9, 8000).astype(np.float32)
    calls = []

    def talkers():
        calls.append(1)
        return [audio[::-1].copy()]

    outputs = [augment_waveform(audio, np.random.default_rng(seed), babble=talkers) for seed in range(40)]
    assert all(np.abs(o).max() <= 1.0 and o.dtype == np.float32 for o in outputs)
    assert 0 < len(calls) < 40  # babble is one of four noises, drawn for some seeds only
    again = augment_waveform(audio, np.random.default_rng(7), babble=talkers)
    assert np.array_equal(outputs[7], again)
    high = [np.abs(np.fft.rfft(o))[2200:].mean() / np.abs(np.fft.rfft(o))[200:1500].mean() for o in outputs]
    assert 0 < sum(h < 0.05 for h in high) < 20  # a telephone line for some seeds: nothing above 4.4 kHz


def test_spec_augment_masks_bands_and_frames_inside_each_length():
    tf = pytest.importorskip("tensorflow")
    features = tf.ones([2, 100, 26])
    lengths = tf.constant([100, 40])
    masked = spec_augment(features, lengths, freq_masks=1, freq_width=4, time_masks=1, time_share=0.1).numpy()
    assert masked.shape == (2, 100, 26) and set(np.unique(masked)) <= {0.0, 1.0}
    for item, length in enumerate((100, 40)):
        zero_bands = np.flatnonzero((masked[item] == 0).all(axis=0))
        assert zero_bands.size <= 4
        assert (masked[item, length:] == 1).sum() >= (100 - length) * (26 - 4)  # padding is not masked in time
