import librosa
import numpy as np
import pytest

from recognizer.audio import load_audio
from recognizer.features import FeatureConfig, cmvn, mfcc


def librosa_reference(audio, c: FeatureConfig):
    """librosa's one-call MFCC with the same parameters (top_db=80 is its default)."""
    return librosa.feature.mfcc(y=audio, sr=c.sample_rate, n_mfcc=c.n_mfcc, n_fft=c.n_fft,
                                win_length=c.win_length, hop_length=c.hop_length, n_mels=c.n_mels,
                                fmin=c.fmin, fmax=c.fmax, center=True, pad_mode="constant").T


def test_mfcc_matches_librosa(sample_rows):
    audio = load_audio(sample_rows[0][0])
    config = FeatureConfig(cmvn=False)
    ours = mfcc(audio, config)
    ref = librosa_reference(audio, config)
    assert ours.shape == ref.shape == (config.num_frames(audio.size), config.n_mfcc)
    assert np.allclose(ours, ref, atol=1e-3)


def test_cmvn_and_deltas(sample_rows):
    audio = load_audio(sample_rows[1][0])
    config = FeatureConfig(deltas=True)
    frames = mfcc(audio, config)
    assert frames.shape[1] == config.dim == 3 * config.n_mfcc
    assert np.allclose(frames.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(frames.std(axis=0), 1, atol=1e-2)
    base = cmvn(librosa_reference(audio, config))
    assert np.allclose(frames[:, : config.n_mfcc], base, atol=1e-3)


@pytest.mark.parametrize("samples", [1, 10, 400])
def test_very_short_audio(samples):
    frames = mfcc(np.full(samples, 0.1, dtype=np.float32))
    assert frames.shape[0] >= 1 and np.isfinite(frames).all()


def test_config_round_trip_and_validation():
    config = FeatureConfig(n_mfcc=13, deltas=True)
    assert FeatureConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError):
        FeatureConfig(n_mfcc=80, n_mels=40)
