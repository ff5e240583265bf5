"""Alphabet, text normalisation and label encoding shared by training and decoding.

Index 0 is always the CTC blank; characters of the alphabet follow from index 1.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DEFAULT_ALPHABET = " abcdefghijklmnopqrstuvwxyz'"
INK_ALPHABET = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"-()/&"
BLANK_INDEX = 0

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?")


def _spell_number(token: str) -> str:
    """Spell a number token ("42", "3rd", "1,000", "2.5") in English words."""
    from num2words import num2words

    ordinal = token[-2:] in ("st", "nd", "rd", "th")
    digits = token[:-2] if ordinal else token
    digits = digits.replace(",", "")
    try:
        if ordinal:
            words = num2words(int(digits), to="ordinal")
        elif "." in digits:
            words = num2words(float(digits))
        elif len(digits) == 4 and 1100 <= int(digits) <= 2099:
            words = num2words(int(digits), to="year")
        else:
            words = num2words(int(digits))
    except (ValueError, OverflowError):
        words = " ".join(num2words(int(d)) for d in digits if d.isdigit())
    return " " + words.replace("-", " ").replace(",", "") + " "


@dataclass(frozen=True)
class Vocabulary:
    """The output alphabet of a model and the text normalisation that goes with it.

    ``alphabet`` lists the characters in label order (blank excluded).  With
    ``lowercase`` the text is lowercased before encoding; with ``spell_numbers``
    digits are written out as English words (for speech, where digits are spoken); with
    ``strip_quotes`` apostrophes used as quotation marks are dropped.
    """

    alphabet: str = DEFAULT_ALPHABET
    lowercase: bool = True
    spell_numbers: bool = True
    strip_quotes: bool = True

    def __post_init__(self):
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError("alphabet has repeated characters")
        if not self.alphabet:
            raise ValueError("alphabet is empty")

    @property
    def size(self) -> int:
        """Number of output classes including the blank."""
        return len(self.alphabet) + 1

    @property
    def blank_index(self) -> int:
        return BLANK_INDEX

    def normalize(self, text: str) -> str:
        """Map free text onto the alphabet: fold accents, spell numbers, drop the rest."""
        text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
        text = "".join(c for c in text if not unicodedata.combining(c))
        if self.lowercase:
            text = text.lower()
        if self.spell_numbers and not any(c.isdigit() for c in self.alphabet):
            text = _NUMBER.sub(lambda m: _spell_number(m.group()), text)
        keep = set(self.alphabet)
        text = "".join(c if c in keep else " " for c in text)
        text = " ".join(text.split())
        if self.strip_quotes and "'" in keep:  # quotes used as quotation marks, not apostrophes
            text = re.sub(r"(^|\s)'+|'+(\s|$)", r"\1\2", text)
            text = " ".join(text.split())
        return text

    def encode(self, text: str) -> np.ndarray:
        """Labels (int32, 1-based) of normalised text."""
        index = {c: i + 1 for i, c in enumerate(self.alphabet)}
        return np.array([index[c] for c in self.normalize(text)], dtype=np.int32)

    def decode(self, labels) -> str:
        """Text of a label sequence; blanks and out-of-range labels are skipped."""
        n = len(self.alphabet)
        return "".join(self.alphabet[i - 1] for i in np.asarray(labels).tolist() if 1 <= i <= n)

    @classmethod
    def for_ink(cls) -> "Vocabulary":
        """Handwriting: letters in both cases, digits and basic punctuation, kept as written."""
        return cls(INK_ALPHABET, lowercase=False, spell_numbers=False, strip_quotes=False)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabulary":
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Vocabulary":
        return cls.from_dict(json.loads(Path(path).read_text()))
