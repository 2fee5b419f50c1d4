"""Terms of a mention and their keys: inflected forms of one word share a key."""

import pytest

from streamproc import codec
from streamproc.engine import accumulate
from streamproc.model import Mention, ScoredMention, SentimentScore
from streamproc.terms import keyed_terms


def key_of(word: str, lang: str) -> str:
    ((_, key),) = keyed_terms(word, lang)
    return key


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("es", ["intoxicación", "intoxicaciones", "intoxicacion"]),
        ("es", ["devolución", "devoluciones"]),
        ("ca", ["intoxicació", "intoxicacions", "intoxicats"]),
        ("pt", ["intoxicação", "intoxicações", "intoxicados"]),
        ("fr", ["remboursement", "rembourser"]),
        ("it", ["rimborso", "rimborsi"]),
        ("en", ["refund", "refunds", "refunded"]),
    ],
)
def test_inflected_forms_share_a_key(lang: str, forms: list[str]) -> None:
    assert len({key_of(f, lang) for f in forms}) == 1


@pytest.mark.parametrize(
    ("word", "lang", "key"),
    [
        ("retirada", "ca", "retirada"),  # Catalan's stem "ret" is too short to merge on
        ("Verbraucher", "de", "verbraucher"),  # no stemmer: the folded word
        ("Caducado", "es", "caduc"),
    ],
)
def test_keys(word: str, lang: str, key: str) -> None:
    assert key_of(word, lang) == key


def test_a_mention_counts_once_per_term_and_keeps_its_first_form() -> None:
    assert keyed_terms("Intoxicación, intoxicaciones, yogur", "es") == (
        ("intoxicacion", "intox"),
        ("yogur", "yogur"),
    )


def test_stems_round_trip_and_old_buckets_read_without_them() -> None:
    scored = ScoredMention(
        mention=Mention(mention_id="a", text="yogures caducados", created_at_ms=1000),
        brand="b",
        lang="es",
        sentiment=SentimentScore(label="negative", score=-0.9, confidence=0.9, method="t"),
    )
    acc = accumulate(None, scored, frozenset(), 900_000)
    assert acc.stems == {"yogures": "yogur", "caducados": "caduc"}
    assert codec.bucket_from_dict(codec.bucket_to_dict(acc)) == acc
    old = codec.bucket_to_dict(acc)
    del old["stems"]  # a value stored before stems existed: each form is its own key
    assert codec.bucket_from_dict(old).keyed_terms()[0] == {"yogures": 1, "caducados": 1}
