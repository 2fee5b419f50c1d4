"""The bundled sample stream (streamproc/data/sample.jsonl) and its generator.

The file is what `scripts/gen_sample.py` makes, byte for byte, and it has what
the demo needs: six languages, the five configured brands, one crisis with a
clear onset, and malformed lines of every kind. Judged from the bytes alone,
without the project's parser, matcher or scorer.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "streamproc" / "data"
SAMPLE = DATA / "sample.jsonl"
README = DATA / "SAMPLE.md"
START_S = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())
ONSET_S = START_S + 2 * 86_400 + 10 * 3600
BUCKET_S = 900
KINDS = (
    "not_json",
    "json_array",
    "json_string",
    "missing_id",
    "missing_text",
    "missing_created_at",
    "bad_timestamp",
    "naive_timestamp",
    "text_too_long",
    "wrong_type_followers",
    "wrong_type_text",
    "invalid_utf8",
    "empty_object",
)
CRISIS_TERMS = re.compile(
    r"caducad|caducat|intoxica|retirad|retirar|devoluci|urgenc|vomit|recall|poison|l-0226b"
)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_sample", ROOT / "scripts" / "gen_sample.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_sample"] = module
    spec.loader.exec_module(module)
    return module


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def classify(raw: bytes) -> tuple[str, dict[str, Any] | None]:
    """(malformed kind or "", the object when valid)."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "invalid_utf8", None
    except ValueError:
        return "not_json", None
    if isinstance(obj, list):
        return "json_array", None
    if isinstance(obj, str):
        return "json_string", None
    if not isinstance(obj, dict):
        return "other", None
    if not obj:
        return "empty_object", None
    for name in ("id", "text", "created_at"):
        if name not in obj:
            return f"missing_{name}", None
    if not isinstance(obj["text"], str):
        return "wrong_type_text", None
    followers = obj.get("followers")
    if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int)):
        return "wrong_type_followers", None
    created = obj["created_at"]
    if isinstance(created, str):
        try:
            parsed = datetime.fromisoformat(created)
        except ValueError:
            return "bad_timestamp", None
        if parsed.tzinfo is None:
            return "naive_timestamp", None
    elif isinstance(created, bool) or not isinstance(created, int | float):
        return "bad_timestamp", None
    if len(obj["text"]) > 20_000:
        return "text_too_long", None
    return "", obj


def created_s(obj: dict[str, Any]) -> int:
    created = obj["created_at"]
    if isinstance(created, str):
        return int(datetime.fromisoformat(created).timestamp())
    return int(created)


class Matcher:
    """config/brands.toml's keywords, handles and exclusions, matched on folded whole words."""

    def __init__(self, path: Path) -> None:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        self.brands: list[tuple[str, re.Pattern[str], re.Pattern[str] | None, set[str]]] = []
        for brand in config["brand"]:
            words = [fold(k) for k in [*brand["keywords"], brand["name"]]]
            keywords = re.compile(r"(?<![\w@])(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")
            exclude = None
            if brand.get("exclude"):
                phrases = "|".join(re.escape(fold(p)) for p in brand["exclude"])
                exclude = re.compile(r"(?<![\w@])(?:" + phrases + r")(?!\w)")
            handles = {fold(h).lstrip("@") for h in brand["handles"]}
            self.brands.append((slug(brand["name"]), keywords, exclude, handles))

    @property
    def slugs(self) -> list[str]:
        return [b[0] for b in self.brands]

    def match(self, text: str) -> tuple[str, ...]:
        folded = fold(text)
        handles_in_text = set(re.findall(r"@(\w+)", folded))
        found = []
        for name, keywords, exclude, handles in self.brands:
            scan = exclude.sub(" ", folded) if exclude else folded
            if handles & handles_in_text or keywords.search(scan):
                found.append(name)
        return tuple(found)


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    raw = SAMPLE.read_bytes()
    assert raw.endswith(b"\n")
    return raw[:-1].split(b"\n")


@pytest.fixture(scope="module")
def judged(lines: list[bytes]) -> list[tuple[str, dict[str, Any] | None]]:
    return [classify(line) for line in lines]


@pytest.fixture(scope="module")
def valid(judged: list[tuple[str, dict[str, Any] | None]]) -> list[dict[str, Any]]:
    return [obj for kind, obj in judged if obj is not None]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(ROOT / "config" / "brands.toml")


@pytest.fixture(scope="module")
def matched(valid: list[dict[str, Any]], matcher: Matcher) -> list[tuple[str, ...]]:
    return [matcher.match(obj["text"]) for obj in valid]


# -- the generator ------------------------------------------------------------


@pytest.mark.slow
def test_the_committed_files_are_what_the_generator_makes(tmp_path: Path) -> None:
    gen = load_generator()
    assert gen.main(["--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "sample.jsonl").read_bytes() == SAMPLE.read_bytes()
    assert (tmp_path / "SAMPLE.md").read_bytes() == README.read_bytes()


@pytest.mark.slow
def test_the_crisis_as_written_rises_to_about_nine_times_normal() -> None:
    gen = load_generator()
    sample = gen.build()
    rows = gen.crisis_profile(sample, ONSET_S - 4 * 3600, ONSET_S + 8 * 3600)
    by_start = {row.start_s - ONSET_S: row for row in rows}
    crisis = Counter(line.draft.kind for line in sample.lines if line.draft.t_ms < ONSET_S * 1000)
    assert crisis["crisis"] == 0
    plateau = [by_start[s] for s in range(1800, 3 * 3600, BUCKET_S)]
    ratio = sum(r.negative for r in plateau) / sum(r.expected for r in plateau)
    assert 7.0 <= ratio <= 11.0
    before = [by_start[s] for s in range(-4 * 3600, 0, BUCKET_S)]
    assert sum(r.negative for r in before) <= 2 * sum(r.expected for r in before)
    after = [by_start[s] for s in range(6 * 3600, 8 * 3600, BUCKET_S)]
    assert sum(r.negative for r in after) <= 2 * sum(r.expected for r in after)


# -- the file, from its bytes ---------------------------------------------------


def test_malformed_lines_of_every_kind_about_two_percent(
    judged: list[tuple[str, dict[str, Any] | None]],
) -> None:
    kinds = Counter(kind for kind, _ in judged if kind)
    assert set(kinds) == set(KINDS)
    share = sum(kinds.values()) / len(judged)
    assert 0.015 <= share <= 0.025


def test_the_readme_counts_the_malformed_kinds_it_holds(
    judged: list[tuple[str, dict[str, Any] | None]],
) -> None:
    table = dict(re.findall(r"^\| `(\w+)` \| (\d+) \|", README.read_text("utf-8"), re.M))
    kinds = Counter(kind for kind, _ in judged if kind)
    assert {k: int(v) for k, v in table.items()} == {k: kinds[k] for k in KINDS}


def test_invalid_utf8_lines_are_really_invalid(lines: list[bytes]) -> None:
    bad = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
    assert bad > 0


def test_valid_mentions_follow_the_contract(valid: list[dict[str, Any]]) -> None:
    assert 12_000 <= len(valid) <= 16_000
    ids = [obj["id"] for obj in valid]
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, str) and i for i in ids)
    assert not any("sentiment" in obj for obj in valid)
    sources = Counter(obj["source"] for obj in valid)
    assert set(sources) == {"twitter", "facebook", "instagram", "review", "blog", "news", "forum"}
    assert all(re.match(r"https://[\w.-]+\.example/", obj["url"]) for obj in valid)
    numbers = sum(isinstance(obj["created_at"], int) for obj in valid)
    assert 0.05 <= numbers / len(valid) <= 0.3
    with_lang = sum("lang" in obj for obj in valid)
    assert 0.35 <= with_lang / len(valid) <= 0.65
    followers = sorted(obj["followers"] for obj in valid if "followers" in obj)
    median, top = followers[len(followers) // 2], followers[-1]
    assert top > 100 * median


def test_event_times_span_three_days_with_bounded_disorder(
    judged: list[tuple[str, dict[str, Any] | None]],
) -> None:
    last: int | None = None
    times = []
    for _, obj in judged:
        if obj is None:
            continue
        t = created_s(obj)
        times.append(t)
        if last is not None:
            assert t >= last - 180
        last = t
    assert START_S <= min(times) < START_S + 3600
    assert START_S + 3 * 86_400 - 3600 < max(times) <= START_S + 3 * 86_400 + 180


def test_all_six_languages_are_there(valid: list[dict[str, Any]]) -> None:
    langs = Counter(obj.get("lang") for obj in valid if "lang" in obj)
    assert set(langs) == {"es", "ca", "it", "en", "pt", "fr"}
    assert min(langs.values()) >= 200


def test_every_mention_names_a_configured_brand_unless_excluded(
    valid: list[dict[str, Any]], matched: list[tuple[str, ...]], matcher: Matcher
) -> None:
    excluded = 0
    for obj, brands in zip(valid, matched, strict=True):
        if "verdalia park" in fold(obj["text"]):
            excluded += 1
            assert brands == (), obj["text"]
        else:
            assert brands, obj["text"]
        if "brand" in obj:
            assert obj["brand"] in matcher.slugs
            assert obj["brand"] in brands
    assert excluded >= 10
    assert sum(len(b) >= 2 for b in matched) >= 10
    assert sum("brand" in obj for obj in valid) < len(valid) / 2


def test_brands_of_different_sizes_one_small(
    valid: list[dict[str, Any]], matched: list[tuple[str, ...]], matcher: Matcher
) -> None:
    per_brand = Counter(b for brands in matched for b in brands)
    assert set(per_brand) == set(matcher.slugs)
    buckets: Counter[int] = Counter()
    for obj, brands in zip(valid, matched, strict=True):
        if "caffe-orso" in brands:
            buckets[(created_s(obj) - START_S) // BUCKET_S] += 1
    assert per_brand["caffe-orso"] < per_brand.most_common(1)[0][1] / 5
    assert max(buckets.values()) <= 12


def test_the_crisis_has_a_clear_onset_in_spanish_and_catalan(
    valid: list[dict[str, Any]], matched: list[tuple[str, ...]]
) -> None:
    crisis: Counter[int] = Counter()
    langs: Counter[str] = Counter()
    for obj, brands in zip(valid, matched, strict=True):
        if "verdalia" not in brands or not CRISIS_TERMS.search(fold(obj["text"])):
            continue
        offset = created_s(obj) - ONSET_S
        crisis[offset // BUCKET_S] += 1
        if 0 <= offset < 3 * 3600 and "lang" in obj:
            langs[obj["lang"]] += 1
    before = [crisis[b] for b in range(-2 * 96 - 40, 0)]
    assert max(before) <= 2
    assert crisis[0] + crisis[1] >= 5
    assert all(crisis[b] >= 6 for b in range(2, 12))
    assert all(crisis[b] <= 3 for b in range(28, 40))
    assert langs["es"] > langs["ca"] > langs["en"] > 0


def test_crisis_vocabulary_belongs_to_verdalia(
    valid: list[dict[str, Any]], matched: list[tuple[str, ...]]
) -> None:
    others = sum(
        1
        for obj, brands in zip(valid, matched, strict=True)
        if "verdalia" not in brands and re.search(r"intoxica|caducad|caducat", fold(obj["text"]))
    )
    assert others == 0
