import gzip

import numpy as np
import pytest
import soundfile as sf

from pipelines.asterisk_prompts import main, prompt_rows, read_transcripts, spoken_text
from pipelines.data import read_manifest
from recognizer.vocab import Vocabulary

TRANSCRIPTS = """; Core Asterisk Sounds in English

beep: [this is a simple beep tone]
cannot-complete-as-dialed: Your call cannot be completed as dialed.
dictate/both_help: press * to toggle pause, press # to enter a new dictation filename
digits/7: seven
silence/1: (1 second of silence)
not-recorded: This prompt has no recording here.
"""


@pytest.fixture
def prompts(tmp_path):
    sounds = tmp_path / "sounds"
    for name in ("beep", "cannot-complete-as-dialed", "dictate/both_help", "digits/7", "silence/1"):
        (sounds / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(sounds / f"{name}.wav", np.zeros(800, np.float32), 8000)
    transcripts = tmp_path / "core-sounds-en.txt.gz"
    with gzip.open(transcripts, "wt") as f:
        f.write(TRANSCRIPTS)
    return sounds, transcripts


def test_transcripts_are_read_without_comments(prompts):
    prompts_text = read_transcripts(prompts[1])
    assert len(prompts_text) == 6 and prompts_text["digits/7"] == "seven"


def test_spoken_text_leaves_out_tones_and_silence_and_reads_the_keys():
    assert spoken_text("[ascending tones]") is None and spoken_text("(10 seconds of silence)") is None
    assert spoken_text("press * then #") == "press  star  then  pound "


def test_rows_are_the_spoken_prompts_with_a_recording_grouped_by_folder(prompts):
    rows = prompt_rows(*prompts, Vocabulary().normalize)
    assert [(wav.name, text, group) for wav, text, group in rows] == [
        ("cannot-complete-as-dialed.wav", "your call cannot be completed as dialed", "asterisk:main"),
        ("both_help.wav", "press star to toggle pause press pound to enter a new dictation filename",
         "asterisk:dictate"),
        ("7.wav", "seven", "asterisk:digits")]


def test_cli_writes_a_manifest_and_a_missing_package_is_one_line(prompts, tmp_path, capsys):
    sounds, transcripts = prompts
    assert main(["--out", str(tmp_path / "real"), "--sounds", str(sounds), "--transcripts", str(transcripts)]) == 0
    utterances = read_manifest(tmp_path / "real" / "asterisk.csv")
    assert len(utterances) == 3 and utterances[2].transcript == "seven" and utterances[2].group == "asterisk:digits"
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path / "x"), "--sounds", str(tmp_path / "nowhere"), "--transcripts", str(transcripts)])
    assert exit_info.value.code == 2 and "asterisk-core-sounds-en-wav" in capsys.readouterr().err.splitlines()[-1]
