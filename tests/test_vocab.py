import numpy as np
import pytest

from recognizer.vocab import Vocabulary


def test_encode_decode_round_trip():
    vocab = Vocabulary()
    text = "don't stop me now"
    labels = vocab.encode(text)
    assert labels.dtype == np.int32 and labels.min() >= 1 and labels.max() < vocab.size
    assert vocab.decode(labels) == text


def test_normalize_spells_numbers_and_drops_punctuation():
    vocab = Vocabulary()
    assert vocab.normalize("It's 3 o'clock, on May 21st!") == "it's three o'clock on may twenty first"
    assert vocab.normalize("  Café\tNAÏVE ") == "cafe naive"
    assert vocab.normalize("'quoted' words") == "quoted words"


def test_custom_alphabet_keeps_digits_and_case(tmp_path):
    vocab = Vocabulary(alphabet=" abcABC123.", lowercase=False, spell_numbers=True)
    assert vocab.normalize("Cab 12.") == "Cab 12."
    path = tmp_path / "vocab.json"
    vocab.save(path)
    assert Vocabulary.load(path) == vocab


def test_decode_skips_blank_and_out_of_range():
    vocab = Vocabulary()
    assert vocab.decode([0, 1, 2, 0, 99]) == " a"


def test_repeated_characters_rejected():
    with pytest.raises(ValueError):
        Vocabulary(alphabet="aab")


def test_ink_vocabulary_keeps_case_digits_and_quotes():
    vocab = Vocabulary.for_ink()
    text = "'Tis 42 o'clock, (Mr. \"X\")!"
    assert vocab.normalize(text) == text
    assert vocab.decode(vocab.encode(text)) == text
