"""Language detection: the six languages, close pairs, and "und" over guessing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from streamproc import byte_ngrams as byte_ngrams_module
from streamproc.byte_ngrams import ByteNgrams
from streamproc.lang import SUPPORTED, clean, detect_language
from streamproc.sentiment.artefact import read_npz
from streamproc.sentiment.langmodel import LanguageModel, surface_counts, word_surface_keys
from streamproc.sentiment.text import tokenize

CASES = [
    ("es", "El producto no funciona y no me devuelven el dinero"),
    ("es", "Qué vergüenza de servicio, llevo tres días sin internet"),
    ("ca", "El servei no funciona i no em tornen els diners"),
    ("ca", "Quina vergonya de servei, porto tres dies sense internet"),
    ("it", "Il prodotto non funziona e non mi restituiscono i soldi"),
    ("it", "Che vergogna di servizio, sono tre giorni senza internet"),
    ("en", "The product does not work and they will not refund me"),
    ("en", "What a shameful service, three days without internet"),
    ("pt", "O produto não funciona e não me devolvem o dinheiro"),
    ("pt", "Que vergonha de serviço, estou há três dias sem internet"),
    ("fr", "Le produit ne marche pas et ils ne me remboursent pas"),
    ("fr", "Quelle honte ce service, trois jours sans internet"),
]


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_detects_the_six_languages(lang: str, text: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "12345", "😡😡😡", "@user http", "ok"])
def test_no_evidence_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


@given(st.text(max_size=500))
def test_never_raises_and_answers_a_code(text: str) -> None:
    code = detect_language(text)
    assert code == "und" or (len(code) == 2 and code.isalpha())


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ca", "No m'agrada gens"),
        ("es", "No me gusta nada"),
        ("ca", "Tot bé."),
        ("es", "Todo bien."),
        ("ca", "Quina vergonya de servei"),
        ("es", "Qué vergüenza de servicio"),
        ("pt", "Não recomendo"),
        ("es", "No lo recomiendo"),
        ("pt", "Que vergonha de serviço"),
        ("pt", "Não gostei do atendimento"),
        ("es", "No me gustó la atención"),
        ("it", "Fa schifo"),
        ("fr", "C'est nul"),
    ],
)
def test_close_pairs_on_short_texts(lang: str, text: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Das Produkt funktioniert nicht und ich will mein Geld zurück"),
        ("nl", "Het product werkt niet en ik wil mijn geld terug"),
        ("pl", "Produkt nie działa, chcę zwrotu pieniędzy"),
    ],
)
def test_other_languages_are_counted_under_their_own_code(lang: str, text: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "@Acme otra vez sin luz en todo el barrio #apagón https://t.co/x"),
        ("it", "Sciopero dei treni anche oggiiiii!!! @trenitalia"),
        ("pt", "#MasterChefBR que programa chato hoje"),
    ],
)
def test_handles_links_and_hashtags_do_not_mislead(lang: str, text: str) -> None:
    assert detect_language(text) == lang


def test_in_domain_model_answers_with_probability_and_coverage() -> None:
    model = LanguageModel.from_arrays(read_npz())
    lang, prob, known = model.predict(tokenize("El personal de l'hotel era molt amable"))
    assert lang == "ca"
    assert 0.5 < prob <= 1.0
    assert 0.0 < known <= 1.0
    assert model.predict(tokenize("")) == ("es", 0.0, 0.0)


def _reference_predict(model: LanguageModel, text: str) -> tuple[str, float, float]:
    """The model's definition: a sum over the keys of the text's distinct words."""
    arrays = read_npz()
    table = dict(
        zip(
            arrays["langid_vocab"].tobytes().decode().split("\n"),
            arrays["langid_weights"].astype(float),
            strict=True,
        )
    )
    counts = surface_counts(tokenize(text))
    n = sum(counts.values())
    z = np.asarray(arrays["langid_bias"], dtype=float).copy()
    known = [(table[k], c) for k, c in counts.items() if k in table]
    if known:
        z += np.sum([w * c for w, c in known], axis=0) / np.sqrt(n)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    best = int(np.argmax(p))
    return model.labels[best], float(p[best]), sum(c for _, c in known) / n


def _assert_predicts_as_reference(text: str) -> None:
    model = LanguageModel.from_arrays(read_npz())
    lang, prob, known = _reference_predict(model, text)
    for _ in range(2):  # cold, then from the word cache
        got = model.predict(tokenize(text))
        assert got[0] == lang
        assert got[1] == pytest.approx(prob, abs=1e-9)
        assert got[2] == pytest.approx(known, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["tot", "bé", "todo", "bien", "molt", "muito", "bom", "très", "xyzzy"]),
        min_size=1,
        max_size=20,
    ).map(" ".join)
)
def test_cached_word_sums_equal_the_distinct_word_model(text: str) -> None:
    _assert_predicts_as_reference(text)


SHARED_NGRAMS = [
    "El servei i els serveis",
    "servicio servicios servizio serviço",
    "internet internacional international",
    "nation nación national nazione",
    "molt molta molts moltes muito",
]


@pytest.mark.parametrize("text", SHARED_NGRAMS)
def test_a_key_shared_by_two_words_counts_twice(text: str) -> None:
    keys = [k for w in dict.fromkeys(tokenize(text).words) for k in word_surface_keys(w)]
    counts = surface_counts(tokenize(text))
    assert len(counts) < len(keys)  # the case is one where words share keys
    assert sum(counts.values()) == len(keys)
    _assert_predicts_as_reference(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("molt molt", {"w:molt": 1, " mol": 1, "molt": 1, "olt ": 1}),
        (
            "molt molta",
            {"w:molt": 1, "w:molta": 1, " mol": 2, "molt": 2, "olt ": 1, "olta": 1, "lta ": 1},
        ),
        ("a 😡 <br>", {"w:a": 1}),
        ("", {}),
    ],
)
def test_surface_counts_are_over_distinct_words(text: str, expected: dict[str, int]) -> None:
    assert surface_counts(tokenize(text)) == expected


@lru_cache(maxsize=1)
def _py3langid() -> tuple[Any, Any]:
    """py3langid as `streamproc.lang` used it before `ByteNgrams`: the reference."""
    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    six = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    six.set_languages(list(SUPPORTED))
    return full, six


def _assert_same_as_py3langid(model: ByteNgrams, text: str) -> None:
    full, six = _py3langid()
    evidence = model.evidence(text)
    assert model.classify(evidence, model.full) == full.classify(text)
    assert model.classify(evidence, model.six) == six.classify(text)


BYTE_CASES = [
    *(text for _, text in CASES),
    "das produkt funktioniert nicht und ich will mein geld zurück",
    "het product werkt niet en ik wil mijn geld terug",
    "produkt nie działa, chcę zwrotu pieniędzy",
    "",
    "   ",
    "a",
    "a  b   c ",
    "ÉCOLE PRIMAIRE FERMÉE",
    "cafe\u0301 cafe\u0301 café",
    "x" * 200,
    "supercalifragilisticexpialidocious " * 3,
    "😡😡 no funciona 😡",
]


@pytest.mark.parametrize("text", BYTE_CASES)
def test_byte_ngrams_answer_as_py3langid(text: str) -> None:
    model = ByteNgrams(_py3langid()[0], SUPPORTED)
    for _ in range(2):  # cold, then from the chunk cache
        _assert_same_as_py3langid(model, text)
        _assert_same_as_py3langid(model, clean(text))


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(
            st.sampled_from(["no", "funciona", "servei", "très", "não", " ", "l'hotel", "🙂", "A"]),
            max_size=30,
        ).map(" ".join),
    )
)
def test_byte_ngrams_answer_as_py3langid_on_any_text(text: str) -> None:
    _assert_same_as_py3langid(_shared_byte_ngrams(), text)


@lru_cache(maxsize=1)
def _shared_byte_ngrams() -> ByteNgrams:
    """One model across examples, so that later ones are read from the chunk cache."""
    return ByteNgrams(_py3langid()[0], SUPPORTED)


def test_a_full_chunk_cache_is_emptied_without_changing_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(byte_ngrams_module, "CHUNK_CACHE_SIZE", 3)
    model = ByteNgrams(_py3langid()[0], SUPPORTED)
    for text in [*BYTE_CASES, *BYTE_CASES]:
        _assert_same_as_py3langid(model, clean(text))
    assert len(model._chunks) <= 3
