"""The shipped sentiment scorer on what people write, in six languages."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc.errors import InputFileError
from streamproc.sentiment import default_scorer
from streamproc.sentiment import text as text_module
from streamproc.sentiment.artefact import ARTEFACT_NAME, read_npz, write_npz
from streamproc.sentiment.cli import run, split_line
from streamproc.sentiment.features import features
from streamproc.sentiment.lexicon import LexiconRules, LexiconScorer, arrays_to_lexicons
from streamproc.sentiment.linear import LinearScorer, decode_vocab
from streamproc.sentiment.optimize import SparseRows, softmax_regression
from streamproc.sentiment.text import Tokens, normalise, tokenize
from streamproc.sentiment.train import train, train_reproducibly

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SHIPPED = Path(__file__).resolve().parents[2] / "streamproc" / "sentiment" / ARTEFACT_NAME

NEGATIVE = [
    ("es", "El producto no funciona y no me devuelven el dinero"),
    ("es", "Quiero un reembolso ya, la leche estaba caducada"),
    ("es", "No me gusta nada"),
    ("es", "Otra vez sin servicio, qué vergüenza"),
    ("ca", "Una vergonya, el servei no funciona"),
    ("ca", "No m'agrada gens"),
    ("ca", "L'habitació estava bruta i el personal era molt dolent"),
    ("it", "Fa schifo, voglio il rimborso"),
    ("it", "Non mi piace per niente"),
    ("it", "Sciopero e treni cancellati, che vergogna"),
    ("en", "Still waiting for my refund, the milk was expired"),
    ("en", "Huge outage again, nothing works"),
    ("en", "I don't like it at all"),
    ("en", "Got food poisoning after eating there"),
    ("pt", "Não recomendo, péssimo atendimento"),
    ("pt", "Não gostei do produto"),
    ("pt", "Produto vencido e ninguém resolve"),
    ("fr", "C'est nul, panne depuis ce matin"),
    ("fr", "Pas terrible ce téléphone"),
    ("fr", "Je n'aime pas du tout, arnaque"),
]

POSITIVE = [
    ("es", "Me encanta este producto, muy recomendable"),
    ("ca", "Tot molt net i el personal molt amable"),
    ("it", "Ottimo servizio, mi piace molto"),
    ("en", "I love it, works perfectly"),
    ("pt", "Adorei, muito bom mesmo"),
    ("fr", "J'adore, c'est vraiment très bien"),
]

NEUTRAL = [
    ("es", "La tienda abre a las nueve"),
    ("ca", "El tren surt a les nou"),
    ("it", "Domani alle dieci a Milano"),
    ("en", "The store opens at 9"),
    ("pt", "A loja abre às nove"),
    ("fr", "Le magasin ouvre à neuf heures"),
]


@pytest.mark.parametrize(("lang", "text"), NEGATIVE)
def test_complaints_are_negative(lang: str, text: str) -> None:
    result = default_scorer().score(text, lang)
    assert result.label == "negative", result
    assert result.score < 0


@pytest.mark.parametrize(("lang", "text"), POSITIVE)
def test_praise_is_positive(lang: str, text: str) -> None:
    result = default_scorer().score(text, lang)
    assert result.label == "positive", result
    assert result.score > 0


@pytest.mark.parametrize(("lang", "text"), NEUTRAL)
def test_plain_statements_are_neutral(lang: str, text: str) -> None:
    assert default_scorer().score(text, lang).label == "neutral"


@pytest.mark.parametrize(
    ("lang", "plain", "negated"),
    [
        ("es", "me gusta", "no me gusta"),
        ("ca", "m'agrada", "no m'agrada"),
        ("it", "mi piace", "non mi piace"),
        ("en", "I like it", "I don't like it"),
        ("pt", "gostei", "não gostei"),
        ("fr", "j'aime", "j'aime pas"),
    ],
)
def test_negation_flips_praise(lang: str, plain: str, negated: str) -> None:
    scorer = default_scorer()
    assert scorer.score(plain, lang).score > 0
    assert scorer.score(negated, lang).score < 0


@pytest.mark.parametrize(
    ("lang", "plain", "stronger"),
    [
        ("es", "es malo", "es muy malo"),
        ("ca", "és dolent", "és molt dolent"),
        ("it", "è brutto", "è molto brutto"),
        ("en", "bad service", "really bad service"),
        ("pt", "é ruim", "é muito ruim"),
        ("fr", "c'est mauvais", "c'est très mauvais"),
        ("en", "bad", "baaaaad"),
        ("en", "bad", "BAD"),
        ("es", "horrible", "horrible!!!"),
    ],
)
def test_emphasis_keeps_complaints_negative(lang: str, plain: str, stronger: str) -> None:
    scorer = default_scorer()
    assert scorer.score(plain, lang).label == "negative"
    assert scorer.score(stronger, lang).label == "negative"


@pytest.mark.parametrize(
    ("text", "sign"),
    [("😡😡", -1), ("😍", 1), (":(", -1), (":-)", 1), ("ok 👍", 1), ("😭😭😭", -1)],
)
def test_emoji_and_emoticons_carry_sentiment(text: str, sign: int) -> None:
    assert default_scorer().score(text, "und").score * sign > 0


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "refund"),
        ("en", "outage"),
        ("en", "recall"),
        ("es", "huelga"),
        ("es", "caducado"),
        ("es", "estafa"),
        ("ca", "vaga"),
        ("ca", "caducat"),
        ("ca", "estafa"),
        ("it", "sciopero"),
        ("it", "scaduto"),
        ("it", "truffa"),
        ("pt", "greve"),
        ("pt", "vencido"),
        ("pt", "golpe"),
        ("fr", "grève"),
        ("fr", "périmé"),
        ("fr", "arnaque"),
    ],
)
def test_crisis_words_are_negative_even_negated(lang: str, text: str) -> None:
    scorer = default_scorer()
    assert scorer.score(text, lang).score < 0
    negators = {
        "en": "no",
        "es": "sin",
        "ca": "sense",
        "it": "senza",
        "pt": "sem",
        "fr": "sans",
    }
    assert scorer.score(f"{negators[lang]} {text}", lang).score < 0


def test_hashtags_mentions_and_links_are_normalised() -> None:
    tokens = tokenize("@Acme #FoodPoisoning at https://t.co/x!").words
    assert tokens == ("<user>", "<hashtag>", "food", "poisoning", "at", "<url>", "!")
    assert default_scorer().score("@Acme #FoodPoisoning", "en").label == "negative"


def test_code_switching_uses_other_languages_words() -> None:
    assert default_scorer().score("el servicio es horrible, worst ever", "es").label == ("negative")


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=300),
    st.sampled_from(["es", "ca", "it", "en", "pt", "fr", "und", "de"]),
)
def test_any_text_gives_a_valid_deterministic_score(text: str, lang: str) -> None:
    scorer = default_scorer()
    first = scorer.score(text, lang)
    assert -1.0 <= first.score <= 1.0
    assert 0.0 <= first.confidence <= 1.0
    assert first == scorer.score(text, lang)
    if first.label != "neutral":
        assert (first.score > 0) == (first.label == "positive")


def test_default_scorer_is_cached() -> None:
    assert default_scorer() is default_scorer()


def test_artefact_loads_without_pickle() -> None:
    arrays = read_npz()
    assert arrays
    assert all(not arr.dtype.hasobject for arr in arrays.values())


def test_npz_writer_is_byte_reproducible(tmp_path: Path) -> None:
    shipped = read_npz()
    arrays = {k: shipped[k] for k in ("bias", "threshold", "langid_bias", "lex_words_ca")}
    write_npz(tmp_path / "a.npz", arrays)
    write_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert read_npz(tmp_path / "a.npz").keys() == arrays.keys()


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data not beside the repo")
def test_train_rebuilds_the_shipped_artefact_exactly(tmp_path: Path) -> None:
    # In a child with numpy's AVX-512 kernels off: on an AVX-512 machine the
    # in-process `train` rounds differently and builds other bytes.
    out = tmp_path / ARTEFACT_NAME
    report = train_reproducibly(SHARED_DATA, out)
    assert report["artefact"] == str(out)
    assert out.read_bytes() == SHIPPED.read_bytes()


def test_train_reproducibly_reports_bad_data_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        train_reproducibly(tmp_path / "missing", tmp_path / "out.npz")
    message = str(caught.value)
    assert "\n" not in message
    assert "Traceback" not in message
    assert not (tmp_path / "out.npz").exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("es\tno funciona", ("es", "no funciona")),
        ("und\thola", ("und", "hola")),
        ("hello world", (None, "hello world")),
        ("hello\tworld", (None, "hello\tworld")),
        ("fr\tpas terrible\n", ("fr", "pas terrible")),
    ],
)
def test_cli_line_format(line: str, expected: tuple[str | None, str]) -> None:
    assert split_line(line) == expected


def test_cli_output_lines() -> None:
    out = list(run(["es\tno funciona, quiero un reembolso", "", "fr\tj'adore"]))
    assert len(out) == 2
    label, score, lang = out[0].split("\t")
    assert (label, lang) == ("negative", "es")
    assert float(score) < 0
    assert len(score.split(".")[1]) == 3
    assert out[1].split("\t")[0] == "positive"


@pytest.mark.parametrize(
    ("lang", "plain", "stronger"),
    [
        ("es", "es malo", "es muy malo"),
        ("ca", "és dolent", "és molt dolent"),
        ("it", "è brutto", "è molto brutto"),
        ("en", "bad", "really bad"),
        ("pt", "é ruim", "é muito ruim"),
        ("fr", "c'est mauvais", "c'est très mauvais"),
        ("en", "bad", "baaaaad"),
        ("en", "bad", "BAD"),
        ("es", "horrible", "horrible!!!"),
    ],
)
def test_lexicon_rules_scale_emphasis(lang: str, plain: str, stronger: str) -> None:
    rules = LexiconRules(arrays_to_lexicons(read_npz()))
    weak = rules.valence(tokenize(plain), lang).total
    strong = rules.valence(tokenize(stronger), lang).total
    assert strong < weak < 0


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "¡Me encanta este producto, muy recomendable!"),
        ("es", "No me gusta nada, qué vergüenza"),
        ("ca", "Tot molt net i el personal molt amable"),
        ("it", "Non funziona e voglio il rimborso"),
        ("en", "@acme the app is down again #outage http://x.co"),
        ("pt", "Adorei 😍😍"),
        ("fr", "Panne générale, remboursez-nous"),
        ("und", "ok 👍"),
        ("es", "no funciona, no funciona y no funciona: funciona fatal fatal"),
        ("en", "jajaja hahaha HAHAHA so so so bad, bad bad"),
        ("ca", "molt molt bé, molt bé"),
    ],
)
def test_fast_path_equals_reference_features(lang: str, text: str) -> None:
    arrays = read_npz()
    rules = LexiconRules(arrays_to_lexicons(arrays))
    scorer = LinearScorer.from_arrays(arrays, rules)
    tokens = tokenize(text)
    expected = _reference_probabilities(arrays, rules, text, lang)
    cold = scorer.probabilities(tokens, lang)
    assert np.allclose(cold, expected, atol=1e-9)
    assert scorer.probabilities(tokens, lang) == cold  # from the word cache


def _reference_probabilities(
    arrays: dict[str, np.ndarray], rules: LexiconRules, text: str, lang: str
) -> np.ndarray:
    feats = features(tokenize(text), lang, rules)
    table = dict(zip(decode_vocab(arrays["vocab"]), arrays["weights"].astype(float), strict=True))
    z = np.asarray(arrays["bias"], dtype=float).copy()
    for name, value in feats.items():
        if name in table:
            z += table[name] * value
    return np.exp(z - z.max()) / np.exp(z - z.max()).sum()


_FEW_WORDS = ["no", "not", "funciona", "molt", "bé", "bad", "very", "!", ",", "jajaja", "ok"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_FEW_WORDS), max_size=30).map(" ".join),
    st.sampled_from(["es", "ca", "en", "und"]),
)
def test_cached_fast_path_equals_features_on_repeated_words(text: str, lang: str) -> None:
    # few distinct words, so most n-grams repeat: the log-count correction is exercised
    arrays = read_npz()
    rules = LexiconRules(arrays_to_lexicons(arrays))
    scorer = default_scorer()
    assert isinstance(scorer, LinearScorer)
    expected = _reference_probabilities(arrays, rules, text, lang)
    assert np.allclose(scorer.probabilities(tokenize(text), lang), expected, atol=1e-9)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Aaa", ("aaa",)),
        ("aaa", ("aa", "<elong>")),
        ("Aaa noooo", ("aa", "<elong>", "noo", "<elong>")),
        ("COOL it’s", ("cool", "it'", "s")),
    ],
)
def test_letter_runs_are_squashed_only_when_the_text_has_one(
    text: str, words: tuple[str, ...]
) -> None:
    assert tokenize(text).words == words
    assert tokenize(text) == tokenize(text)


def test_low_confidence_polar_label_becomes_neutral() -> None:
    arrays = read_npz()
    rules = LexiconRules(arrays_to_lexicons(arrays))
    text, lang = "Me encanta", "es"
    sure = LinearScorer.from_arrays(arrays, rules).score(text, lang)
    assert sure.label == "positive"
    strict = LinearScorer(
        vocab=decode_vocab(arrays["vocab"]),
        weights=np.asarray(arrays["weights"], dtype=float),
        bias=np.asarray(arrays["bias"], dtype=float),
        rules=rules,
        threshold=sure.confidence + 0.01,
    ).score(text, lang)
    assert strict.label == "neutral"
    assert strict.score == sure.score


def test_softmax_regression_separates_a_toy_problem() -> None:
    # two features, three classes: feature 0 -> class 0, feature 1 -> class 2, none -> 1
    x = SparseRows(
        indptr=np.array([0, 1, 2, 2, 3, 4, 4], dtype=np.int64),
        indices=np.array([0, 1, 0, 1], dtype=np.int64),
        values=np.ones(4),
        n_cols=2,
    )
    y = np.array([0, 2, 1, 0, 2, 1], dtype=np.int64)
    weights, bias = softmax_regression(x, y, 3, c=10.0)
    assert weights.shape == (2, 3)
    assert int(np.argmax(weights[0] + bias)) == 0
    assert int(np.argmax(weights[1] + bias)) == 2
    assert int(np.argmax(bias)) == 1


def test_read_npz_names_the_file_on_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match=r"bad\.npz"):
        read_npz(bad)


def test_train_rejects_a_folder_without_lexicons(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="lexicons"):
        train(tmp_path, tmp_path / "out.npz")


@pytest.mark.parametrize(
    ("lang", "text", "label"),
    [
        ("es", "no funciona", "negative"),
        ("it", "fa schifo", "negative"),
        ("fr", "j'adore", "positive"),
        ("en", "the store opens at 9", "neutral"),
    ],
)
def test_lexicon_only_scorer(lang: str, text: str, label: str) -> None:
    scorer = LexiconScorer(LexiconRules(arrays_to_lexicons(read_npz())))
    result = scorer.score(text, lang)
    assert result.label == label
    assert result.method == "lexicon-v1"


_RULE_WORDS = [
    "no", "pas", "gens", "fa", "schifo", "very", "bad", "good", "but", "ma", "!", ",",
    "noooo", "BAD", "don't", "like", "refund", "horrible", "😡", "xyz",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_RULE_WORDS), max_size=25).map(" ".join),
    st.sampled_from(["es", "ca", "it", "en", "fr", "und"]),
)
def test_lexicon_rules_answer_the_same_from_their_caches(text: str, lang: str) -> None:
    # a fresh instance starts with empty caches; the shared one has seen earlier examples
    fresh = LexiconRules(_LEXICONS)
    shared = _SHARED_RULES
    tokens = tokenize(text)
    expected = fresh.valence(tokens, lang)
    assert shared.valence(tokens, lang) == expected
    assert shared.valence(tokens, lang) == expected


_LEXICONS = arrays_to_lexicons(read_npz())
_SHARED_RULES = LexiconRules(_LEXICONS)


def _reference_tokenize(text: str) -> Tokens:
    """The tokeniser without its token cache: one regex pass per question."""
    norm = normalise(text)
    words: list[str] = []
    caps: set[int] = set()
    elongated = text_module._ELONG.search(norm) is not None
    for raw in text_module._TOKEN.findall(norm):
        if raw[0] in text_module._BREAKS:
            words.append("<br>")
            continue
        if len(raw) >= 3 and raw.isupper() and raw.isalpha():
            caps.add(len(words))
        low = raw.lower().replace("’", "'")
        squashed = text_module._ELONG.sub(r"\1\1", low) if elongated else low
        words += [squashed, "<elong>"] if squashed != low else [low]
    return Tokens(words=tuple(words), caps=frozenset(caps))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAbBnN'’t·lL .,!#@:)😡ÀàçÇ1_\u0301", max_size=60))
def test_cached_tokeniser_equals_the_plain_one(text: str) -> None:
    assert tokenize(text) == _reference_tokenize(text)
    assert tokenize(text) == _reference_tokenize(text)


def test_full_caches_are_emptied_without_changing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamproc.sentiment import langmodel, lexicon, linear

    arrays = read_npz()
    texts = [text for _, text in (*NEGATIVE, *POSITIVE, *NEUTRAL)]
    roomy = LinearScorer.from_arrays(arrays, LexiconRules(arrays_to_lexicons(arrays)))
    model = langmodel.LanguageModel.from_arrays(arrays)
    expected = [(roomy.score(t, "es"), model.predict(tokenize(t))) for t in texts]
    for module, name in [
        (linear, "WORD_CACHE_SIZE"),
        (langmodel, "WORD_CACHE_SIZE"),
        (lexicon, "LOOKUP_CACHE_SIZE"),
        (text_module, "RAW_CACHE_SIZE"),
    ]:
        monkeypatch.setattr(module, name, 3)
    cramped = LinearScorer.from_arrays(arrays, LexiconRules(arrays_to_lexicons(arrays)))
    small = langmodel.LanguageModel.from_arrays(arrays)
    got = [(cramped.score(t, "es"), small.predict(tokenize(t))) for t in texts]
    assert got == expected
    assert cramped._cached_forms <= 3
    assert len(cramped._table("es").cache) <= 3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("es/w:funciona", ("es", "w:funciona")),
        ("ca/b:no m'agrada", ("ca", "b:no m'agrada")),
        ("fr/ pas", ("fr", " pas")),
        ("es/x", None),  # a shared 4-gram of a word like "res/xy", not a copy
        ("de/w:gut", None),  # no copies outside the six languages
        ("w:/", None),
        ("es|lex:score", None),
        ("lex:score", None),
    ],
)
def test_language_copies_are_told_from_shared_keys(
    name: str, expected: tuple[str, str] | None
) -> None:
    from streamproc.sentiment.features import copy_of

    assert copy_of(name) == expected


@pytest.mark.parametrize(
    ("lang", "copies"),
    [("es", True), ("ca", True), ("pt", True), ("und", False), ("de", False)],
)
def test_features_copy_the_ngrams_for_the_six_languages_only(lang: str, copies: bool) -> None:
    from streamproc.sentiment.features import LEXICON_FEATURES, copy_of

    feats = features(tokenize("no funciona, vaga"), lang, _SHARED_RULES)
    own = {name: v for name, v in feats.items() if copy_of(name) is not None}
    shared = {
        name: v
        for name, v in feats.items()
        if copy_of(name) is None and name.rpartition("|")[2] not in LEXICON_FEATURES
    }
    assert shared
    if copies:
        assert own == {f"{lang}/{name}": v for name, v in shared.items()}
    else:
        assert not own


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from([*_FEW_WORDS, "nou", "neuf", "bé"]), max_size=12).map(
                " ".join
            ),
            st.sampled_from(["es", "ca", "it", "en", "pt", "fr", "und", "de"]),
        ),
        max_size=8,
    )
)
def test_one_word_cache_serves_every_language(pairs: list[tuple[str, str]]) -> None:
    # the same word has different weights in each language: answers must not leak across
    shared = default_scorer()
    assert isinstance(shared, LinearScorer)
    bias, table = _reference_table()
    for text, lang in pairs:
        z = bias.copy()
        for name, value in features(tokenize(text), lang, _SHARED_RULES).items():
            if name in table:
                z += table[name] * value
        expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        assert np.allclose(shared.probabilities(tokenize(text), lang), expected, atol=1e-9)


@functools.cache
def _reference_table() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    arrays = read_npz()
    names = decode_vocab(arrays["vocab"])
    table = dict(zip(names, arrays["weights"].astype(float), strict=True))
    return np.asarray(arrays["bias"], dtype=float), table


def _toy_rows() -> tuple[SparseRows, np.ndarray]:
    x = SparseRows(
        indptr=np.array([0, 1, 2, 2, 3, 4, 4], dtype=np.int64),
        indices=np.array([0, 1, 0, 1], dtype=np.int64),
        values=np.ones(4),
        n_cols=2,
    )
    return x, np.array([0, 2, 1, 0, 2, 1], dtype=np.int64)


def test_softmax_regression_scale_and_sample_weight_of_one_change_nothing() -> None:
    x, y = _toy_rows()
    plain = softmax_regression(x, y, 3, c=10.0)
    ones = softmax_regression(x, y, 3, c=10.0, scale=np.ones((2, 3)), sample_weight=np.ones(6))
    assert np.allclose(plain[0], ones[0])
    assert np.allclose(plain[1], ones[1])


def test_softmax_regression_scale_regularises_per_weight() -> None:
    x, y = _toy_rows()
    plain, _ = softmax_regression(x, y, 3, c=10.0)
    scale = np.ones((2, 3))
    scale[0] = 0.0  # feature 0 may not be used at all
    scale[1] = 3.0  # feature 1 is penalised nine times less
    weights, _ = softmax_regression(x, y, 3, c=10.0, scale=scale)
    assert np.all(weights[0] == 0.0)
    assert np.ptp(weights[1]) > np.ptp(plain[1])


def test_class_balance_gives_each_label_a_third_of_its_language() -> None:
    from streamproc.sentiment.train import class_balance

    examples = [("a", "ca", 2)] * 6 + [("b", "ca", 0)] * 3 + [("c", "ca", 1)] + [("d", "es", 1)] * 2
    weights = class_balance(examples)
    mass: dict[tuple[str, int], float] = {}
    for (_, lang, label), w in zip(examples, weights, strict=True):
        mass[lang, label] = mass.get((lang, label), 0.0) + float(w)
    assert mass == pytest.approx(
        {("ca", 2): 10 / 3, ("ca", 0): 10 / 3, ("ca", 1): 10 / 3, ("es", 1): 2 / 3}
    )


def test_word_cache_holds_one_entry_per_language_and_word() -> None:
    arrays = read_npz()
    scorer = LinearScorer.from_arrays(arrays, _SHARED_RULES)
    for lang in ("es", "ca", "und", "de", "es"):
        scorer.score("no funciona, funciona", lang)
    # "no", both forms of "funciona" and the clause break, for es, ca and the shared
    # table ("und", "de")
    caches = [scorer._table(lang).cache for lang in ("es", "ca", "und")]
    assert [sorted(cache) for cache in caches] == [["<br>", "funciona", "no", "~funciona"]] * 3
    assert scorer._table("de") is scorer._table("und")
    assert scorer._cached_forms == 12


@pytest.mark.parametrize(
    "text",
    [
        "@Acme #FoodPoisoning at https://t.co/x!",
        "@bob:) genial:( xD",
        "cafe\u0301 café\u200d 😡😡",
        "AAAAH noooo\u2000#NoFunciona",
    ],
)
def test_a_chunk_is_cached_the_second_time_it_is_seen(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(text_module, "_CHUNK_CACHE", {})
    monkeypatch.setattr(text_module, "_SEEN_CHUNKS", set())
    chunks = set(text.split())
    first = tokenize(text)
    assert not text_module._CHUNK_CACHE  # one look is not enough to be kept
    assert tokenize(text) == first == _reference_tokenize(text)
    assert set(text_module._CHUNK_CACHE) == chunks
    assert tokenize(text) == first


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("es", "no me gusta nada", ["no", "~me", "~gusta", "nada"]),  # "nada" negates too
        ("es", "no me gusta, la verdad", ["no", "~me", "~gusta", "<br>", "la", "verdad"]),
        ("es", "no es muy muy malo", ["no", "~es", "muy", "muy", "~malo"]),
        ("en", "I don't like it at all", ["i", "don't", "~like", "~it", "~at", "all"]),
        ("fr", "j'aime pas du tout", ["j'", "aime", "pas", "~du", "~tout"]),
        ("de", "nein no gut", ["nein", "no", "~gut"]),
        ("en", "bad!!! sooo bad", ["bad", "soo", "bad"]),
        ("it", "", []),
    ],
)
def test_forms_mark_negated_words_and_drop_emphasis(
    lang: str, text: str, expected: list[str]
) -> None:
    from streamproc.sentiment.features import forms

    assert forms(tokenize(text), lang) == expected


def test_ngram_features_weigh_repeated_forms_and_pairs_by_log_count() -> None:
    from streamproc.sentiment.features import ngram_features

    feats = ngram_features(tokenize("ok ok"), "en")
    v = 1.0 + np.log(2)  # "ok" twice (a 2-letter word: no character n-grams)
    norm = np.sqrt(v * v + 1.0)  # the pair "ok ok" once
    assert feats == pytest.approx({"w:ok": v / norm, "b:ok ok": 1.0 / norm})
    feats = ngram_features(tokenize("no mola"), "es")
    keys = ["w:no", " mol", "mola", "ola ", "w:~mola", "b:no ~mola"]
    assert feats == pytest.approx(dict.fromkeys(keys, 1.0 / np.sqrt(len(keys))))
    assert ngram_features(tokenize("!!!"), "es") == {}
