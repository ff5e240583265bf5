import pytest
import soundfile as sf

from pipelines.sources import load_source, read_folder


def test_folder_of_audio_and_transcripts(tmp_path, tone):
    (tmp_path / "spk1").mkdir()
    sf.write(tmp_path / "spk1" / "a.wav", tone, 16000)
    (tmp_path / "spk1" / "a.txt").write_text("hello there\n")
    sf.write(tmp_path / "b.flac", tone, 16000, format="FLAC")
    (tmp_path / "b.txt").write_text("second one")
    sf.write(tmp_path / "no_transcript.wav", tone, 16000)
    items = read_folder(tmp_path)
    assert [(p.split("/")[-1], t, g) for p, t, g in ((u.path, u.transcript, u.group) for u in items)] == [
        ("b.flac", "second one", ""), ("a.wav", "hello there", "spk1")]
    assert load_source(str(tmp_path)) == items


def test_empty_folder_and_bad_specs(tmp_path):
    with pytest.raises(ValueError, match="no audio or ink files"):
        read_folder(tmp_path)
    with pytest.raises(ValueError, match="no such manifest"):
        load_source(str(tmp_path / "missing.csv"))
    with pytest.raises(ValueError, match="tfds:NAME"):
        load_source("tfds:librispeech")


@pytest.mark.parametrize("name,split", [("librispeech", "train_clean100"), ("ljspeech", "train"),
                                        ("speech_commands", "train")])
def test_tfds_sources_export_to_manifests(tmp_path, name, split):
    from tensorflow_datasets.testing import mock_data

    with mock_data(num_examples=4):
        items = load_source(f"tfds:{name}:{split}", cache_dir=tmp_path)
    assert 0 < len(items) <= 4
    audio, rate = sf.read(items[0].path)
    assert audio.ndim == 1 and rate in (16000, 22050)
    if name == "speech_commands":
        assert all(not u.transcript.startswith("_") for u in items)
    # a second call reuses the export
    assert load_source(f"tfds:{name}:{split}", cache_dir=tmp_path) == items
    with pytest.raises(ValueError, match="unsupported"):
        load_source("tfds:mnist:train", cache_dir=tmp_path)
