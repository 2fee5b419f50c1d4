"""Language detection: the six languages, close pairs, and "und" over guessing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamproc.lang import detect_language

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
