"""English text for synthetic corpora: sentences from Debian's fortunes plus short commands.

The fortunes collection (Debian package ``fortunes``) is a broad-vocabulary source of
real English: quotes, jokes, definitions, literature.  Sentences are cut at sentence
punctuation and kept when they normalise to a sensible length.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

FORTUNE_DIR = Path("/usr/share/games/fortunes")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")

COMMAND_VERBS = ("turn on", "turn off", "open", "close", "start", "stop", "play", "pause",
                 "call", "show", "go", "move", "volume", "next", "previous", "lights",
                 "check", "find", "set", "cancel", "read", "send", "save", "delete")
COMMAND_OBJECTS = ("lights", "music", "door", "window", "camera", "timer", "alarm", "up", "down",
                   "left", "right", "home", "back", "mail", "map", "radio", "heater", "fan",
                   "weather", "messages", "video", "file", "screen", "recording", "forward")


def fortune_files(directory: Path = FORTUNE_DIR) -> list[Path]:
    """The fortune text files (the UTF-8 ``.u8`` copies when present)."""
    files = sorted(directory.glob("*.u8"))
    if not files:
        files = sorted(p for p in directory.glob("*") if p.is_file() and not p.suffix)
    return files


def _looks_like_prose(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.6 * max(1, len(text.replace(" ", ""))) and not re.search(r"[|_\\/<>{}=#@]", text)


def fortune_sentences(directory: Path = FORTUNE_DIR) -> list[str]:
    """Raw sentences from the fortunes files, de-duplicated, in file order."""
    seen, out = set(), []
    for path in fortune_files(directory):
        for fortune in path.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            text = " ".join(fortune.split())
            for sentence in _SENTENCE_END.split(text):
                sentence = sentence.strip(" -\"'()")
                if sentence and _looks_like_prose(sentence) and sentence not in seen:
                    seen.add(sentence)
                    out.append(sentence)
    return out


def command_phrases(rng: random.Random, count: int) -> list[str]:
    """Short two-to-three word commands ("turn on lights", "stop timer")."""
    return [f"{rng.choice(COMMAND_VERBS)} {rng.choice(COMMAND_OBJECTS)}" for _ in range(count)]


def build_texts(normalize, count: int, seed: int, min_words: int = 1, max_words: int = 18,
                command_share: float = 0.05) -> list[str]:
    """``count`` normalised texts: shuffled fortune sentences plus a share of commands."""
    rng = random.Random(seed)
    texts = []
    for sentence in fortune_sentences():
        norm = normalize(sentence)
        if min_words <= len(norm.split()) <= max_words:
            texts.append(norm)
    texts = sorted(set(texts))
    rng.shuffle(texts)
    n_commands = int(count * command_share)
    return texts[: count - n_commands] + command_phrases(rng, n_commands)
