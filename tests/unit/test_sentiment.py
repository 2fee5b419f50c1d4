"""The shipped sentiment scorer on what people write, in six languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc.sentiment import default_scorer
from streamproc.sentiment.artefact import ARTEFACT_NAME, read_npz, write_npz
from streamproc.sentiment.cli import run, split_line
from streamproc.sentiment.text import tokenize
from streamproc.sentiment.train import train

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SHIPPED = (
    Path(__file__).resolve().parents[2] / "streamproc" / "sentiment" / ARTEFACT_NAME
)

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
    ("ca", "L'hotel és a prop de l'estació"),
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
def test_emphasis_strengthens(lang: str, plain: str, stronger: str) -> None:
    scorer = default_scorer()
    assert scorer.score(stronger, lang).score < scorer.score(plain, lang).score < 0


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
    assert default_scorer().score(
        "el servicio es horrible, worst ever", "es"
    ).label == ("negative")


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
    arrays = read_npz()
    write_npz(tmp_path / "a.npz", arrays)
    write_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert read_npz(tmp_path / "a.npz").keys() == arrays.keys()


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data not beside the repo")
def test_train_rebuilds_the_shipped_artefact_exactly(tmp_path: Path) -> None:
    out = tmp_path / ARTEFACT_NAME
    train(SHARED_DATA, out)
    assert out.read_bytes() == SHIPPED.read_bytes()


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
