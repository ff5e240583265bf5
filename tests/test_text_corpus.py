import pytest

from pipelines import text_corpus
from pipelines.build_lm import main as build_lm
from pipelines.build_lm import read_sentences
from pipelines.text_corpus import fortune_sentences, wordnet_examples, wordnet_texts
from recognizer.vocab import Vocabulary

LICENCE = "  1 This software and database is being provided to you, the LICENSEE, by  \n"


def write_wordnet(folder):
    folder.mkdir()
    (folder / "data.noun").write_text(
        LICENCE + '00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived to exist\n'
        '02084071 05 n 01 dog 0 | a member of the genus Canis; "the dog barked all night"; '
        '"the dog  barked all night"\n')
    (folder / "data.verb").write_text(LICENCE + '00003142 29 v 01 exhale 0 | expel air; "Exhale when you lift the '
                                      'weight"; "the dog barked all night"\n')
    (folder / "data.adj").write_text(LICENCE)
    (folder / "data.adv").write_text("")


def test_wordnet_examples_are_the_quoted_usage_examples_once_each(tmp_path):
    write_wordnet(tmp_path / "wordnet")
    assert wordnet_examples(tmp_path / "wordnet") == ["the dog barked all night", "Exhale when you lift the weight"]


def test_missing_wordnet_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="wordnet-base"):
        wordnet_examples(tmp_path)


def test_build_lm_reads_wordnet_and_a_missing_source_is_one_line(tmp_path, monkeypatch, capsys):
    write_wordnet(tmp_path / "wordnet")
    monkeypatch.setattr(text_corpus, "wordnet_examples", lambda: wordnet_examples(tmp_path / "wordnet"))
    assert read_sentences(["wordnet"], Vocabulary()) == ["the dog barked all night", "exhale when you lift the weight"]
    with pytest.raises(SystemExit) as exit_info:
        build_lm([str(tmp_path / "missing.txt"), "--out", str(tmp_path / "lm.arpa")])
    assert exit_info.value.code == 2 and "missing.txt" in capsys.readouterr().err.strip().splitlines()[-1]
    text = tmp_path / "corpus.txt"
    text.write_text("turn on the lights\n")
    with pytest.raises(SystemExit) as exit_info:
        build_lm([str(text), "--out", str(tmp_path / "lm.arpa"), "--exclude-containing", str(tmp_path / "gone.csv")])
    assert exit_info.value.code == 2 and "gone.csv" in capsys.readouterr().err.strip().splitlines()[-1]


def test_fortune_sentences_are_cut_at_sentence_ends_and_keep_prose_only(tmp_path):
    (tmp_path / "wisdom.u8").write_text("Look before you leap.  He who hesitates is lost!\n%\n"
                                        "| a | table |\n%\nLook before you leap.\n")
    assert fortune_sentences(tmp_path) == ["Look before you leap.", "He who hesitates is lost!"]


def test_wordnet_texts_are_seeded_and_never_an_evaluation_or_validation_text(monkeypatch):
    examples = ["The game ended in a draw", "Pepper makes me sneeze", "stop the timer", "she sighed sadly",
                "hold your breath", "sneeze"]
    monkeypatch.setattr(text_corpus, "wordnet_examples", lambda: examples)
    normalize = Vocabulary().normalize
    texts = wordnet_texts(normalize, 2, seed=0, exclude=["she sighed sadly"])
    assert texts == wordnet_texts(normalize, 2, seed=0, exclude=["she sighed sadly"])
    orders = {tuple(wordnet_texts(normalize, 3, seed=s)) for s in range(8)}  # the seed orders them
    assert len(orders) > 1 and all(set(o) == {"pepper makes me sneeze", "hold your breath", "she sighed sadly"}
                                   for o in orders)
    usable = {"pepper makes me sneeze", "hold your breath"}  # everyday.txt, a validation text, one word left out
    assert set(texts) == usable and wordnet_texts(normalize, 0, seed=0) == []
    with pytest.raises(ValueError, match="only 2 WordNet examples"):
        wordnet_texts(normalize, 3, seed=0, exclude=["she sighed sadly"])
