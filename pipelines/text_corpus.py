"""English text for synthetic corpora and language models: Debian's fortunes, WordNet's usage
examples and short commands.

The fortunes collection (Debian package ``fortunes``) is a broad-vocabulary source of
real English: quotes, jokes, definitions, literature.  Sentences are cut at sentence
punctuation and kept when they normalise to a sensible length.  WordNet (Debian package
``wordnet-base``) shows most of its word senses in use, in some 48,000 short everyday sentences
("Pepper makes me sneeze"): plain spoken English that the fortunes have little of.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

FORTUNE_DIR = Path("/usr/share/games/fortunes")
WORDNET_DIR = Path("/usr/share/wordnet")
EVALUATION_TEXTS = tuple(Path(__file__).parent / "texts" / name
                         for name in ("everyday.txt", "commands.txt", "command_phrases.txt"))
_WORDNET_EXAMPLE = re.compile(r'"([^"]+)"')
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


def wordnet_examples(directory: Path = WORDNET_DIR) -> list[str]:
    """The usage examples of WordNet's synsets (the quoted parts of each gloss), de-duplicated, in
    file order; FileNotFoundError when WordNet's data files are not installed."""
    paths = [directory / f"data.{part}" for part in ("noun", "verb", "adj", "adv")]
    if not all(p.exists() for p in paths):
        raise FileNotFoundError(f"WordNet's data files are not in {directory} (Debian package wordnet-base)")
    seen, out = set(), []
    for path in paths:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  ") or " | " not in line:  # the licence header, or a synset without a gloss
                continue
            for example in _WORDNET_EXAMPLE.findall(line.split(" | ", 1)[1]):
                example = " ".join(example.split())
                if example and example not in seen:
                    seen.add(example)
                    out.append(example)
    return out


def command_phrases(rng: random.Random, count: int) -> list[str]:
    """Short two-to-three word commands ("turn on lights", "stop timer")."""
    return [f"{rng.choice(COMMAND_VERBS)} {rng.choice(COMMAND_OBJECTS)}" for _ in range(count)]


def sentence_pool(normalize, seed: int, min_words: int = 1, max_words: int = 18) -> list[str]:
    """Every usable normalised fortune sentence once, in a seeded random order."""
    texts = sorted({norm for norm in map(normalize, fortune_sentences()) if min_words <= len(norm.split()) <= max_words})
    random.Random(seed).shuffle(texts)
    return texts


def wordnet_texts(normalize, count: int, seed: int, exclude=(), min_words: int = 2,
                  max_words: int = 18) -> list[str]:
    """``count`` normalised WordNet usage examples in a seeded order, none of them in ``exclude``
    (validation texts) or in the evaluation texts of ``pipelines/texts``."""
    if count <= 0:
        return []
    banned = set(exclude) | {normalize(line) for path in EVALUATION_TEXTS
                             for line in path.read_text(encoding="utf-8").splitlines()}
    texts = sorted({norm for norm in map(normalize, wordnet_examples())
                    if min_words <= len(norm.split()) <= max_words and norm not in banned})
    random.Random(f"{seed}:wordnet").shuffle(texts)
    if len(texts) < count:
        raise ValueError(f"only {len(texts)} WordNet examples are usable, not {count}")
    return texts[:count]


def split_texts(normalize, sizes: dict[str, int], seed: int, command_share: float = 0.05,
                held_back: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Texts for each named split, each with ``command_share`` short commands mixed in.

    Splits named in ``held_back`` (validation and test sets) take their sentences from the
    end of the seeded pool, the others from the start: a held-back sentence is therefore the
    same whatever the training size, and never spoken in training.
    """
    pool = sentence_pool(normalize, seed)
    head, tail = 0, len(pool)
    out = {}
    for name, size in sizes.items():
        n_commands = int(round(size * command_share))
        n_sentences = size - n_commands
        if name in held_back:
            sentences, tail = pool[tail - n_sentences:tail], tail - n_sentences
        else:
            sentences, head = pool[head:head + n_sentences], head + n_sentences
        if head > tail:
            raise ValueError(f"only {len(pool)} distinct sentences: ask for fewer texts")
        rng = random.Random(f"{seed}:{name}")
        texts = sentences + command_phrases(rng, n_commands)
        rng.shuffle(texts)
        out[name] = texts
    return out
