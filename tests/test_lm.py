import math

import numpy as np
import pytest

from recognizer.ctc import beam_decode
from recognizer.lm import EOS, LMScorer, NGramLM

CORPUS = ["turn on the lights", "turn off the lights", "turn on the radio", "the lights are on",
          "open the door", "close the door", "the door is open"]
ALPHABET = " abcdefghijklmnopqrstuvwxyz'"


@pytest.fixture(scope="module")
def lm():
    return NGramLM.train(CORPUS, order=3)


def test_probabilities_sum_to_one(lm):
    vocab = [g[0] for g in lm.probs[1] if g[0] not in ("<s>", "<unk>")]
    for history in [("<s>",), ("<s>", "turn"), ("turn", "on"), ("the",), ("never", "seen")]:
        total = sum(10 ** lm.score(history, w) for w in vocab)
        assert total == pytest.approx(1.0, abs=2e-3), history


def test_seen_sentences_beat_scrambled_ones(lm):
    assert lm.sentence_log10("turn on the lights") > lm.sentence_log10("lights the on turn")
    # unknown words score as <unk>: the share of words seen once in training
    tokens = " ".join(CORPUS).split()
    once = sum(1 for w in set(tokens) if tokens.count(w) == 1)
    assert lm.score(("<s>", "zzz"), "qqq") == pytest.approx(math.log10(once / len(tokens)))
    assert NGramLM.train(CORPUS, unk_log10=-7).score(("<s>", "zzz"), "qqq") == -7


@pytest.mark.parametrize("name", ["lm.arpa", "lm.arpa.gz"])
def test_arpa_round_trip(lm, tmp_path, name):
    lm.save_arpa(tmp_path / name)
    back = NGramLM.load_arpa(tmp_path / name)
    assert back.order == 3
    for sentence in CORPUS + ["lights on the door", "unknown words here"]:
        assert back.sentence_log10(sentence) == pytest.approx(lm.sentence_log10(sentence), abs=1e-4)
    text = (tmp_path / name).read_bytes() if name.endswith(".arpa") else b""
    assert not text or text.startswith(b"\n\\data\\\nngram 1=")


def test_load_rejects_non_arpa(tmp_path):
    (tmp_path / "x.arpa").write_text("hello\n")
    with pytest.raises(ValueError, match="not an ARPA"):
        NGramLM.load_arpa(tmp_path / "x.arpa")


def spell_logits(frames, confusions=None, peak=6.0):
    """Logits spelling ``frames`` (a string, '_' = blank) with optional (frame, char, logit) ties."""
    logits = np.zeros((len(frames), len(ALPHABET) + 1), dtype=np.float32)
    for t, c in enumerate(frames):
        logits[t, 0 if c == "_" else ALPHABET.index(c) + 1] = peak
    for t, c, value in confusions or []:
        logits[t, ALPHABET.index(c) + 1] = value
    return logits


def text_of(alignment):
    return "".join(ALPHABET[k - 1] for k in alignment.labels)


def test_lm_fixes_an_acoustically_ambiguous_word(lm):
    # acoustics slightly prefer "turn on the rights"; the LM knows "lights"
    frames = "turn on the rights_"
    logits = spell_logits(frames, [(12, "l", 5.6)])
    assert text_of(beam_decode(logits, beam_width=8)) == "turn on the rights"
    scorer = LMScorer(lm, ALPHABET, alpha=1.0, beta=0.0)
    assert text_of(beam_decode(logits, beam_width=8, scorer=scorer)) == "turn on the lights"


def test_hot_words_boost_rare_words():
    logits = spell_logits("cal_l bob", [(6, "r", 5.5)])
    assert text_of(beam_decode(logits, beam_width=8)) == "call bob"
    scorer = LMScorer(None, ALPHABET, beta=0.0, hot_words={"rob": 2.0})
    assert text_of(beam_decode(logits, beam_width=8, scorer=scorer)) == "call rob"


def test_finish_scores_end_of_sentence(lm):
    scorer = LMScorer(lm, ALPHABET, alpha=1.0, beta=0.0)
    prefix = tuple(ALPHABET.index(c) + 1 for c in "open the door")
    expected = math.log(10) * (lm.score(("<s>", "open", "the"), "door") + lm.score(("<s>", "open", "the", "door"), EOS))
    assert scorer.finish(prefix) == pytest.approx(expected)


def test_build_lm_command(tmp_path):
    from pipelines.build_lm import main

    text = tmp_path / "corpus.txt"
    text.write_text("Turn ON the lights!\nturn off the lights\n\n")
    out = tmp_path / "lm.arpa"
    held_out = tmp_path / "dev.txt"
    held_out.write_text("turn off the lights\n")
    assert main([str(text), "--out", str(out), "--order", "2", "--exclude", str(held_out)]) == 0
    lm = NGramLM.load_arpa(out)
    assert lm.order == 2 and ("lights",) in lm.probs[1] and ("turn", "on") in lm.probs[2]
    assert ("turn", "off") not in lm.probs[2]


def test_grid_search_prefers_the_lm_when_it_helps(lm):
    from pipelines.tune_decoder import grid_search

    logits = [spell_logits("turn on the rights_", [(12, "l", 5.6)])]
    results = grid_search(logits, ["turn on the lights"], ALPHABET, lm, [0.0, 1.0], [0.0], beam_width=8, progress=None)
    assert [(r[2], r[0]) for r in results] == [(1.0, 0.0), (0.0, 0.25)]


def test_oov_penalty_steers_spelling_towards_known_words(lm):
    # "lihts" is slightly more likely acoustically than "lights"; both complete only at the end
    logits = spell_logits("turn on the li_hts_", [(14, "g", 5.7)])
    assert text_of(beam_decode(logits, beam_width=8)) == "turn on the lihts"
    scorer = LMScorer(lm, ALPHABET, alpha=0.0, beta=0.0, oov_penalty=-3.0)
    assert text_of(beam_decode(logits, beam_width=8, scorer=scorer)) == "turn on the lights"
    assert "ligh" in lm.word_prefixes() and "lih" not in lm.word_prefixes()


def test_lm_word_drops_case_and_surrounding_punctuation():
    from recognizer.lm import lm_sentence, lm_word

    assert [lm_word(w) for w in ["Hello,", "(1984)", "don't", "'quoted'", "-", "U.S."]] == \
        ["hello", "1984", "don't", "quoted", "", "u.s"]
    assert lm_sentence('"Turn ON the lights!" - now') == "turn on the lights now"
    for word in ["turn", "don't", "lights"]:  # speech-alphabet words are their own LM words
        assert lm_word(word) == word


def test_handwriting_words_are_scored_as_plain_lm_words(lm):
    alphabet = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,!-"
    scorer = LMScorer(lm, alphabet, alpha=1.0, beta=0.5)
    labels = lambda text: tuple(alphabet.index(c) + 1 for c in text)  # noqa: E731
    space = alphabet.index(" ") + 1
    plain = scorer(labels("turn on the lights"), space)
    assert scorer(labels("Turn on the Lights!"), space) == pytest.approx(plain)
    assert plain == pytest.approx(0.5 + math.log(10) * lm.score(("<s>", "turn", "on", "the"), "lights"))
    assert scorer(labels("turn on -"), space) == 0.0  # a bare dash is not a word
    # the dash is not in the history either: "the" follows "turn on" as in "turn on the"
    assert scorer(labels("Turn on - the"), space) == pytest.approx(scorer(labels("turn on the"), space))
    assert scorer.finish(labels("Open the door.")) == pytest.approx(scorer.finish(labels("open the door")))


def test_oov_penalty_ignores_case_and_trailing_punctuation(lm):
    alphabet = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,"
    scorer = LMScorer(lm, alphabet, alpha=0.0, beta=0.0, oov_penalty=-3.0)
    labels = lambda text: tuple(alphabet.index(c) + 1 for c in text)  # noqa: E731
    assert scorer(labels("the Doo"), alphabet.index("r") + 1) == 0.0
    assert scorer(labels("the Door"), alphabet.index(",") + 1) == 0.0
    assert scorer(labels("the Doo"), alphabet.index("x") + 1) == -3.0


def test_build_lm_leaves_out_sentences_holding_a_held_out_line(tmp_path):
    from pipelines.build_lm import containing_any, main

    sentences = ["turn on the lights now", "turn off the lights", "the door is open"]
    assert containing_any(sentences, {"the lights", "door"}) == {sentences[0], sentences[1], sentences[2]}
    assert containing_any(sentences, {"on the lights"}) == {sentences[0]}
    assert containing_any(sentences, {"on the light"}) == set()  # whole words only

    text = tmp_path / "corpus.txt"
    text.write_text("Turn ON the lights, now!\nTurn off the lights.\nThe door is open\n")
    lines = tmp_path / "valid.csv"
    lines.write_text("ink_filename,transcript,group\na.json,\"ON the lights,\",x\n")
    out = tmp_path / "lm.arpa"
    assert main([str(text), "--out", str(out), "--order", "2", "--exclude-containing", str(lines),
                 "--model", "saved_models/ink-en"]) == 0
    lm = NGramLM.load_arpa(out)
    assert ("off",) in lm.probs[1] and ("now",) not in lm.probs[1]  # words of plain, lowercase text
    assert ("turn", "off") in lm.probs[2] and ("the", "door") in lm.probs[2]
