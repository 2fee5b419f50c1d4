#!/usr/bin/env python3
# ruff: noqa: E501
"""Generator of the bundled sample stream that `streamproc demo` replays.

Writes ``streamproc/data/sample.jsonl`` (JSON lines, one mention each, the
Mention contract of DESIGN.md, about 2 % malformed lines) and
``streamproc/data/SAMPLE.md`` (how it was made and what is in it).

Standard library only and deterministic: one ``random.Random(SEED)`` and no
clock reads, so a fresh run reproduces the committed files byte for byte
(``tests/unit/test_sample.py`` checks it). The texts are composed from
hand-written fragments per language, brand and sentiment (the pools at the end
of this file); the sentiment each mention was written with is the generator's
intent only and never goes into the file: the pipeline scores the text.

    python scripts/gen_sample.py            # rewrite streamproc/data/
    python scripts/gen_sample.py --check    # also print counts and profiles
    python scripts/gen_sample.py --out-dir DIR

Long lines are allowed in this file (the ``noqa`` above) because the phrase
pools are prose, one fragment a line.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

SEED = 20260302
START = datetime(2026, 3, 2, tzinfo=UTC)
START_S = int(START.timestamp())
DAYS = 3
DAY_S = 86_400
ONSET_S = START_S + 2 * DAY_S + 10 * 3600
"""2026-03-04T10:00:00Z: Verdalia's bad batch of yogurt becomes public."""
LAUNCH_S = START_S + DAY_S + 13 * 3600
"""2026-03-03T13:00:00Z: Maré Cosmetics launches a product line (not a crisis)."""
CRISIS_PLATEAU = 9.0
"""Verdalia's negative mentions at the crisis plateau, in multiples of normal."""
CRISIS_NEGATIVE = 0.9
"""Share of the crisis' extra mentions written negative (the rest: questions)."""
MAX_DELAY_S = 170
"""Largest arrival lag; a line is never more than 3 minutes older than the previous."""
MALFORMED_RATE = 0.02
MAX_TOO_LONG = 4
"""Lines with a text over 20,000 characters (kept few: they are large)."""
BUCKET_S = 900

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "streamproc" / "data"
SAMPLE_NAME = "sample.jsonl"
README_NAME = "SAMPLE.md"

LABELS = ("neg", "neu", "pos")
SOURCES = ("twitter", "facebook", "instagram", "review", "blog", "news", "forum")
LANGS = ("es", "ca", "it", "en", "pt", "fr")
MALFORMED_KINDS: tuple[tuple[str, float, str], ...] = (
    ("not_json", 3.0, "a line cut short mid-object (truncated write)"),
    ("json_array", 1.5, "a JSON array: the mention wrapped in a batch, or a bare list of values"),
    ("json_string", 1.5, "a JSON string: the bare text, or the object JSON-encoded twice"),
    ("missing_id", 2.0, "an object without `id`"),
    ("missing_text", 2.0, "an object without `text`"),
    ("missing_created_at", 2.0, "an object without `created_at`"),
    (
        "bad_timestamp",
        2.0,
        '`created_at` unreadable: "yesterday", "2026-13-45T99:00", an empty string, ...',
    ),
    ("naive_timestamp", 2.0, "`created_at` ISO-8601 without a zone"),
    ("text_too_long", 0.4, "`text` over 20,000 characters (a pasted wall of text)"),
    ("wrong_type_followers", 1.5, '`followers` not an integer ("many", "1.2k", "12 mil")'),
    ("wrong_type_text", 1.5, "`text` a number"),
    ("invalid_utf8", 1.5, "bytes that are not UTF-8 (a Windows-1252 writer)"),
    ("empty_object", 1.0, "`{}`"),
)

# ---------------------------------------------------------------------------
# Brands: who talks about them, when, and how.
# ---------------------------------------------------------------------------

PROFILES: dict[str, tuple[float, ...]] = {
    # Relative volume by local hour (0..23); quiet nights, different peaks.
    "food": (0.18, 0.1, 0.06, 0.04, 0.04, 0.06, 0.15, 0.4, 0.65, 0.7, 0.68, 0.7,
             0.8, 0.9, 0.85, 0.65, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0, 0.75, 0.4),
    "telecom": (0.35, 0.2, 0.1, 0.06, 0.05, 0.06, 0.12, 0.3, 0.5, 0.6, 0.62, 0.62,
                0.6, 0.58, 0.55, 0.55, 0.6, 0.7, 0.8, 0.88, 0.95, 1.0, 0.9, 0.6),
    "travel": (0.15, 0.08, 0.05, 0.05, 0.12, 0.35, 0.75, 1.0, 0.95, 0.8, 0.7, 0.65,
               0.62, 0.62, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8, 0.7, 0.55, 0.4, 0.25),
    "coffee": (0.05, 0.03, 0.02, 0.02, 0.03, 0.1, 0.45, 0.9, 1.0, 0.85, 0.7, 0.55,
               0.45, 0.5, 0.6, 0.7, 0.6, 0.45, 0.35, 0.3, 0.25, 0.2, 0.15, 0.08),
    "beauty": (0.35, 0.2, 0.1, 0.05, 0.04, 0.05, 0.12, 0.3, 0.45, 0.5, 0.55, 0.55,
               0.6, 0.6, 0.58, 0.6, 0.62, 0.65, 0.72, 0.85, 0.95, 1.0, 0.85, 0.6),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Segment:
    """One audience of a brand: a language, a time zone and a share of volume."""

    lang: str
    utc_offset_h: int
    share: float
    variant: str = ""
    """"br" or "pt" for Portuguese: picks fragments tagged for that variant."""


@dataclass(frozen=True, slots=True)
class BrandSpec:
    """How one brand of config/brands.toml is talked about."""

    slug: str
    names: tuple[tuple[str, float], ...]
    """Written forms of the name (keywords of brands.toml) and their weights."""
    handles: tuple[str, ...]
    profile: str
    segments: tuple[Segment, ...]
    total: int
    """Expected ordinary mentions over the three days."""
    neg_share: float
    neg_peak_h: float
    """Local hour when ordinary complaints are most frequent."""
    pos_share: float
    sources: tuple[tuple[str, float], ...]
    page: str
    """The brand's page on facebook.example."""
    emoji: tuple[str, ...]


BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec(
        slug="verdalia",
        names=(("Verdalia", 10), ("verdalia", 3), ("VERDALIA", 0.5)),
        handles=("@verdalia", "@verdalia_es"),
        profile="food",
        segments=(Segment("es", 1, 0.58), Segment("ca", 1, 0.34), Segment("en", 0, 0.08)),
        total=2400,
        neg_share=0.15,
        neg_peak_h=13,
        pos_share=0.42,
        sources=(("twitter", 38), ("instagram", 18), ("facebook", 16), ("review", 12),
                 ("forum", 7), ("blog", 5), ("news", 4)),
        page="VerdaliaOficial",
        emoji=("🥣", "🍓", "🥛", "🫐"),
    ),
    BrandSpec(
        slug="nubia-telecom",
        names=(("Nubia Telecom", 10), ("Nubiatel", 4), ("NubiaTel", 1.5), ("nubia telecom", 2), ("nubiatel", 1.5)),
        handles=("@nubiatelecom", "@nubia_ayuda"),
        profile="telecom",
        segments=(Segment("es", 1, 0.55), Segment("ca", 1, 0.25), Segment("pt", 0, 0.20, "pt")),
        total=4800,
        neg_share=0.22,
        neg_peak_h=22,
        pos_share=0.3,
        sources=(("twitter", 45), ("facebook", 15), ("instagram", 4), ("review", 12),
                 ("forum", 16), ("blog", 3), ("news", 5)),
        page="NubiaTelecom",
        emoji=("📶", "📡", "💻", "📱"),
    ),
    BrandSpec(
        slug="lumen-air",
        names=(("Lumen Air", 10), ("LumenAir", 2.5), ("lumen air", 2), ("LUMEN AIR", 0.4)),
        handles=("@lumenair",),
        profile="travel",
        segments=(Segment("en", 0, 0.30), Segment("en", -5, 0.10), Segment("fr", 1, 0.25),
                  Segment("es", 1, 0.18), Segment("it", 1, 0.17)),
        total=3600,
        neg_share=0.2,
        neg_peak_h=8,
        pos_share=0.36,
        sources=(("twitter", 42), ("instagram", 12), ("facebook", 12), ("review", 18),
                 ("forum", 8), ("blog", 4), ("news", 4)),
        page="LumenAir",
        emoji=("✈️", "🛫", "🧳", "🛬"),
    ),
    BrandSpec(
        slug="caffe-orso",
        names=(("Caffè Orso", 6), ("Caffe Orso", 4), ("caffè orso", 1.5), ("caffe orso", 1.5)),
        handles=("@caffeorso",),
        profile="coffee",
        segments=(Segment("it", 1, 0.65), Segment("en", 0, 0.20), Segment("fr", 1, 0.15)),
        total=450,
        neg_share=0.13,
        neg_peak_h=10,
        pos_share=0.48,
        sources=(("twitter", 25), ("instagram", 35), ("facebook", 12), ("review", 15),
                 ("forum", 4), ("blog", 6), ("news", 3)),
        page="CaffeOrso",
        emoji=("☕", "🥐", "🐻"),
    ),
    BrandSpec(
        slug="mare-cosmetics",
        names=(("Maré Cosmetics", 10), ("Mare Cosmetics", 3), ("maré cosmetics", 1.5), ("MARÉ COSMETICS", 0.3)),
        handles=("@marecosmetics",),
        profile="beauty",
        segments=(Segment("pt", -3, 0.55, "br"), Segment("pt", 0, 0.10, "pt"),
                  Segment("fr", 1, 0.20), Segment("es", 1, 0.15)),
        total=1900,
        neg_share=0.14,
        neg_peak_h=22,
        pos_share=0.45,
        sources=(("twitter", 20), ("instagram", 42), ("facebook", 12), ("review", 14),
                 ("forum", 4), ("blog", 5), ("news", 3)),
        page="MareCosmetics",
        emoji=("🧴", "✨", "💆‍♀️", "🌊"),
    ),
)  # fmt: skip
BY_SLUG = {b.slug: b for b in BRANDS}
SHORT_NAMES = {
    # How a post names the brand again after naming it once.
    "verdalia": "Verdalia",
    "nubia-telecom": "Nubia",
    "lumen-air": "Lumen",
    "caffe-orso": "Orso",
    "mare-cosmetics": "Maré",
}

# ---------------------------------------------------------------------------
# Small numeric helpers.
# ---------------------------------------------------------------------------


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; the rates here are small (a few per minute)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def profile_at(profile: Sequence[float], local_minute: float) -> float:
    """The hourly profile, linear between hour midpoints."""
    x = (local_minute / 60.0 - 0.5) % 24.0
    h = int(x)
    frac = x - h
    return profile[h] * (1 - frac) + profile[(h + 1) % 24] * frac


@functools.cache
def profile_norm(profile: tuple[float, ...]) -> float:
    """Sum of the profile over one day's minutes (mentions a day at peak rate 1/min)."""
    return sum(profile_at(profile, m) for m in range(1440))


def neg_probability(brand: BrandSpec, local_minute: float, day_factor: float) -> float:
    """The ordinary negative share: its own daily wave around the brand's level."""
    phase = 2 * math.pi * (local_minute / 60.0 - brand.neg_peak_h) / 24.0
    return brand.neg_share * (1 + 0.3 * math.cos(phase)) * day_factor


def crisis_multiplier(minutes_after_onset: float) -> float:
    """Verdalia's negative volume over its normal: ramp, plateau, decay."""
    u = minutes_after_onset
    top = CRISIS_PLATEAU
    if u < 0:
        return 1.0
    if u < 30:
        return 1 + (top - 1) * u / 30.0
    if u < 190:
        return top + 0.6 * math.sin(math.pi * (u - 30) / 160.0)
    if u < 340:
        s = (u - 190) / 150.0
        return 1 + (top - 1) * math.pow(1 - s, 1.4)
    return 1.0


def launch_shape(minutes_after_launch: float) -> float:
    """Maré's launch: extra volume that is positive or neutral, never a crisis."""
    u = minutes_after_launch
    if u < 0 or u >= 300:
        return 0.0
    if u < 45:
        return u / 45.0
    if u < 150:
        return 1.0
    return (300 - u) / 150.0


def weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    """One key of (key, weight) pairs."""
    keys = [k for k, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(keys, weights=weights)[0]


def iso_z(t_ms: int, millis: bool = False) -> str:
    """ISO-8601 in UTC with a Z."""
    dt = datetime.fromtimestamp(t_ms // 1000, tz=UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{t_ms % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(t_ms: int, offset_h: int, zone: bool = True) -> str:
    """ISO-8601 in the author's local time, with its offset (or, for bad lines, without)."""
    dt = datetime.fromtimestamp(t_ms // 1000, tz=timezone(timedelta(hours=offset_h)))
    return dt.isoformat() if zone else dt.replace(tzinfo=None).isoformat()


def fold(text: str) -> str:
    """Case- and accent-folded text."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


_COMBINING = re.compile("[\u0300-\u036f]")


def slug_words(text: str, words: int = 7) -> str:
    """A URL slug from the first words of a text."""
    parts = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(parts[:words]) or "post"


# ---------------------------------------------------------------------------
# Brand matching, to check every mention names its brand (config/brands.toml).
# ---------------------------------------------------------------------------

KEYWORDS: dict[str, tuple[str, ...]] = {
    "verdalia": ("verdalia", "yogur verdalia", "iogurt verdalia"),
    "nubia-telecom": ("nubia telecom", "nubiatel", "nubia fibra"),
    "lumen-air": ("lumen air", "lumenair"),
    "caffe-orso": ("caffe orso", "caffè orso", "orso coffee"),
    "mare-cosmetics": ("mare cosmetics", "maré cosmetics", "marecosmetics"),
}
EXCLUDES: dict[str, tuple[str, ...]] = {
    "verdalia": ("verdalia park",),
    "nubia-telecom": ("nubia sudan",),
}


@functools.cache
def _matchers() -> tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None, re.Pattern[str]], ...]:
    def alternatives(words: Sequence[str]) -> str:
        return "|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True))

    out = []
    for brand in BRANDS:
        handles = re.compile(f"(?:{alternatives(brand.handles)})(?!\\w)")
        excludes = EXCLUDES.get(brand.slug)
        exclude = (
            re.compile(f"(?<![\\w@])(?:{alternatives(excludes)})(?!\\w)") if excludes else None
        )
        keywords = re.compile(f"(?<![\\w@])(?:{alternatives(KEYWORDS[brand.slug])})(?!\\w)")
        out.append((brand.slug, handles, exclude, keywords))
    return tuple(out)


def matched_brands(text: str) -> tuple[str, ...]:
    """Brands whose keyword (whole words, outside an excluded phrase) or handle the text has."""
    folded = fold(text)
    found = []
    for slug, handles, exclude, keywords in _matchers():
        scan = exclude.sub(" ", folded) if exclude is not None else folded
        if handles.search(folded) or keywords.search(scan):
            found.append(slug)
    return tuple(found)


# ---------------------------------------------------------------------------
# Mentions before they have text: when, who, what about, in which mood.
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Author:
    """Someone who posts."""

    name: str
    followers: int


@dataclass(slots=True)
class Draft:
    """A mention decided but not yet written."""

    t_ms: int
    kind: str
    """ordinary, crisis, statement, launch, multi or excluded."""
    brands: tuple[str, ...]
    lang: str
    label: str
    source: str
    offset_h: int
    variant: str = ""
    template: str = ""
    """Fixed text for multi, excluded and statement drafts."""
    outlet: Author | None = None
    """The news outlet that publishes a news draft."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the sample file, with what the generator meant by it."""

    arrival_ms: int
    draft: Draft
    text: str
    malformed: str
    """"" for a valid mention, else a kind of MALFORMED_KINDS."""
    raw: bytes


@dataclass(frozen=True, slots=True)
class Sample:
    """The generated stream, in file order."""

    lines: tuple[Line, ...]
    seed: int

    def jsonl(self) -> bytes:
        """The file's bytes."""
        return b"".join(line.raw + b"\n" for line in self.lines)


@functools.cache
def pool(block: str, variant: str = "") -> tuple[str, ...]:
    """Fragments of a block, one a line; "br> "/"pt> " lines only for that variant."""
    out = []
    for raw in block.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line[:4] in ("br> ", "pt> "):
            if variant and line[:2] != variant:
                continue
            line = line[4:]
        out.append(line)
    return tuple(out)


@functools.cache
def tagged(block: str) -> tuple[tuple[str, str], ...]:
    """Lines of a block that start with a tag ("neg> text") as (tag, text)."""
    out = []
    for raw in block.strip().splitlines():
        tag, _, text = raw.strip().partition("> ")
        if text:
            out.append((tag, text))
    return tuple(out)


_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"(?<![{@#/\w])([^\W\d_]{5,})(?![}\w])")
_ACCENTS = str.maketrans("áéíóúàèòìùâêôãõÁÉÍÓÚÀÈÒ", "aeiouaeoiuaeoaoAEIOUAEO")
_PROTECTED = frozenset(fold(w) for words in KEYWORDS.values() for k in words for w in k.split()) | {
    "park"
}
_LAUGH = {"es": "jajaja", "ca": "jajaja", "it": "ahahah", "en": "lol", "pt": "kkkkk", "fr": "mdr"}
_CODE_SWITCH = {
    "es": ("en", "ca"),
    "ca": ("es",),
    "it": ("en",),
    "en": ("es", "fr"),
    "pt": ("en",),
    "fr": ("en",),
}


class Writer:
    """Turns drafts into lines; all randomness comes from one generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.authors = {lang: self._authors(lang) for lang in LANGS}
        self.author_weights = list(itertools.accumulate(1.0 / (i + 1) ** 0.85 for i in range(600)))
        self.crisis_news: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.too_long = 0

    # -- people ---------------------------------------------------------------

    def _authors(self, lang: str) -> list[Author]:
        rng = self.rng
        firsts = pool(NAMES[lang]["first"])
        lasts = pool(NAMES[lang]["last"])
        words = pool(NAMES[lang]["word"])
        seen: set[str] = set()
        out: list[Author] = []
        while len(out) < 600:
            first, last = rng.choice(firsts), rng.choice(lasts)
            shape = rng.random()
            if shape < 0.3:
                name = f"{first}_{last}{rng.randrange(1, 99) if rng.random() < 0.5 else ''}"
            elif shape < 0.5:
                name = f"{first}.{last}"
            elif shape < 0.65:
                name = f"{first}{last[0]}{rng.randrange(70, 100)}"
            elif shape < 0.8:
                name = f"{rng.choice(words)}_{first}"
            elif shape < 0.9:
                name = f"{first}{rng.choice(words)}"
            else:
                name = f"{first}_{last}_{rng.choice(words)}"
            name = slug_words(name).replace("-", "")[:15] if "." not in name else fold(name)[:15]
            if name in seen or len(name) < 4:
                continue
            seen.add(name)
            followers = int(rng.lognormvariate(5.0, 1.5))
            if rng.random() < 0.01:
                followers = rng.randrange(20_000, 300_000)
            out.append(Author(name, followers))
        return out

    def author(self, lang: str) -> Author:
        return self.rng.choices(self.authors[lang], cum_weights=self.author_weights)[0]

    def outlet(self, lang: str) -> Author:
        name, followers = self.rng.choice(OUTLETS[lang])
        return Author(name, followers)

    # -- identifiers and links ------------------------------------------------

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self.ids:
                self.ids.add(value)
                return value

    def identify(self, d: Draft, author: Author) -> tuple[str, str]:
        """An id in the source's own style, and the post's link."""
        rng = self.rng
        slug = d.brands[0] if d.brands else "general"
        page = BY_SLUG[slug].page if slug in BY_SLUG else "VerdaliaPark"
        if d.source == "twitter":
            sid = self._unique(
                lambda: str(((d.t_ms - 1_288_834_974_657) << 22) | rng.getrandbits(22))
            )
            return sid, f"https://twitter.example/{author.name}/status/{sid}"
        if d.source == "facebook":
            fid = self._unique(
                lambda: f"{rng.randrange(10**14, 10**15)}_{rng.randrange(10**15, 10**16)}"
            )
            post, comment = fid.split("_")
            return fid, f"https://facebook.example/{page}/posts/{post}?comment_id={comment}"
        if d.source == "instagram":
            code = self._unique(lambda: "".join(rng.choice(_B64) for _ in range(11)))
            return f"ig_{code}", f"https://instagram.example/p/{code}/"
        if d.source == "review":
            rid = self._unique(lambda: f"rv-{rng.getrandbits(40):010x}")
            return rid, f"https://reviews.example/{slug}/review/{rid[3:]}"
        if d.source == "news":
            nid = self._unique(lambda: f"nw-{rng.getrandbits(40):010x}")
            return nid, ""
        if d.source == "blog":
            bid = self._unique(lambda: f"bl-{rng.getrandbits(40):010x}")
            return bid, ""
        thread, reply = rng.randrange(10_000, 99_999), rng.randrange(1, 240)
        fid = self._unique(lambda: f"fo-{thread}-{reply}-{rng.getrandbits(16):04x}")
        return fid, f"https://forum.example/t/{slug}/{thread}/{reply}"

    def short_link(self) -> str:
        return "https://lnk.example/" + "".join(self.rng.choice(_B64[:62]) for _ in range(7))

    # -- text -----------------------------------------------------------------

    def expand(self, template: str) -> str:
        return _ALT.sub(lambda m: self.rng.choice(m.group(1).split("|")), template)

    def brand_ref(self, slug: str, source: str) -> str:
        brand = BY_SLUG[slug]
        r = self.rng.random()
        if source in ("twitter", "instagram") and r < 0.22:
            return self.rng.choice(brand.handles)
        if source == "facebook" and r < 0.06:
            return brand.handles[0]
        return weighted(self.rng, brand.names)

    def fill(self, text: str, slug: str, source: str, lang: str) -> str:
        rng = self.rng
        named = False

        def slot(m: re.Match[str]) -> str:
            nonlocal named
            key = m.group(1)
            if key == "B":
                if named and rng.random() < 0.65:
                    return SHORT_NAMES[slug]
                named = True
                return self.brand_ref(slug, source)
            if key == "n":
                return str(rng.randrange(2, 10))
            if key == "nn":
                return str(rng.randrange(10, 60))
            if key == "h":
                return f"{rng.randrange(7, 23)}:{rng.randrange(0, 60):02d}"
            if key == "city":
                return rng.choice(pool(CITIES[lang]))
            msg = f"unknown slot {{{key}}}"
            raise KeyError(msg)

        return _SLOT.sub(slot, text)

    def informal(self, text: str, lang: str, label: str) -> str:
        """How people type on their phones: abbreviations, no accents, typos."""
        rng = self.rng
        for pattern, repl in ABBREV[lang]:
            if rng.random() < 0.45:
                text = re.sub(rf"(?<![\w{{]){pattern}(?!\w)", repl, text)
        if lang != "en" and rng.random() < 0.22:
            text = text.translate(_ACCENTS)
        words = [m for m in _WORD.finditer(text) if fold(m.group(1)) not in _PROTECTED]
        if words and rng.random() < 0.12:
            m = rng.choice(words)
            w = m.group(1)
            i = rng.randrange(1, len(w) - 2)
            text = text[: m.start(1)] + w[:i] + w[i + 1] + w[i] + w[i + 2 :] + text[m.end(1) :]
        if words and label == "pos" and rng.random() < 0.1:
            m = rng.choice(words)
            w = m.group(1)
            if w[-1] in "aeiouoy":
                text = text[: m.end(1)] + w[-1] * rng.randrange(2, 5) + text[m.end(1) :]
        if label == "neg" and rng.random() < 0.04:
            text = _SLOT.sub(
                lambda m: "{" + ("B" if m.group(1) == "B" else m.group(1).lower()) + "}",
                text.upper(),
            )
        return text

    def sentence_count(self, source: str) -> int:
        r = self.rng.random()
        if source == "twitter":
            return 1 if r < 0.55 else 2 if r < 0.93 else 3
        if source == "instagram":
            return 1 if r < 0.45 else 2 if r < 0.85 else 3
        if source == "facebook":
            return 1 if r < 0.35 else 2 if r < 0.75 else 3 if r < 0.92 else 4
        if source == "review":
            return 2 + int(r * 4)
        if source == "forum":
            return 2 + int(r * 3)
        return 4 + int(r * 4)

    def pick(self, fragments: Sequence[str], chosen: list[str]) -> str | None:
        for _ in range(4):
            cand = self.rng.choice(fragments)
            if cand not in chosen:
                return cand
        return None

    def write(self, d: Draft) -> str:
        """The text of a draft."""
        if d.kind == "statement":
            return self.fill(d.template, "verdalia", "news", d.lang)
        if d.kind in ("multi", "excluded"):
            return self.finish(d, [self.expand(d.template)], d.brands[0] if d.brands else "")
        slug = d.brands[0]
        if d.source == "news":
            return self.news(d, slug)
        rng = self.rng
        extra = pool(GENERIC[d.lang][d.label], d.variant)
        if d.kind == "crisis":
            core = pool(CRISIS[d.lang][self.crisis_phase(d)])
            extra = pool(CRISIS[d.lang]["extra"])
        elif d.kind == "launch":
            core = tuple(t for tag, t in tagged(LAUNCH[d.lang]) if tag == d.label)
            if d.label == "neg":
                extra = core
        else:
            core = pool(DOMAIN[slug][d.lang][d.label], d.variant)
        if d.source in ("review", "blog"):
            core = tuple(f for f in core if not f.endswith("?")) or core
            extra = tuple(f for f in extra if not f.endswith("?")) or extra
        chosen = [rng.choice(core)]
        for _ in range(self.sentence_count(d.source) - 1):
            frag = self.pick(core if rng.random() < 0.35 else extra, chosen)
            if frag is not None:
                chosen.append(frag)
        if len(chosen) > 2 and rng.random() < 0.3:
            chosen[0], chosen[1] = chosen[1], chosen[0]
        return self.finish(d, [self.expand(c) for c in chosen], slug)

    def crisis_phase(self, d: Draft) -> str:
        if d.label == "neu":
            return "neu"
        u = (d.t_ms / 1000 - ONSET_S) / 60
        r = self.rng.random()
        if u < 35:
            return "early"
        if u < 120:
            return "early" if r < 0.3 else "main"
        return "main" if r < 0.5 else "late"

    def news(self, d: Draft, slug: str) -> str:
        d.outlet = self.outlet(d.lang)
        if d.kind == "crisis":
            headline = self.expand(self.rng.choice(pool(CRISIS[d.lang]["news"])))
        else:
            items = tagged(NEWS[slug][d.lang])
            tag, headline = self.rng.choice(items)
            d.label = tag
            headline = self.expand(headline)
        text = self.fill(headline, slug, "news", d.lang)
        if d.kind == "crisis":
            self.crisis_news[d.lang].append((d.outlet.name, text))
        return text

    def finish(self, d: Draft, sentences: list[str], slug: str) -> str:
        """Openers, tails, emoji, hashtags, handles and links around the sentences."""
        rng = self.rng
        lang, label, source = d.lang, d.label, d.source
        social = source in ("twitter", "instagram", "facebook", "forum")
        if social and rng.random() < 0.45:
            sentences = [self.informal(s, lang, label) for s in sentences]
        parts: list[str] = []
        opener = rng.choice(pool(OPENERS[lang])) if social and rng.random() < 0.14 else ""
        if opener:
            parts.append(opener)
        parts.extend(sentences)
        if social and rng.random() < 0.07:
            other = rng.choice(_CODE_SWITCH[lang])
            parts.append(rng.choice(pool(GENERIC[other][label]) + pool(TAILS[other][label])))
        if source != "news" and rng.random() < (0.3 if social else 0.1):
            tail = rng.choice(pool(TAILS[lang][label]))
            if rng.random() < 0.15 and label != "neg":
                tail = _LAUGH[lang] + " " + tail
            parts.append(tail)
        if source == "review" and rng.random() < 0.6:
            parts.insert(0, rng.choice(pool(RATINGS[label])))
        if source == "forum" and rng.random() < 0.25:
            parts.insert(0, "Re:")
        text = " ".join(p for p in parts if p)
        if opener[-1:].isalpha() or opener.endswith(","):
            first = sentences[0]
            if len(first) > 1 and first[0].isupper() and first[1].islower():
                text = text.replace(first, first[0].lower() + first[1:], 1)
        if rng.random() < {"instagram": 0.85, "twitter": 0.45, "facebook": 0.35}.get(source, 0.08):
            text += " " + self.emoji(d, slug)
        n_tags = 0
        if source == "instagram" and rng.random() < 0.85:
            n_tags = rng.randrange(2, 7)
        elif source == "twitter" and rng.random() < 0.22:
            n_tags = rng.randrange(1, 3)
        if d.kind == "crisis":
            tags = pool(CRISIS_TAGS[lang])
        elif d.kind == "excluded":
            tags = pool(EXCLUDED_TAGS[lang])
        else:
            # "neg:" tags (#retard, #sinInternet) only go with complaints.
            tags = tuple(
                t.removeprefix("neg:")
                for t in pool(TAGS[slug].get(lang, ""))
                if label == "neg" or not t.startswith("neg:")
            )
        if n_tags and tags:
            text += " " + " ".join(rng.sample(tags, min(n_tags, len(tags))))
        if source == "twitter" and d.kind not in ("multi", "excluded") and rng.random() < 0.1:
            handle = BY_SLUG[slug].handles[-1 if rng.random() < 0.5 else 0]
            text = handle + " " + text if rng.random() < 0.5 else text + " " + handle
        if source == "twitter" and rng.random() < 0.1:
            text = "@" + self.author(lang).name + " " + text
        if source in ("twitter", "facebook") and rng.random() < 0.07:
            text += " " + self.short_link()
        if (
            d.kind == "crisis"
            and source == "twitter"
            and self.crisis_news[lang]
            and rng.random() < 0.12
        ):
            outlet, headline = rng.choice(self.crisis_news[lang][-6:])
            text = f"RT @{outlet}: {headline}"
        text = self.fill(text, slug, source, lang)
        if source == "twitter" and len(text) > 280:
            text = text[:277].rsplit(" ", 1)[0] + "…"
        return text

    def emoji(self, d: Draft, slug: str) -> str:
        rng = self.rng
        mood = "crisis" if d.kind == "crisis" else d.label
        choices = list(EMOJI[mood])
        if slug in BY_SLUG and d.kind not in ("crisis", "excluded"):
            choices += list(BY_SLUG[slug].emoji)
        first = rng.choice(choices)
        r = rng.random()
        if r < 0.2:
            return first * rng.randrange(2, 4)
        if r < 0.45:
            return first + rng.choice(choices)
        return first

    # -- the record ------------------------------------------------------------

    def record(self, d: Draft, text: str) -> dict[str, object]:
        """The mention object, fields in the order a collector would write them."""
        rng = self.rng
        if d.outlet is not None:
            author = d.outlet
        elif d.kind == "statement":
            author = Author("verdalia_es", 48_200)
        else:
            author = self.author(d.lang)
        mid, url = self.identify(d, author)
        if d.source == "news":
            host = slug_words(author.name, 1)
            day = datetime.fromtimestamp(d.t_ms // 1000, tz=UTC).strftime("%Y/%m/%d")
            url = f"https://{host}.news.example/{day}/{slug_words(text)}-{mid[3:9]}"
            if rng.random() < 0.6:
                text = f"{text} {url}"
        elif d.source == "blog":
            url = f"https://{author.name.replace('_', '-').replace('.', '-')}.blog.example/2026/03/{slug_words(text)}"
        obj: dict[str, object] = {"id": mid, "text": text, "created_at": self.timestamp(d)}
        brand_p = {"review": 0.7, "facebook": 0.25}.get(d.source, 0.04)
        if len(d.brands) == 1 and d.kind != "excluded" and rng.random() < brand_p:
            obj["brand"] = d.brands[0]
        if rng.random() < (0.7 if d.source in ("news", "review") else 0.45):
            obj["lang"] = d.lang
        obj["source"] = d.source
        obj["author"] = author.name
        obj["url"] = url
        if d.source in ("twitter", "instagram", "blog", "news") or (
            d.source == "facebook" and rng.random() < 0.5
        ):
            obj["followers"] = author.followers
        return obj

    def timestamp(self, d: Draft) -> object:
        r = self.rng.random()
        if d.source in ("facebook", "forum") and r < 0.5:
            return d.t_ms // 1000
        if r < 0.03:
            return d.t_ms // 1000
        if r < 0.07:
            return iso_local(d.t_ms, d.offset_h)
        return iso_z(d.t_ms, millis=d.source == "twitter" and r < 0.5)

    def malformed(self, kind: str, d: Draft, obj: dict[str, object]) -> bytes:
        """A bad line of the given kind, made from a real mention."""
        rng = self.rng

        def dump(o: object) -> bytes:
            return json.dumps(o, ensure_ascii=False).encode("utf-8")

        if kind == "not_json":
            s = json.dumps(obj, ensure_ascii=False)
            return s[: int(len(s) * rng.uniform(0.2, 0.85))].encode("utf-8")
        if kind == "json_array":
            return (
                dump([obj])
                if rng.random() < 0.5
                else dump([obj["id"], obj["text"], obj["created_at"]])
            )
        if kind == "json_string":
            return (
                dump(obj["text"])
                if rng.random() < 0.5
                else dump(json.dumps(obj, ensure_ascii=False))
            )
        if kind in ("missing_id", "missing_text", "missing_created_at"):
            del obj[kind.removeprefix("missing_")]
            return dump(obj)
        if kind == "bad_timestamp":
            obj["created_at"] = rng.choice(BAD_TIMESTAMPS)
            return dump(obj)
        if kind == "naive_timestamp":
            naive = iso_local(d.t_ms, d.offset_h, zone=False)
            obj["created_at"] = naive.replace("T", " ") if rng.random() < 0.3 else naive
            return dump(obj)
        if kind == "text_too_long":
            obj["text"] = self.wall_of_text(d)
            return dump(obj)
        if kind == "wrong_type_followers":
            obj["followers"] = rng.choice(("many", "1.2k", "12 mil", "lots"))
            return dump(obj)
        if kind == "wrong_type_text":
            obj["text"] = rng.choice((404, 0, 3.5, 1772409600, -1))
            return dump(obj)
        if kind == "invalid_utf8":
            s = json.dumps(obj, ensure_ascii=False)
            raw = s.encode("cp1252", errors="replace")
            if raw.isascii():
                s = s.replace('", "created_at"', f' {SIGNATURES[d.lang]}", "created_at"', 1)
                raw = s.encode("cp1252", errors="replace")
            return raw
        return b"{}"

    def wall_of_text(self, d: Draft) -> str:
        """A text over the 20,000-character limit: someone pasted a whole thread."""
        rng = self.rng
        slug = d.brands[0] if d.brands else "verdalia"
        lang = d.lang if slug not in BY_SLUG or d.lang in DOMAIN[slug] else "es"
        parts: list[str] = []
        limit = 20_000 + rng.randrange(300, 5000)
        n = 0
        while sum(len(p) + 1 for p in parts) < limit:
            n += 1
            frags = (
                pool(DOMAIN[slug][lang][rng.choice(LABELS)])
                if slug in BY_SLUG
                else pool(GENERIC[lang]["neu"])
            )
            body = " ".join(
                self.fill(self.expand(rng.choice(frags)), slug, "blog", lang) for _ in range(3)
            )
            parts.append(f"{n}/ {body}")
        return " ".join(parts)


_B64 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
BAD_TIMESTAMPS = (
    "yesterday",
    "2026-13-45T99:00",
    "ayer",
    "hace 5 min",
    "03/04/2026 25:61",
    "",
    "2026-02-30T10:00:00Z",
    "not a date",
    "NaN",
)

# ---------------------------------------------------------------------------
# The stream: drafts over three days, the crisis, the launch, the noise.
# ---------------------------------------------------------------------------


def _label(rng: random.Random, neg: float, pos: float) -> str:
    r = rng.random()
    return "neg" if r < neg else "pos" if r < neg + pos else "neu"


def expected_negative_per_minute(brand: BrandSpec, t_s: int) -> float:
    """A brand's ordinary negative rate at a time, without noise (the crisis scales it)."""
    norm = profile_norm(PROFILES[brand.profile])
    total = 0.0
    minute = (t_s - START_S) / 60
    for seg in brand.segments:
        peak = brand.total * seg.share / (DAYS * norm)
        local = (minute + seg.utc_offset_h * 60) % 1440
        total += (
            peak * profile_at(PROFILES[brand.profile], local) * neg_probability(brand, local, 1.0)
        )
    return total


def ordinary_drafts(rng: random.Random) -> list[Draft]:
    drafts = []
    for brand in BRANDS:
        profile = PROFILES[brand.profile]
        norm = profile_norm(profile)
        volume = [rng.lognormvariate(0, 0.08) for _ in range(DAYS)]
        mood = [rng.lognormvariate(0, 0.1) for _ in range(DAYS)]
        for seg in brand.segments:
            peak = brand.total * seg.share / (DAYS * norm)
            for q in range(DAYS * 96):
                noise = rng.lognormvariate(-0.03, 0.25)
                for minute in range(q * 15, q * 15 + 15):
                    day = minute // 1440
                    local = (minute + seg.utc_offset_h * 60) % 1440
                    lam = peak * profile_at(profile, local) * noise * volume[day]
                    for _ in range(poisson(rng, lam)):
                        t_ms = (START_S + minute * 60) * 1000 + rng.randrange(60_000)
                        neg = neg_probability(brand, local + 0.5, mood[day])
                        label = _label(rng, neg, brand.pos_share)
                        source = weighted(rng, brand.sources)
                        drafts.append(
                            Draft(
                                t_ms,
                                "ordinary",
                                (brand.slug,),
                                seg.lang,
                                label,
                                source,
                                seg.utc_offset_h,
                                seg.variant,
                            )
                        )
    return drafts


def crisis_drafts(rng: random.Random) -> list[Draft]:
    brand = BY_SLUG["verdalia"]
    drafts = []
    sources = (
        ("twitter", 55),
        ("facebook", 16),
        ("instagram", 5),
        ("forum", 11),
        ("news", 8),
        ("review", 2),
        ("blog", 3),
    )
    for q in range(6 * 4):
        noise = rng.lognormvariate(-0.01, 0.15)
        for minute in range(q * 15, q * 15 + 15):
            t_s = ONSET_S + minute * 60
            extra = crisis_multiplier(minute + 0.5) - 1
            lam = extra * expected_negative_per_minute(brand, t_s) / CRISIS_NEGATIVE * noise
            for _ in range(poisson(rng, lam)):
                lang = weighted(rng, (("es", 57), ("ca", 35), ("en", 8)))
                label = "neg" if rng.random() < CRISIS_NEGATIVE else "neu"
                source = weighted(rng, sources)
                t_ms = t_s * 1000 + rng.randrange(60_000)
                drafts.append(Draft(t_ms, "crisis", ("verdalia",), lang, label, source, 1))
    for minutes, lang in ((95, "es"), (97, "ca")):
        template = pool(STATEMENTS)[0 if lang == "es" else 1]
        t_ms = (ONSET_S + minutes * 60) * 1000 + rng.randrange(60_000)
        drafts.append(
            Draft(t_ms, "statement", ("verdalia",), lang, "neu", "twitter", 1, template=template)
        )
    return drafts


def launch_drafts(rng: random.Random) -> list[Draft]:
    drafts = []
    peak_per_minute = 1.6
    for q in range(5 * 4):
        noise = rng.lognormvariate(-0.02, 0.2)
        for minute in range(q * 15, q * 15 + 15):
            lam = peak_per_minute * launch_shape(minute + 0.5) * noise
            for _ in range(poisson(rng, lam)):
                lang, offset, variant = rng.choices(
                    (("pt", -3, "br"), ("fr", 1, ""), ("es", 1, "")), weights=(70, 15, 15)
                )[0]
                label = _label(rng, 0.02, 0.6)
                source = weighted(
                    rng,
                    (
                        ("instagram", 50),
                        ("twitter", 30),
                        ("facebook", 10),
                        ("blog", 5),
                        ("forum", 5),
                    ),
                )
                t_ms = (LAUNCH_S + minute * 60) * 1000 + rng.randrange(60_000)
                drafts.append(
                    Draft(t_ms, "launch", ("mare-cosmetics",), lang, label, source, offset, variant)
                )
    return drafts


def scattered_drafts(rng: random.Random, kind: str, count: int) -> list[Draft]:
    """Mentions of two brands, or of Verdalia Park (an excluded phrase), at daytime."""
    drafts: list[Draft] = []
    items = tagged(MULTI if kind == "multi" else EXCLUDED)
    while len(drafts) < count:
        t_s = START_S + rng.randrange(DAYS * DAY_S)
        if rng.random() > profile_at(PROFILES["food"], ((t_s - START_S) / 60 + 60) % 1440):
            continue
        head, template = rng.choice(items)
        lang, _, label = head.partition(" ")
        brands = matched_brands(template) if kind == "multi" else ()
        source = weighted(
            rng, (("twitter", 55), ("instagram", 20), ("facebook", 15), ("forum", 10))
        )
        drafts.append(
            Draft(
                t_s * 1000 + rng.randrange(1000),
                kind,
                brands,
                lang,
                label or "neu",
                source,
                1,
                template=template,
            )
        )
    return drafts


def build(seed: int = SEED) -> Sample:
    """The whole stream, deterministic for a seed."""
    rng = random.Random(seed)
    writer = Writer(rng)
    drafts = ordinary_drafts(rng) + crisis_drafts(rng) + launch_drafts(rng)
    drafts += scattered_drafts(rng, "multi", 44) + scattered_drafts(rng, "excluded", 30)
    drafts.sort(key=lambda d: d.t_ms)
    kinds = [(k, w) for k, w, _ in MALFORMED_KINDS]
    lines = []
    for d in drafts:
        text = writer.write(d)
        found = matched_brands(text)
        if d.kind == "excluded" and found:
            msg = f"excluded mention matches {found}: {text!r}"
            raise AssertionError(msg)
        if d.kind != "excluded" and not set(d.brands) <= set(found):
            msg = f"mention of {d.brands} does not name them: {text!r}"
            raise AssertionError(msg)
        obj = writer.record(d, text)
        text = str(obj["text"])
        malformed = ""
        if rng.random() < MALFORMED_RATE:
            malformed = weighted(rng, kinds)
            while malformed == "text_too_long" and writer.too_long >= MAX_TOO_LONG:
                malformed = weighted(rng, kinds)
            writer.too_long += malformed == "text_too_long"
        raw = (
            writer.malformed(malformed, d, obj)
            if malformed
            else json.dumps(obj, ensure_ascii=False).encode("utf-8")
        )
        r = rng.random()
        delay_s = (
            r * 5
            if r < 0.7
            else 5 + (r - 0.7) / 0.22 * 55
            if r < 0.92
            else 60 + (r - 0.92) / 0.08 * (MAX_DELAY_S - 60)
        )
        lines.append(Line(d.t_ms + int(delay_s * 1000), d, text, malformed, raw))
    lines.sort(key=lambda line: line.arrival_ms)
    return Sample(tuple(lines), seed)


# ---------------------------------------------------------------------------
# Reading the stream back: counts, profiles, the file's own check.
# ---------------------------------------------------------------------------


def classify(raw: bytes) -> str:
    """The malformed kind of a line, judged from its bytes alone ("" when valid)."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "invalid_utf8"
    except ValueError:
        return "not_json"
    if isinstance(obj, list):
        return "json_array"
    if isinstance(obj, str):
        return "json_string"
    if not isinstance(obj, dict):
        return "not_an_object"
    if not obj:
        return "empty_object"
    for name in ("id", "text", "created_at"):
        if name not in obj:
            return f"missing_{name}"
    if not isinstance(obj["text"], str):
        return "wrong_type_text"
    followers = obj.get("followers")
    if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int)):
        return "wrong_type_followers"
    created = obj["created_at"]
    if isinstance(created, str):
        try:
            parsed = datetime.fromisoformat(created)
        except ValueError:
            return "bad_timestamp"
        if parsed.tzinfo is None:
            return "naive_timestamp"
    elif isinstance(created, bool) or not isinstance(created, int | float):
        return "bad_timestamp"
    if len(obj["text"]) > 20_000:
        return "text_too_long"
    return ""


def bucket_label(t_s: int) -> str:
    return datetime.fromtimestamp(t_s, tz=UTC).strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class CrisisRow:
    """Verdalia's mentions in one 15-minute bucket of the crisis day."""

    start_s: int
    total: int
    negative: int
    before: float
    """Negative mentions in the same bucket, mean of the two days before."""
    expected: float
    """Negative mentions the model expects there without a crisis."""
    by_lang: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.negative / max(self.expected, 1.0)


def crisis_profile(sample: Sample, first_s: int, last_s: int) -> list[CrisisRow]:
    """Verdalia's negative mentions per 15 minutes on the crisis day, against the two days before."""
    neg: Counter[int] = Counter()
    total: Counter[int] = Counter()
    langs: dict[int, Counter[str]] = defaultdict(Counter)
    for line in sample.lines:
        d = line.draft
        if line.malformed or "verdalia" not in d.brands:
            continue
        b = (d.t_ms // 1000 - START_S) // BUCKET_S
        total[b] += 1
        if d.label == "neg":
            neg[b] += 1
            langs[b][d.lang] += 1
    rows = []
    for start in range(first_s, last_s, BUCKET_S):
        b = (start - START_S) // BUCKET_S
        before = (neg[b - 96] + neg[b - 192]) / 2
        expected = sum(
            expected_negative_per_minute(BY_SLUG["verdalia"], start + 60 * m) for m in range(15)
        )
        rows.append(CrisisRow(start, total[b], neg[b], before, expected, dict(langs[b])))
    return rows


def render_readme(sample: Sample) -> str:
    valid = [line for line in sample.lines if not line.malformed]
    bad = Counter(line.malformed for line in sample.lines if line.malformed)
    n_lines = len(sample.lines)
    per_brand: dict[str, Counter[int]] = defaultdict(Counter)
    per_lang: dict[str, Counter[str]] = defaultdict(Counter)
    sources: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    field_counts: Counter[str] = Counter()
    for line in valid:
        d = line.draft
        day = (d.t_ms // 1000 - START_S) // DAY_S
        kinds[d.kind] += 1
        sources[d.source] += 1
        key = (
            d.brands[0]
            if len(d.brands) == 1
            else ("(two or more brands)" if d.brands else "(Verdalia Park: no brand)")
        )
        per_brand[key][day] += 1
        per_lang[d.lang][key] += 1
        obj = json.loads(line.raw)
        field_counts.update(k for k in ("brand", "lang", "followers") if k in obj)
        created = obj["created_at"]
        field_counts["unix"] += isinstance(created, int)
        field_counts["offset"] += isinstance(created, str) and not created.endswith("Z")
    ordinary_neg = sum(
        1 for line in valid if line.draft.kind == "ordinary" and line.draft.label == "neg"
    )
    ordinary = sum(1 for line in valid if line.draft.kind == "ordinary")
    share: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in valid:
        if line.draft.kind == "ordinary":
            share[line.draft.brands[0]][0] += line.draft.label == "neg"
            share[line.draft.brands[0]][1] += 1
    by_brand_share = ", ".join(
        f"{b.slug} {share[b.slug][0] / share[b.slug][1]:.0%}" for b in BRANDS
    )
    crisis_langs = Counter(line.draft.lang for line in valid if line.draft.kind == "crisis")
    launch_n = kinds["launch"]
    out = [
        "# The bundled sample stream",
        "",
        f"`sample.jsonl` is what `streamproc demo` replays: {n_lines:,} lines, three days of event time",
        "(2026-03-02T00:00:00Z to 2026-03-05T00:00:00Z), five brands (those of `config/brands.toml`), six",
        "languages, one crisis. It is made by `scripts/gen_sample.py` (standard library only, seed",
        f"`{sample.seed}`, no clock reads); `python scripts/gen_sample.py` rewrites this file and the stream",
        "byte for byte, `--check` prints counts and profiles, and `tests/unit/test_sample.py` regenerates",
        "both into a temporary directory and compares them with the committed ones.",
        "",
        "## How it is made",
        "",
        "- Each brand has audiences (language, time zone, share) and a daily profile in local time",
        "  (quiet nights; breakfast and evening for the yogurt, evenings for the telecom, early",
        "  mornings for the airline, mornings for the coffee, evenings for the cosmetics). Counts are",
        "  Poisson per minute with a log-normal factor per 15 minutes and per day (overdispersed).",
        "- Texts are composed from hand-written fragments per language, brand and sentiment, with",
        "  alternatives inside fragments, openers, tails, emoji, hashtags, @handles, links, typing habits",
        "  (abbreviations, missing accents, typos, elongations, shouting) and some code-switching.",
        "  Every mention names its brand by a keyword or handle of `config/brands.toml`.",
        "- The sentiment a mention was written with is the generator's intent only; no line carries",
        f"  `sentiment`. Ordinary negative share as written: {ordinary_neg / ordinary:.1%} overall; by brand",
        f"  {by_brand_share}; it also varies by day and peaks at each brand's own complaint hour.",
        "- Fields: `id` (unique, in the source's style), `text`, `created_at` (ISO-8601 with Z, or with a",
        f"  local offset for {field_counts['offset']}, Unix seconds for {field_counts['unix']}), `source`, `author`, `url`",
        f"  (example domains per source), `followers` on {field_counts['followers']} (log-normal, a few",
        f"  large accounts and news outlets); `brand` (slug) on {field_counts['brand']}, `lang` on",
        f"  {field_counts['lang']} of {len(valid):,} valid mentions.",
        f"- Order is arrival order: each line's event time is at most {MAX_DELAY_S} s earlier than the",
        "  previous line's (late arrivals), never more than 3 minutes.",
        "",
        "## Valid mentions per brand and day (UTC)",
        "",
        "| brand | 03-02 | 03-03 | 03-04 | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for key in [b.slug for b in BRANDS] + ["(two or more brands)", "(Verdalia Park: no brand)"]:
        c = per_brand[key]
        out.append(f"| {key} | {c[0]} | {c[1]} | {c[2]} | {sum(c.values())} |")
    out += [
        f"| **all** | {sum(c[0] for c in per_brand.values())} | {sum(c[1] for c in per_brand.values())} "
        f"| {sum(c[2] for c in per_brand.values())} | {len(valid)} |",
        "",
    ]
    out += ["## Languages", "", "| lang | mentions | by brand |", "|---|---:|---|"]
    for lang in LANGS:
        of_lang = per_lang[lang]
        detail = ", ".join(f"{k} {v}" for k, v in of_lang.most_common())
        out.append(f"| {lang} | {sum(of_lang.values())} | {detail} |")
    out += ["", "Sources: " + ", ".join(f"{s} {sources[s]}" for s in SOURCES) + ".", ""]
    out += [
        "## The crisis",
        "",
        "- Brand: **verdalia** (Verdalia, a food brand). A bad batch of natural yogurt (lot L-0226B):",
        '  expired or spoiled pots, people sick, refund demands, calls for a recall ("retirada",',
        '  "retirar del mercat"), news outlets with large audiences, the brand\'s own statement.',
        "- Onset: **2026-03-04T10:00:00Z**. Negative mentions of Verdalia rise from their normal level to",
        f"  about {CRISIS_PLATEAU:.0f}x within 30 minutes, stay there about 3 hours, and decay to normal",
        "  over another 2.5 hours (by about 15:40Z).",
        f"- Languages of the crisis' own mentions: es {crisis_langs['es']}, ca {crisis_langs['ca']}, en {crisis_langs['en']}.",
        "  Repeated terms: caducado/caducat, intoxicación/intoxicació, devolución/devolució, retirada,",
        "  yogur/iogurt, lote/lot, urgencias/urgències.",
        "",
        "Verdalia per 15 minutes on 2026-03-04: all mentions, negative ones as written (and by language),",
        "the negatives the model expects without a crisis, the mean of the same bucket on 03-02 and 03-03,",
        "and negative over expected:",
        "",
        "| bucket (UTC) | all | negative | expected | days before | ratio | es | ca | en |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in crisis_profile(sample, ONSET_S - 3600, ONSET_S + 7 * 3600):
        lg = row.by_lang
        out.append(
            f"| {bucket_label(row.start_s)} | {row.total} | {row.negative} | {row.expected:.1f} | {row.before:.1f} | {row.ratio:.1f} "
            f"| {lg.get('es', 0)} | {lg.get('ca', 0)} | {lg.get('en', 0)} |"
        )
    out += [
        "",
        "## What must not alert",
        "",
        f'- Maré Cosmetics launches its "Onda" line on 2026-03-03 from 13:00Z: {launch_n} extra mentions over',
        '  five hours (pt, fr, es), positive or neutral (2 % negative: "sold out"). Volume rises; negatives barely.',
        "- Nubia Telecom, Lumen Air and Caffè Orso (the small brand: a few mentions per 15 minutes) have",
        "  only their daily rhythm and noise.",
        f'- {kinds["multi"]} mentions name two or more brands; {kinds["excluded"]} name "Verdalia Park" (an excluded',
        "  phrase: a park) and must match no brand.",
        "",
        "## Malformed lines",
        "",
        f"{sum(bad.values())} lines ({sum(bad.values()) / n_lines:.1%}), at their time position, each with one fault:",
        "",
        "| kind | lines | what |",
        "|---|---:|---|",
    ]
    for kind, _, what in MALFORMED_KINDS:
        out.append(f"| `{kind}` | {bad[kind]} | {what} |")
    out += [
        "",
        "The kinds are what `classify()` in the generator (and the test) find by decoding each line.",
        "",
    ]
    return "\n".join(out)


def check_report(sample: Sample) -> str:
    """Counts and profiles for a human: per brand/day/language, negative share by hour, the crisis."""
    out = []
    valid = [line for line in sample.lines if not line.malformed]
    mismatch = sum(1 for line in sample.lines if classify(line.raw) != line.malformed)
    worst = 0
    last: int | None = None
    for line in sample.lines:
        t = _created_s(line.raw)
        if t is None:
            continue
        if last is not None:
            worst = max(worst, last - t)
        last = t
    out.append(
        f"lines {len(sample.lines)}  valid {len(valid)}  malformed {len(sample.lines) - len(valid)}  "
        f"classify mismatches {mismatch}  largest step back {worst} s"
    )
    table: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for line in valid:
        d = line.draft
        key = d.brands[0] if len(d.brands) == 1 else ("multi" if d.brands else "excluded")
        table[key, d.lang][(d.t_ms // 1000 - START_S) // DAY_S] += 1
    out.append("\nbrand           lang   03-02  03-03  03-04  total")
    for (key, lang), c in sorted(table.items()):
        out.append(f"{key:15s} {lang:4s} {c[0]:6d} {c[1]:6d} {c[2]:6d} {sum(c.values()):6d}")
    out.append("\nnegative share (as written) by UTC hour, ordinary mentions, per brand")
    hours: dict[str, list[list[int]]] = {b.slug: [[0, 0] for _ in range(24)] for b in BRANDS}
    for line in valid:
        d = line.draft
        if d.kind != "ordinary":
            continue
        h = (d.t_ms // 3_600_000) % 24
        hours[d.brands[0]][h][0] += d.label == "neg"
        hours[d.brands[0]][h][1] += 1
    out.append("hour " + " ".join(f"{b.slug[:8]:>9s}" for b in BRANDS))
    for h in range(24):
        cells = []
        for b in BRANDS:
            n, t = hours[b.slug][h]
            cells.append(f"{n / t:6.0%}/{t:<3d}" if t else "        -")
        out.append(f"{h:02d}   " + "".join(f"{c:>10s}" for c in cells))
    out.append("\nVerdalia per 15 min on 03-04: bucket all neg expected days-before ratio by-lang")
    for row in crisis_profile(sample, ONSET_S - 3600, ONSET_S + 7 * 3600):
        out.append(
            f"{bucket_label(row.start_s)} {row.total:4d} {row.negative:4d} {row.expected:5.1f} {row.before:5.1f} {row.ratio:5.1f}  {row.by_lang}"
        )
    return "\n".join(out)


def _created_s(raw: bytes) -> int | None:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    created = obj.get("created_at")
    if isinstance(created, int | float) and not isinstance(created, bool):
        return int(created)
    if isinstance(created, str):
        try:
            parsed = datetime.fromisoformat(created)
        except ValueError:
            return None
        return int(parsed.timestamp()) if parsed.tzinfo else None
    return None


def write(sample: Sample, out_dir: Path) -> None:
    """Write the stream (binary: the invalid UTF-8 lines stay invalid) and its description."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SAMPLE_NAME).write_bytes(sample.jsonl())
    (out_dir / README_NAME).write_bytes(render_readme(sample).encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT,
        help="where to write (default: streamproc/data)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help="print counts and profiles")
    args = parser.parse_args(argv)
    sample = build(args.seed)
    write(sample, args.out_dir)
    if args.check:
        print(check_report(sample))
    return 0


# ---------------------------------------------------------------------------
# Phrase pools. One fragment a line; [a|b] picks one alternative; {B} is the
# brand as people write it (name or handle), {n} {nn} {h} {city} small slots.
# "br> " and "pt> " mark Brazilian or European Portuguese; "neg> " etc. tag labels.
# ---------------------------------------------------------------------------

NAMES: dict[str, dict[str, str]] = {
    "es": {
        "first": "laura javi marta sergio lucia pablo carmen dani irene alvaro nerea raul paula david cris ines jorge sara manu bea alex elena ruben noelia",
        "last": "garcia martin lopez sanchez romero navarro torres ruiz gil serrano moreno ortega delgado castro vidal rubio mena prieto",
        "word": "cocinillas runner viajera foodie mama papa peque madrid sevilla bcn gamer lectora sinfiltro 85 92 oficial real",
    },
    "ca": {
        "first": "jordi montse pau nuria arnau laia marc berta oriol merce quim anna pol roser biel gemma txell xavi",
        "last": "puig ferrer soler vila roca pujol serra font casals riera sala bosch coll prat mas camps",
        "word": "bcn girona lleida cuina runner mare pare fotos muntanya cat lectora escola 88 rural",
    },
    "it": {
        "first": "giulia marco francesca luca chiara matteo sara andrea elena davide martina paolo federica simone alessia gianni",
        "last": "rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti",
        "word": "caffe milano roma napoli torino viaggi foodie mamma ciclista barista 90 official",
    },
    "en": {
        "first": "jess tom sarah mike emma dan olivia chris kate liam sophie jack amy ryan hannah ben lucy josh",
        "last": "smith jones taylor brown wilson evans walker wright hughes green hall clarke",
        "word": "travels eats london mcr dublin runs coffee mum dad writes avgeek official 88 nyc",
    },
    "pt": {
        "first": "ana joao mariana lucas bruna thiago beatriz rafael camila pedro leticia gabriel julia tiago ines rita",
        "last": "silva santos oliveira souza costa pereira ferreira almeida carvalho lima gomes ribeiro martins",
        "word": "beauty skin makes viagens rj sp lisboa porto oficial blog mae 95 cuida",
    },
    "fr": {
        "first": "camille julien manon thomas lea nicolas chloe hugo sarah antoine ines maxime clara lucas emma louis",
        "last": "martin bernard dubois durand leroy moreau simon laurent lefebvre michel garcia roux fournier",
        "word": "paris lyon beaute voyage cuisine maman papa blog officiel 75 13 nantes",
    },
}
for _lang_names in NAMES.values():
    for _key in ("first", "last", "word"):
        _lang_names[_key] = "\n".join(_lang_names[_key].split())

OUTLETS: dict[str, tuple[tuple[str, int], ...]] = {
    "es": (
        ("TelediarioExpress", 1_250_000),
        ("InfoConsumo_es", 215_000),
        ("ElHeraldoDigital", 480_000),
        ("NoticiasAragon24", 96_000),
    ),
    "ca": (("DiariMetropolita", 380_000), ("NoticiesDelPla", 96_000), ("ConsumCat_info", 54_000)),
    "en": (("EuroBizWire", 610_000), ("FoodSafetyWatch", 140_000), ("TravelDeskNews", 230_000)),
    "it": (("GazzettaEconomica", 420_000), ("ViaggiOggi_news", 88_000)),
    "pt": (
        ("PortalDoConsumidor", 300_000),
        ("JornalDaManha_pt", 210_000),
        ("BelezaNews_br", 150_000),
    ),
    "fr": (("LeQuotidienEco", 520_000), ("VoyageurInfo", 120_000), ("BeauteMag_fr", 95_000)),
}

CITIES: dict[str, str] = {
    "es": "Zaragoza\nLleida\nHuesca\nValencia\nTarragona\nBarcelona\nCastellón\nTeruel",
    "ca": "Lleida\nGirona\nReus\nManresa\nVic\nTarragona\nSabadell\nBalaguer",
    "en": "Barcelona\nLleida\nGirona",
    "it": "Milano\nTorino",
    "pt": "Lisboa\nPorto",
    "fr": "Paris\nLyon",
}

SIGNATURES = {
    "es": "Enviado desde mi móvil",
    "ca": "Enviat des del meu mòbil",
    "it": "Inviato dal mio telefono, perché sì",
    "en": "— sent from my phone",
    "pt": "Enviado do meu celular, não responda",
    "fr": "Envoyé de mon téléphone",
}

ABBREV: dict[str, tuple[tuple[str, str], ...]] = {
    "es": (
        ("que", "q"),
        ("porque", "xq"),
        ("también", "tb"),
        ("por favor", "porfa"),
        ("para", "pa"),
        ("de verdad", "dvd"),
        ("Qué", "Q"),
    ),
    "ca": (("que", "q"), ("perquè", "pq"), ("també", "tb"), ("molt", "mlt"), ("per favor", "plis")),
    "it": (
        ("non", "nn"),
        ("per", "x"),
        ("comunque", "cmq"),
        ("che", "ke"),
        ("perché", "xké"),
        ("troppo", "trp"),
    ),
    "en": (
        ("you", "u"),
        ("though", "tho"),
        ("because", "bc"),
        ("going to", "gonna"),
        ("to be honest", "tbh"),
        ("people", "ppl"),
        ("right now", "rn"),
    ),
    "pt": (
        ("você", "vc"),
        ("que", "q"),
        ("porque", "pq"),
        ("também", "tb"),
        ("muito", "mto"),
        ("não", "n"),
        ("beleza", "blz"),
    ),
    "fr": (
        ("c'est", "c"),
        ("pourquoi", "pk"),
        ("quoi", "koi"),
        ("aujourd'hui", "auj"),
        ("beaucoup", "bcp"),
        ("s'il vous plaît", "svp"),
        ("je sais pas", "jsp"),
    ),
}

RATINGS = {
    "pos": "★★★★★\n★★★★☆\n5/5\n4/5\n9/10",
    "neu": "★★★☆☆\n3/5\n6/10\n★★★☆☆",
    "neg": "★☆☆☆☆\n★★☆☆☆\n1/5\n2/5\n1/10",
}

EMOJI = {
    "pos": ("😍", "❤️", "🙌", "👏", "😋", "✨", "🥰", "💯", "🔥", "😊", "💚", "🤩"),
    "neu": ("🤔", "👀", "🤷‍♀️", "🤷", "😅", "🙃", "🧐", "📌"),
    "neg": ("😡", "🤬", "😤", "🙄", "👎", "😠", "😒", "💀", "😩", "🫠"),
    "crisis": ("😡", "🤢", "🤮", "😷", "🚨", "⚠️", "😤", "🤬", "😰"),
}

TAGS: dict[str, dict[str, str]] = {
    "verdalia": {
        "es": "#desayuno #yogur #healthy #merienda #realfood #Verdalia #sinlactosa",
        "ca": "#esmorzar #iogurt #berenar #Verdalia #cuina",
        "en": "#breakfast #yoghurt #guthealth #Verdalia",
    },
    "nubia-telecom": {
        "es": "#fibra neg:#sinInternet #teletrabajo neg:#atenciónalcliente #5G #NubiaTelecom",
        "ca": "#fibra neg:#senseInternet #teletreball #NubiaTelecom",
        "pt": "#fibra neg:#semnet #teletrabalho #NubiaTelecom",
    },
    "lumen-air": {
        "en": "#travel #avgeek neg:#delayed #flying #LumenAir neg:#neveragain",
        "fr": "#voyage neg:#retard #avion #LumenAir",
        "es": "#viajar neg:#retraso #aeropuerto #LumenAir",
        "it": "#viaggio neg:#ritardo #aeroporto #LumenAir",
    },
    "caffe-orso": {
        "it": "#caffè #espresso #colazione #coffeetime #buongiorno #moka",
        "en": "#coffee #espresso #coffeetime #flatwhite",
        "fr": "#café #espresso #pausecafé",
    },
    "mare-cosmetics": {
        "pt": "#skincare #autocuidado #pelelinda #rotinadecuidados #marecosmetics #vitaminaC",
        "fr": "#skincare #routinebeauté #soinsvisage #marecosmetics",
        "es": "#skincare #rutinafacial #cuidadodelapiel #marecosmetics",
    },
}
for _brand_tags in TAGS.values():
    for _lang in list(_brand_tags):
        _brand_tags[_lang] = "\n".join(_brand_tags[_lang].split())

CRISIS_TAGS = {
    "es": "#Verdalia\n#intoxicación\n#retirada\n#yogur\n#AlertaAlimentaria\n#RetiradaVerdalia",
    "ca": "#Verdalia\n#intoxicació\n#retirada\n#iogurt\n#AlertaSanitària",
    "en": "#Verdalia\n#recall\n#foodpoisoning",
}
EXCLUDED_TAGS = {
    "es": "#VerdaliaPark\n#findesemana\n#planazo",
    "ca": "#VerdaliaPark\n#capdesetmana\n#planazo",
    "en": "#VerdaliaPark\n#weekend",
}

OPENERS = {
    "es": """
        Bueno,
        A ver,
        Hilo 🧵
        Os cuento:
        Pues nada,
        Actualización:
        Ojo:
        Lo tenía que decir:
        Opinión impopular:
        Buenos días,
        Vale,
        Sinceramente,
        Me explico:
    """,
    "ca": """
        Bé,
        A veure,
        Fil 🧵
        Us explico:
        Doncs res,
        Actualització:
        Compte:
        Ho havia de dir:
        Bon dia,
        Sincerament,
        Vinga,
    """,
    "it": """
        Allora,
        Vabbè,
        Thread 🧵
        Vi racconto:
        Aggiornamento:
        Attenzione:
        Lo dovevo dire:
        Opinione impopolare:
        Buongiorno,
        Raga,
        Sinceramente,
    """,
    "en": """
        Ok so
        Right,
        Thread 🧵
        Quick one:
        Update:
        PSA:
        Unpopular opinion:
        Not gonna lie,
        Morning all,
        Honestly,
        Can we talk about this:
    """,
    "pt": """
        Gente,
        Então,
        Fio 🧵
        Vou contar:
        Atualização:
        Atenção:
        Precisava falar:
        Opinião impopular:
        Bom dia,
        Sinceramente,
        Olha,
    """,
    "fr": """
        Bon,
        Alors,
        Thread 🧵
        Je vous raconte :
        Update :
        Attention :
        Il fallait que je le dise :
        Avis impopulaire :
        Bonjour,
        Franchement,
        Petit coup de gueule :
    """,
}

TAILS = {
    "es": {
        "pos": "😍\n👏👏\nqué bien\n💯\n10/10\nbrutal\nole\ngracias!!\n❤️\nun acierto\nme flipa\nlo mejor\nsin más\ntop",
        "neu": "🤔\nya os contaré\nbueno\nen fin\na ver\n¿alguien?\n👀\neso\nni idea\nya veremos\nno sé",
        "neg": "😡\n🙄\nen fin...\nvergüenza\n👎\n😤\nde chiste\nno hay más preguntas\nmanda narices\nflipo\nvaya tela\nqué cruz\nhartita",
    },
    "ca": {
        "pos": "😍\nvisca!\n👏\nmolt top\ngràcies!!\n❤️\nun encert\nboníssim\nperfecte",
        "neu": "🤔\nja us diré\nbé\nen fi\na veure\nalgú?\n👀\nni idea\nja veurem",
        "neg": "😡\n🙄\nen fi...\nvergonya\n👎\nquin fàstic\nno tinc paraules\nflipo\nquina ràbia\nprou!",
    },
    "it": {
        "pos": "😍\ntop\n👏👏\nbravissimi\n❤️\ngrazie!!\nda provare\nspettacolo\ngoduria",
        "neu": "🤔\nvi faccio sapere\nboh\nvabbè\n👀\nmah\nvedremo\nchissà",
        "neg": "😡\n🙄\nvergogna\n👎\nassurdo\nche schifo\nmai più\nma dai\nbasta\nincredibile",
    },
    "en": {
        "pos": "😍\n🙌\nlove it\n❤️\ncheers!!\nlush\nno notes\nobsessed\nsorted",
        "neu": "🤔\nwe'll see\nanyway\n👀\nhmm\nany thoughts?\nidk\nfair enough",
        "neg": "😡\n🙄\nridiculous\n👎\nunreal\nsmh\njoke\nlol no\nfuming\nembarrassing",
    },
    "pt": {
        "pos": "😍\namei\n👏👏\nperfeito\n❤️\nobrigada!!\ntudo\nmaravilhoso\nsucesso",
        "neu": "🤔\ndepois conto\nenfim\n👀\nné\nvamos ver\nsei lá",
        "neg": "😡\n🙄\nridículo\n👎\nvergonha\naffff\nque raiva\naff\nsocorro\npalhaçada total",
    },
    "fr": {
        "pos": "😍\ntrop bien\n👏\n❤️\nmerci !!\nau top\nvalidé\ncoup de cœur\nparfait",
        "neu": "🤔\nje vous tiens au courant\nbref\n👀\nbon\ndes avis ?\non verra\nbof bof",
        "neg": "😡\n🙄\nhonteux\n👎\nn'importe quoi\nsérieux ?\ninadmissible\nla blague\nlamentable\nj'hallucine",
    },
}

GENERIC = {
    "es": {
        "pos": """
            Atención al cliente de 10, me lo solucionaron en [cinco minutos|un momento|nada].
            Sinceramente, no me esperaba que fuera tan bueno.
            Lo recomiendo [100%|sin dudarlo|a todo el mundo].
            Repetiré, seguro.
            Calidad-precio [de lo mejor que he probado|imbatible|muy bien].
            Da gusto cuando las cosas funcionan como deben.
            Me han ganado como [cliente|clienta].
            Ojalá todas las marcas fueran así.
            Mi [madre|pareja|hermana|compi de piso] también [está encantada|se ha enganchado].
            Pequeños detalles que marcan la diferencia.
            Llevo años [con ellos|siendo cliente] y cero problemas.
            Muy contenta con la compra, la verdad.
            Qué maravilla, de verdad.
            Han mejorado un montón, nada que ver con hace un año.
            Por fin algo que cumple lo que promete.
            Un lujo poder decir esto de una empresa hoy en día.
            El customer service is [top|on point], no hay más.
        """,
        "neu": """
            ¿Alguien sabe si [tienen descuento para estudiantes|hay algún código de descuento|hacen envíos a Canarias]?
            Pregunta seria: ¿vale la pena o es todo marketing?
            Lo vi ayer en un anuncio de la tele.
            Estoy comparando precios antes de decidirme.
            Ni fu ni fa, la verdad.
            Cumple, sin más.
            Mañana lo pruebo y os cuento.
            Dejo el enlace por si a alguien le sirve.
            No sé qué pensar, tiene cosas buenas y cosas malas.
            Pues lo han cambiado de [sitio|formato|diseño] otra vez.
            A mí me da igual una marca que otra, sinceramente.
            ¿Es normal que [tarde tanto|cambie el precio cada semana]?
            Si alguien tiene experiencia, que me diga.
            Lo pregunto porque en la web no lo pone claro.
        """,
        "neg": """
            El servicio de atención al cliente es [un desastre|de risa|lamentable].
            [Otra|Una] subida de precio [más|y van tres este año]. No, gracias.
            Me han tenido [{nn} minutos|una hora] al teléfono para nada.
            Nadie responde [a los correos|en el chat|por DM].
            La chica del teléfono [fue bastante borde|me colgó|me trató fatal].
            El pedido llegó [con una semana de retraso|tarde y mal|abierto].
            Qué decepción, de verdad.
            No pienso volver a [comprar|confiar en ellos].
            Estoy [hasta las narices|harta|harto|quemadísima].
            Y encima me cobran de más.
            Pésimo, no lo recomiendo.
            Vaya tomadura de pelo.
            Reclamación puesta. A ver si sirve de algo.
            Cada vez peor, antes no era así.
            Pagar más por menos, el nuevo modelo de negocio.
            Ni un correo de disculpa, nada.
            Worst customer service ever, en serio.
        """,
    },
    "ca": {
        "pos": """
            Atenció al client de deu, m'ho van resoldre en [cinc minuts|un moment|res].
            De debò, no m'esperava que fos tan bo.
            El recomano [100%|sense dubtar-ho|a tothom].
            Repetiré segur.
            Qualitat-preu [boníssima|imbatible|molt bé].
            Fa gust quan les coses funcionen com han de funcionar.
            La meva [mare|parella|germana|companya de pis] també [n'està encantada|s'hi ha enganxat].
            Fa anys que [hi confio|en soc client] i zero problemes.
            Molt contenta amb la compra, la veritat.
            Quina meravella!
            Han millorat moltíssim, res a veure amb fa un any.
            Petits detalls que marquen la diferència.
            Per fi una cosa que compleix el que promet.
            Ole, así da gusto.
        """,
        "neu": """
            Algú sap si [tenen descompte per a estudiants|hi ha algun codi de descompte|fan enviaments a Menorca]?
            Pregunta seriosa: val la pena o és tot màrqueting?
            Ho vaig veure ahir en un anunci.
            Estic comparant preus abans de decidir-me.
            Ni fu ni fa.
            Compleix, i prou.
            Demà ho provo i us explico.
            Deixo l'enllaç per si a algú li serveix.
            No sé què pensar-ne, té coses bones i coses dolentes.
            Ara ho han tornat a canviar de [lloc|format|disseny].
            És normal que [trigui tant|canviï el preu cada setmana]?
            Si algú en té experiència, que m'ho digui.
        """,
        "neg": """
            L'atenció al client és [un desastre|de riure|lamentable].
            [Una altra|Una] pujada de preu [més|i ja en van tres aquest any]. No, gràcies.
            M'han tingut [{nn} minuts|una hora] al telèfon per res.
            Ningú no respon [els correus|al xat|per DM].
            La noia del telèfon [va ser força borda|em va penjar|em va tractar fatal].
            La comanda va arribar [amb una setmana de retard|tard i malament|oberta].
            Quina decepció, de debò.
            No hi penso tornar.
            Estic [fins al capdamunt|farta|fart|cremadíssim].
            I a sobre em cobren de més.
            Fatal, no ho recomano.
            Quina presa de pèl.
            Reclamació posada. A veure si serveix d'alguna cosa.
            Cada cop pitjor.
            Ni un correu per demanar disculpes, res.
            Es que de verdad, qué vergüenza.
        """,
    },
    "it": {
        "pos": """
            Assistenza clienti top, mi hanno risolto tutto in [cinque minuti|un attimo|pochissimo].
            Sinceramente non me lo aspettavo così buono.
            Lo consiglio [a tutti|al 100%|senza dubbi].
            Ci ritorno sicuro.
            Rapporto qualità-prezzo [ottimo|imbattibile|davvero buono].
            Che bello quando le cose funzionano come dovrebbero.
            Anche mia [mamma|sorella|moglie] [ne è entusiasta|ne è diventata dipendente].
            Clienti da anni e mai un problema.
            Piccoli dettagli che fanno la differenza.
            Bravi, continuate così!
            Davvero soddisfatta dell'acquisto.
            Una garanzia.
            Finalmente qualcosa che mantiene quello che promette.
        """,
        "neu": """
            Qualcuno sa se [fanno sconti per studenti|c'è un codice sconto|spediscono in Sardegna]?
            Domanda seria: ne vale la pena o è solo marketing?
            L'ho visto ieri in pubblicità.
            Sto confrontando i prezzi prima di decidere.
            Né carne né pesce.
            Fa il suo, niente di più.
            Domani lo provo e vi dico.
            Lascio il link se a qualcuno interessa.
            Non so cosa pensare, ci sono pro e contro.
            Hanno cambiato di nuovo [la confezione|il sito|l'app].
            Se qualcuno ha esperienza mi scriva.
        """,
        "neg": """
            Il servizio clienti è [un disastro|imbarazzante|pessimo].
            [Un altro|L'ennesimo] aumento di prezzo. No grazie.
            Mi hanno lasciato [{nn} minuti|un'ora] in attesa al telefono per niente.
            Nessuno risponde [alle mail|in chat|in DM].
            L'operatore [è stato scortese|mi ha chiuso il telefono in faccia|mi ha trattato malissimo].
            L'ordine è arrivato [con una settimana di ritardo|in ritardo e incompleto|aperto].
            Che delusione.
            Non ci ricasco più.
            Sono [stufo|stufa|esasperata] sinceramente.
            E in più mi fanno pagare di più.
            Pessimo, sconsigliato.
            Una presa in giro.
            Reclamo inviato, vediamo se serve a qualcosa.
            Sempre peggio, una volta non era così.
            Customer care inesistente, sorry but no.
        """,
    },
    "en": {
        "pos": """
            Customer service was [amazing|spot on|super quick], sorted it in [five minutes|no time].
            Honestly didn't expect it to be this good.
            Would [100%|definitely] recommend.
            Will be back for sure.
            Great value for money [tbh|honestly|imo].
            Love it when things just work.
            My [mum|partner|sister|flatmate] is [obsessed now|hooked too].
            Been with them for years, never had an issue.
            Little details that make a difference.
            Genuinely impressed.
            Proper good.
            10/10 no notes.
            Finally something that does what it says on the tin.
        """,
        "neu": """
            Does anyone know if they [do student discounts|have a promo code|ship to Ireland]?
            Serious question: is it worth it or just hype?
            Saw the ad on telly last night.
            Comparing prices before I decide.
            It's fine I guess.
            Does the job, nothing more.
            Trying it tomorrow, will report back.
            Link below if anyone's interested.
            Mixed feelings tbh.
            They've changed the [packaging|website|app] again.
            If anyone's tried it let me know.
        """,
        "neg": """
            Customer service is [a joke|useless|shocking].
            [Another|Yet another] price rise. No thanks.
            Kept me on hold for [{nn} minutes|an hour] for nothing.
            Nobody answers [emails|the chat|DMs].
            The agent was [really rude|so dismissive|condescending] and hung up on me.
            Order turned up [a week late|late and damaged|opened].
            What a letdown.
            Never again.
            I'm [so done|fed up|sick of this].
            And they overcharged me on top of that.
            Avoid.
            Absolute shambles.
            Complaint filed, let's see if it does anything.
            Getting worse every year.
            Not even an apology email.
        """,
    },
    "pt": {
        "pos": """
            Atendimento nota 10, resolveram [em cinco minutos|rapidinho|na hora].
            Sinceramente não esperava que fosse tão bom.
            Recomendo [demais|muito|de olhos fechados].
            Vou comprar de novo com certeza.
            Custo-benefício [excelente|imbatível|muito bom].
            Dá gosto quando as coisas funcionam.
            br> Minha [mãe|irmã|namorada|amiga] [também amou|ficou viciada].
            Cliente há anos e nunca tive problema.
            São os detalhes que fazem a diferença.
            br> Amei demais!
            Muito satisfeita com a compra.
            br> Melhor decisão que tomei esse mês kkkk
            pt> Adorei, a sério.
            pt> Impecável, recomendo vivamente.
            pt> A minha [mãe|irmã|namorada] também ficou fã.
        """,
        "neu": """
            br> Alguém sabe se [tem desconto pra estudante|tem cupom|entregam no Nordeste]?
            pt> Alguém sabe se [há desconto para estudantes|há código promocional|entregam nos Açores]?
            Pergunta séria: vale a pena ou é só marketing?
            Vi o anúncio ontem.
            br> Tô comparando preços antes de decidir.
            pt> Estou a comparar preços antes de decidir.
            br> Nem bom nem ruim.
            pt> Nem bom nem mau.
            Cumpre o que promete, nada mais.
            br> Amanhã eu testo e conto pra vocês.
            pt> Amanhã experimento e depois digo.
            Deixo o link aqui se alguém quiser.
            Não sei o que achar, tem prós e contras.
            Mudaram [a embalagem|o site|a app] outra vez.
        """,
        "neg": """
            O atendimento é [uma piada|péssimo|horrível].
            [Mais um|Outro] aumento de preço. Não, obrigada.
            br> Fiquei [{nn} minutos|uma hora] esperando no telefone pra nada.
            pt> Fiquei [{nn} minutos|uma hora] à espera ao telefone para nada.
            Ninguém responde [aos e-mails|no chat|por DM].
            br> A atendente [foi super grossa|desligou na minha cara|me tratou mal].
            pt> A funcionária [foi mal-educada|desligou-me o telefone|tratou-me mal].
            O pedido chegou [com uma semana de atraso|atrasado e errado|aberto].
            Que decepção.
            br> Nunca mais compro.
            pt> Nunca mais.
            br> Tô [cansada|de saco cheio|farta] disso.
            pt> Estou [farta|cansado|mais que farta] disto.
            E ainda cobraram a mais.
            Péssimo, não recomendo.
            br> Palhaçada.
            Já abri reclamação, vamos ver se adianta.
            Cada vez pior.
        """,
    },
    "fr": {
        "pos": """
            Service client au top, réglé en [cinq minutes|deux secondes|un rien de temps].
            Franchement je ne m'attendais pas à ce que ce soit aussi bien.
            Je recommande [à 100%|vivement|les yeux fermés].
            J'y retournerai c'est sûr.
            Rapport qualité-prix [imbattable|top|vraiment correct].
            Ça fait plaisir quand tout fonctionne.
            Ma [mère|sœur|copine|coloc] est [fan aussi|devenue accro].
            Client depuis des années, jamais eu de souci.
            Ce sont les petits détails qui font la différence.
            Bravo, rien à dire.
            Trop contente de mon achat.
            Une valeur sûre.
            Enfin un truc qui tient ses promesses.
        """,
        "neu": """
            Quelqu'un sait s'ils [font des réductions étudiants|ont un code promo|livrent en Belgique] ?
            Vraie question : ça vaut le coup ou c'est juste du marketing ?
            J'ai vu la pub hier soir.
            Je compare les prix avant de me décider.
            Ni bien ni mal.
            Ça fait le job, sans plus.
            Je teste demain et je vous dis.
            Je mets le lien si ça intéresse quelqu'un.
            Avis mitigé.
            Ils ont encore changé [l'emballage|le site|l'appli].
            Si quelqu'un a un retour d'expérience, je prends.
        """,
        "neg": """
            Le service client est [une blague|inexistant|lamentable].
            [Encore une|Une énième] hausse de prix. Non merci.
            [{nn} minutes|Une heure] d'attente au téléphone pour rien.
            Personne ne répond [aux mails|sur le chat|en DM].
            Le conseiller [a été super désagréable|m'a raccroché au nez|m'a pris de haut].
            Commande arrivée [avec une semaine de retard|en retard et abîmée|ouverte].
            Quelle déception.
            Plus jamais.
            J'en ai [marre|ras-le-bol|plus que marre].
            Et en plus ils m'ont facturé en trop.
            À fuir.
            Du grand n'importe quoi.
            Réclamation envoyée, on verra bien.
            De pire en pire.
            Customer service zéro, sorry not sorry.
        """,
    },
}

DOMAIN: dict[str, dict[str, dict[str, str]]] = {
    "verdalia": {
        "es": {
            "pos": """
                El yogur griego de {B} es [lo mejor que he probado|otro nivel|una pasada], cremosísimo.
                Desayuno de campeones: [yogur|kéfir] de {B} con granola y plátano.
                Los bífidus de fresa de {B} me tienen [enganchada|enganchado|loca].
                Por fin un yogur sin azúcar añadido que sabe a algo, bien por {B}.
                Mis hijos se pelean por las natillas de {B} jajaja
                El nuevo [kéfir de mango|yogur de coco|griego con miel] de {B} está [brutal|buenísimo|riquísimo].
                Me encanta que {B} haya pasado a envases de cartón, así sí.
                Merienda rápida: {B} natural, nueces y un chorrito de miel. No falla.
                He probado mil marcas y me quedo con {B}, sin duda.
                Gracias {B} por la versión sin lactosa, por fin puedo volver a desayunar yogur 🙏
                El yogur de {B} con frutos rojos es mi [pecado|vicio|premio] de cada noche.
                {B} ha sacado [yogures de pistacho|un yogur de turrón|el kéfir de limón] y yo ya he comprado [seis|dos packs|para toda la semana].
                La receta de tarta de queso con yogur {B} de mi abuela sale [perfecta|espectacular].
                Vaya textura tiene el griego de {B}, parece de granja.
                Bowl de {B}, avena y fruta antes del gym. Ni hambre hasta la comida.
            """,
            "neu": """
                ¿Alguien ha probado el [yogur de avena|kéfir de mango|griego proteico] de {B}? ¿Merece la pena?
                He visto que {B} ha cambiado el diseño de los envases.
                En el súper de mi barrio ya no hay [bífidus|kéfir] de {B}, ¿lo han dejado de fabricar?
                ¿Los yogures de {B} llevan gelatina? Pregunto por mi hermana, que es vegetariana.
                {B} patrocina la carrera popular del domingo, por lo visto.
                Comparando etiquetas: {B} tiene [algo menos|algo más] de azúcar que la marca blanca.
                ¿Sabéis si {B} tiene fábrica en [Lleida|Girona|Navarra]?
                Hoy tocaba yogur {B} porque no quedaba otra cosa en la nevera.
                Que alguien me explique por qué el pack de {B} es de 4 y no de 6.
                Yogur natural de {B} o griego, ¿cuál usáis para el tzatziki?
                Vi una promo de {B} en el súper: segunda unidad al 50%.
                Mi nutricionista dice que el kéfir de {B} está bien, pero sin pasarse.
            """,
            "neg": """
                El yogur de {B} ha subido [30|40|25] céntimos en [dos meses|un mes|nada]. Ni de broma.
                {B}, ¿por qué habéis cambiado la receta del griego? Ahora está aguado.
                Los envases de {B} se abren fatal, me he puesto perdida de yogur [otra vez|por tercera vez esta semana].
                Pedí el pack de {B} en la compra online y llegó [con dos yogures reventados|caliente|con un día de retraso].
                Demasiado azúcar en los de sabores de {B}, tanto 'saludable' y tanto.
                Cada vez ponen menos yogur en el envase, {B}. Reduflación de manual.
                El kéfir de {B} ya no es lo que era, [más ácido|más líquido] y más caro.
                Escribí a {B} por lo del plástico y me respondieron con un copia-pega.
                No entiendo el precio del pack de {B}: más caro que [tres|dos] marcas de la competencia.
                Otra vez sin stock de {B} sin lactosa en mi súper, ya van [dos|tres] semanas.
                Me tocó un yogur de {B} caducado en el súper. Lo devolví sin problema, pero ojo con las fechas.
                El nuevo de pistacho de {B} sabe a [jarabe|medicina|nada]. Qué pena.
                Las tapas de {B} se rompen y acabas con la cuchara llena de papel de aluminio.
            """,
        },
        "ca": {
            "pos": """
                El iogurt grec de {B} és [boníssim|una passada|un altre nivell].
                Esmorzar de campions: iogurt {B} amb granola i plàtan.
                Els bífidus de maduixa de {B} m'han enganxat del tot.
                Per fi un iogurt sense sucre afegit que té gust d'alguna cosa, molt bé {B}.
                El nou [quefir de mango|iogurt de coco|grec amb mel] de {B} està [boníssim|bo de debò].
                M'agrada molt que {B} hagi passat a envasos de cartró.
                Berenar ràpid: {B} natural, nous i un raig de mel. No falla.
                He provat mil marques i em quedo amb {B}.
                Gràcies {B} per la versió sense lactosa 🙏
                Els petits de casa es barallen per les natilles de {B} jajaja
                El pastís de formatge amb iogurt {B} de la iaia surt [perfecte|espectacular].
                Quina textura té el grec de {B}, sembla de granja.
            """,
            "neu": """
                Algú ha provat el [iogurt de civada|quefir de mango|grec proteic] de {B}? Val la pena?
                He vist que {B} ha canviat el disseny dels envasos.
                Al súper del barri ja no hi ha [bífidus|quefir] de {B}, l'han deixat de fer?
                {B} patrocina la cursa popular de diumenge, pel que sembla.
                Sabeu si {B} té la fàbrica a [Lleida|Girona|Osona]?
                Avui tocava iogurt {B} perquè no quedava res més a la nevera.
                Per què el pack de {B} és de 4 i no de 6?
                Natural o grec de {B} per fer la salsa de iogurt?
                Hi ha oferta de {B} al súper: la segona unitat a meitat de preu.
            """,
            "neg": """
                El iogurt de {B} ha pujat [30|40] cèntims en [dos mesos|un mes]. Ni parlar-ne.
                {B}, per què heu canviat la recepta del grec? Ara és aigualit.
                Els envasos de {B} s'obren fatal, m'he tacat tota [un altre cop|per tercera vegada].
                Vaig demanar el pack de {B} a la compra en línia i va arribar [amb dos iogurts rebentats|calent|amb un dia de retard].
                Massa sucre als de gustos de {B}, tant 'saludable' i tant.
                Cada cop posen menys iogurt a l'envàs, {B}. Reduflació de manual.
                Vaig escriure a {B} pel tema del plàstic i em van respondre amb un copiar-enganxar.
                Un altre cop sense estoc de {B} sense lactosa al meu súper.
                El nou de pistatxo de {B} té gust de [xarop|medicament|res]. Quina llàstima.
            """,
        },
        "en": {
            "pos": """
                {B} greek yoghurt is [unreal|so good|the best I've had], proper creamy.
                Breakfast sorted: {B} yoghurt, granola and berries.
                Finally a no-added-sugar yoghurt that actually tastes of something, well done {B}.
                The new [mango kefir|coconut yoghurt|honey greek] from {B} is [class|lush|amazing].
                Picked up {B} on holiday in Barcelona and now I can't find it at home 😭
                The {B} lactose-free range is a lifesaver 🙏
            """,
            "neu": """
                Has anyone tried the {B} [oat yoghurt|protein greek]? Worth it?
                Is {B} sold anywhere in the UK?
                Noticed {B} changed their packaging.
                {B} plain or greek for tzatziki?
            """,
            "neg": """
                {B} yoghurt went up [30|40] cents in [two months|a month]. No chance.
                Why did {B} change the greek recipe? It's watery now.
                The {B} pots are impossible to open without spilling.
                Too much sugar in the flavoured {B} ones for something sold as healthy.
                Less yoghurt in every pot, {B}. Textbook shrinkflation.
            """,
        },
    },
    "nubia-telecom": {
        "es": {
            "pos": """
                Me he pasado a {B} y la fibra va como un tiro, [600|1000] megas reales.
                La técnica de {B} vino [puntual|en una hora] y me dejó el router configurado. 10/10.
                Llevo [dos años|tres años] con {B} y ni un corte, no me puedo quejar.
                Me ha contestado @nubia_ayuda en [diez minutos|nada] y me han arreglado la factura. Así sí.
                Portabilidad a {B} hecha en 48 horas sin dramas.
                El nuevo [router wifi 6|plan de datos ilimitados] de {B} funciona de lujo.
                Teletrabajo con {B} y las videollamadas van perfectas.
                Gracias {B} por aguantar la final en streaming sin un solo corte 🙌
                Contraté Nubia Fibra para el pueblo y va mejor que en la ciudad, flipando.
                Me bajaron la factura sin pedirlo, {B} me ha sorprendido.
            """,
            "neu": """
                ¿Alguien con {B} en {city}? ¿Qué tal la cobertura?
                Estoy pensando en cambiarme a {B}, ¿cuánto os cobran al mes?
                Leo que {B} lleva [la fibra de 1 Gb|el 5G|nuevas tarifas] a más ciudades.
                ¿El router de {B} se puede poner en modo bridge?
                Mañana viene el técnico de {B} a instalar la fibra, ya os diré.
                ¿{B} tiene permanencia o te puedes dar de baja cuando quieras?
                Me ha llegado una oferta de {B} por carta, ¿alguien la tiene?
                ¿Con Nubia Fibra se puede tener IP fija?
                ¿Sabéis si {B} deja usar tu propio router?
            """,
            "neg": """
                [Tercer|Segundo|Cuarto] día sin internet y {B} sin dar fecha. Teletrabajo desde el bar.
                {B} me ha vuelto a cobrar [la permanencia|una penalización|un servicio que no pedí]. Ladrones.
                Llevo {nn} minutos esperando en el chat de @nubia_ayuda. Nadie.
                El técnico de {B} [no se ha presentado|ha venido y se ha ido sin arreglar nada|me ha dejado plantado] y he pedido el día libre para esto.
                Nos suben la cuota {n} euros y la fibra va igual de mal, gracias {B}.
                La fibra de {B} se cae todas las noches [a las 22|a la hora de cenar|justo en el partido].
                Me dieron de baja la línea por error y {B} dice que es culpa mía.
                Me han colgado [dos veces|tres veces] en atención al cliente de {B}.
                {B} promete 600 megas y me llegan [40|25|60]. Muy bonito todo.
                Quiero darme de baja de {B} y me ponen mil trabas.
                Sin cobertura en casa desde que cambiaron la antena. {B}, ¿alguna solución?
                La app de {B} no carga la factura desde hace [días|una semana].
                Nubia Fibra caída otra vez en el barrio. Ni aviso ni nada.
            """,
        },
        "ca": {
            "pos": """
                M'he passat a {B} i la fibra va com un llamp.
                El tècnic de {B} va venir [puntual|en una hora] i em va deixar el router configurat. De 10.
                Fa [dos anys|tres anys] que soc de {B} i ni un tall.
                Portabilitat a {B} feta en 48 hores sense drames.
                Teletreball amb {B} i les videotrucades van perfectes.
                @nubia_ayuda m'ha contestat en [deu minuts|res] i m'han arreglat la factura. Així sí.
                Nubia Fibra al poble i va millor que a ciutat, al·lucino.
            """,
            "neu": """
                Algú amb {B} a {city}? Com va la cobertura?
                M'estic plantejant passar-me a {B}, quant us cobren al mes?
                Demà ve el tècnic de {B} a instal·lar la fibra, ja us diré.
                {B} té permanència o et pots donar de baixa quan vulguis?
                El router de {B} es pot posar en mode bridge?
                M'ha arribat una oferta de {B} per carta, algú la té?
            """,
            "neg": """
                [Tercer|Segon|Quart] dia sense internet i {B} sense donar data.
                {B} m'ha tornat a cobrar [la permanència|una penalització|un servei que no vaig demanar]. Lladres.
                Porto {nn} minuts esperant al xat de @nubia_ayuda. Ningú.
                El tècnic de {B} no s'ha presentat i he demanat el dia lliure per això.
                Ens apugen la quota {n} euros i la fibra va igual de malament, gràcies {B}.
                La fibra de {B} cau cada nit [a les 10|a l'hora de sopar|just durant el partit].
                Em van penjar [dues vegades|tres vegades] a atenció al client de {B}.
                Vull donar-me de baixa de {B} i em posen mil pegues.
                Nubia Fibra caiguda un altre cop al barri, ni avís ni res.
            """,
        },
        "pt": {
            "pos": """
                Mudei para a {B} e a fibra está [impecável|a voar].
                O técnico da {B} chegou [a horas|cedo] e deixou tudo configurado. Cinco estrelas.
                Há [dois|três] anos com a {B} e nem uma falha.
                Portabilidade para a {B} feita em dois dias, sem chatices.
                Teletrabalho com a {B} e as videochamadas estão ótimas.
                A {B} baixou-me a mensalidade sem eu pedir, fiquei surpreendida.
            """,
            "neu": """
                Alguém tem {B} em [Braga|Coimbra|Setúbal]? Como é a rede?
                Estou a pensar mudar para a {B}, quanto pagam por mês?
                Amanhã vem o técnico da {B} instalar a fibra, depois digo.
                A {B} tem fidelização ou posso sair quando quiser?
                Vi que a {B} vai lançar 5G em mais cidades.
            """,
            "neg": """
                [Terceiro|Segundo|Quarto] dia sem internet e a {B} sem dar previsão.
                A {B} voltou a cobrar-me [a fidelização|uma penalização|um serviço que não pedi]. Vergonha.
                Estou há {nn} minutos à espera na linha da {B}. Ninguém atende.
                O técnico da {B} não apareceu e eu tirei o dia para isto.
                Aumentaram a mensalidade {n} euros e a fibra continua péssima, obrigadinho {B}.
                A net da {B} vai abaixo todas as noites [às 22h|à hora do jantar|no meio do jogo].
                Quero rescindir com a {B} e só me põem entraves.
                Prometem 500 mega e chegam [30|50|20]. Brilhante, {B}.
            """,
        },
    },
    "lumen-air": {
        "en": {
            "pos": """
                Smoothest flight I've had in ages with {B}, landed [20 minutes early|bang on time].
                Cabin crew on the {B} [Gatwick|Manchester|Dublin] to Rome flight were lovely, shout out to them.
                {B} app check-in took literally 30 seconds.
                Got upgraded on {B} for my birthday 🥹
                Cheapest fare to Lisbon was {B} and honestly no complaints.
                {B} sorted my rebooking in minutes after the storm, fair play.
                Extra legroom on {B} is worth every penny.
                The pilot on my {B} flight narrated the Alps like a tour guide, loved it.
                Gate agent at {B} let my kid see the cockpit, made his week.
            """,
            "neu": """
                Anyone flown {B} long haul? How's the food?
                Does {B} let you take a [backpack|small suitcase] as free hand luggage?
                {B} adding new routes to [Porto|Naples|Marrakech] this summer apparently.
                Flying {B} tomorrow at 6am, pray for me.
                Is the {B} lounge at Heathrow worth it?
                Booked {B} for Easter, first time with them.
                Does {B} do seat selection for free if you check in early?
            """,
            "neg": """
                {B} flight delayed [3 hours|4 hours|again] and not a single update at the gate.
                Lost luggage with {B}, day [three|four|five] and still nothing.
                {B} charged me £{nn} for a bag that fit in the sizer. Daylight robbery.
                Cancelled my flight [the night before|two hours before|by text] and offered a voucher. Cheers {B}.
                Rude [gate agent|crew member] on the {B} flight to Milan, made a kid cry.
                Still waiting on my refund from {B} since [December|January|November].
                {B} prices have gone up [so much|40%|massively] since last year and the service is worse.
                Sat on the tarmac for [an hour|90 minutes] with no aircon. Thanks {B}.
                {B} split up our family seats and wanted £{nn} each to fix it.
            """,
        },
        "fr": {
            "pos": """
                Vol parfait avec {B}, arrivés [en avance|pile à l'heure].
                Équipage adorable sur le Paris-Rome de {B}, merci à eux.
                L'enregistrement sur l'appli {B} prend 30 secondes, top.
                {B} m'a reprogrammé le vol en deux minutes après l'annulation, chapeau.
                Le moins cher pour Lisbonne c'était {B} et rien à redire.
                Le commandant de bord {B} nous a commenté les Alpes, trop sympa.
            """,
            "neu": """
                Quelqu'un a déjà pris {B} en long-courrier ? Les repas ?
                {B} accepte un sac à dos en cabine gratuitement ?
                {B} ouvre [Bordeaux-Naples|Nantes-Porto|Lyon-Marrakech] cet été apparemment.
                Je vole avec {B} demain à 6h, courage à moi.
                Premier vol avec {B} le mois prochain, des conseils ?
            """,
            "neg": """
                Vol {B} retardé de [3h|4h|nouveau] et aucune info à la porte.
                Bagage perdu avec {B}, [troisième|quatrième] jour et toujours rien.
                {B} m'a facturé {nn} € pour un sac qui rentrait dans le gabarit. Du vol.
                Vol annulé [la veille|deux heures avant] et on me propose un avoir. Merci {B}.
                Toujours pas remboursée par {B} depuis [décembre|janvier].
                Hôtesse [désagréable|méprisante] sur le vol {B}, vraiment pas pro.
                Une heure sur le tarmac sans clim, bravo {B}.
            """,
        },
        "es": {
            "pos": """
                Vuelo con {B} perfecto, llegamos [antes de hora|puntuales].
                La tripulación de {B} en el Madrid-Roma fue un encanto.
                Check-in en la app de {B} en 30 segundos, así da gusto.
                {B} me recolocó en otro vuelo en un momento tras la cancelación, chapó.
                Lo más barato a Lisboa era {B} y ni una queja.
            """,
            "neu": """
                ¿Alguien ha volado con {B} a [Milán|Lisboa|París]? ¿Qué tal?
                ¿{B} deja subir la mochila gratis en cabina?
                Vuelo mañana con {B} a las 6, deseadme suerte.
                {B} abre ruta [Valencia-Nápoles|Bilbao-Oporto] este verano, por lo visto.
            """,
            "neg": """
                Vuelo de {B} con [tres horas|cuatro horas] de retraso y nadie informa.
                {B} me ha perdido la maleta y llevo [tres|cuatro] días sin noticias.
                {B} me ha cobrado {nn} € por una maleta que cabía en el medidor. Un robo.
                Cancelado [la noche antes|dos horas antes] y me ofrecen un bono. Gracias {B}.
                Sigo esperando el reembolso de {B} desde [diciembre|enero].
                Una hora en la pista sin aire acondicionado, bravo {B}.
            """,
        },
        "it": {
            "pos": """
                Volo perfetto con {B}, atterrati [in anticipo|puntualissimi].
                Equipaggio gentilissimo sul Roma-Londra di {B}.
                Check-in sull'app {B} in 30 secondi, finalmente.
                {B} mi ha riprotetto su un altro volo in un attimo, bravi.
                Il più economico per Lisbona era {B} e nessuna lamentela.
            """,
            "neu": """
                Qualcuno ha volato con {B} su [Parigi|Barcellona|Lisbona]? Com'è?
                Con {B} lo zaino in cabina è gratis?
                Domani volo con {B} alle 6, auguratemi buona fortuna.
                {B} apre la rotta [Napoli-Valencia|Bari-Porto] quest'estate, pare.
            """,
            "neg": """
                Volo {B} in ritardo di [tre ore|quattro ore] e nessuna comunicazione.
                {B} mi ha perso la valigia, [terzo|quarto] giorno e ancora niente.
                {B} mi ha fatto pagare {nn} € per un bagaglio che entrava nel misuratore. Una truffa.
                Volo cancellato [la sera prima|due ore prima] e mi offrono un voucher. Grazie {B}.
                Ancora in attesa del rimborso di {B} da [dicembre|gennaio].
                Un'ora sulla pista senza aria condizionata, complimenti {B}.
            """,
        },
    },
    "caffe-orso": {
        "it": {
            "pos": """
                Il primo caffè della giornata è sempre {B}, [niente da fare|non si discute].
                Le capsule {B} [intenso|classico|decaffeinato] sono le migliori che abbia provato.
                Nel bar sotto l'ufficio hanno messo {B} e ora il cappuccino è un'altra cosa.
                Regalato il kit {B} a mio padre, entusiasta.
                Aroma pazzesco appena apri il pacco di {B} in grani.
                Colazione al bar con cornetto e {B}, la giornata parte bene.
                La moka con {B} macinato fine mi ricorda casa della nonna.
            """,
            "neu": """
                Qualcuno sa se le capsule {B} sono compatibili con la mia macchinetta?
                Ho visto che {B} apre un punto vendita a [Torino|Bologna|Verona].
                {B} macinato o in grani per la moka?
                Oggi provo la miscela nuova di {B}, vi dico.
                Al supermercato c'è {B} in offerta, conviene?
            """,
            "neg": """
                {B} ha alzato il prezzo delle capsule [di nuovo|per la seconda volta quest'anno]. Basta.
                L'ultimo pacco di {B} sapeva di bruciato.
                Ordine {B} arrivato [con una settimana di ritardo|con metà capsule schiacciate].
                Le capsule {B} nuove si inceppano nella macchina, prima non succedeva.
                Servizio clienti {B} che non risponde da [giorni|una settimana].
            """,
        },
        "en": {
            "pos": """
                {B} espresso beans are [unreal|so good|the only ones I buy now].
                The little café near work switched to {B} and the flat whites are so much better.
                Got the {B} starter kit for Christmas and I'm hooked.
                Orso Coffee decaf that actually tastes like coffee? Yes please.
            """,
            "neu": """
                Are {B} pods compatible with [my machine|Nespresso-type machines]?
                Trying the new {B} blend this morning.
                Does anyone sell {B} in [Leeds|Bristol|Dublin]?
                Orso Coffee beans or ground for a french press?
            """,
            "neg": """
                {B} pods went up again. Not paying that.
                Last bag of {B} tasted burnt, shame.
                {B} order arrived [a week late|with half the pods crushed].
            """,
        },
        "fr": {
            "pos": """
                Le café {B} en grains, [une tuerie|un vrai délice|rien à voir avec le supermarché].
                Mon petit café du matin, toujours {B}.
                Le bar en bas a pris {B}, les cappuccinos sont trop bons maintenant.
            """,
            "neu": """
                Les capsules {B} sont compatibles avec quelle machine ?
                Je teste le nouvel assemblage de {B} demain.
                On trouve {B} à [Lyon|Marseille|Lille] ?
            """,
            "neg": """
                {B} a encore augmenté ses capsules. Non.
                Le dernier paquet de {B} avait un goût de brûlé.
                Commande {B} arrivée [avec une semaine de retard|avec la moitié des capsules écrasées].
            """,
        },
    },
    "mare-cosmetics": {
        "pt": {
            "pos": """
                br> O sérum de vitamina C da {B} [mudou minha pele|é maravilhoso|vale cada centavo].
                pt> O sérum de vitamina C da {B} [mudou-me a pele|é maravilhoso|vale cada cêntimo].
                Protetor da {B} que não deixa a pele oleosa, finalmente!
                Skincare da noite: [hidratante|sérum|máscara] da {B} e cama.
                br> O hidratante da {B} salvou minha pele nesse calor.
                br> Comprei o kit da {B} pra minha mãe e ela amou.
                Embalagem linda, cheirinho bom e resultado de verdade. {B} arrasou.
                br> A entrega da {B} chegou em [dois dias|um dia] e com amostrinha de brinde 🥰
                pt> O creme de noite da {B} é espetacular, a sério.
                br> Tô usando o tônico da {B} faz um mês e minha pele nunca esteve tão bem.
                br> Gente, o óleo de limpeza da {B} tira até rímel à prova d'água.
            """,
            "neu": """
                br> Alguém já usou o [ácido hialurônico|protetor com cor|óleo de limpeza] da {B}? Vale a pena?
                pt> Alguém já experimentou o [ácido hialurónico|protetor com cor|óleo de limpeza] da {B}?
                A {B} é cruelty free?
                br> Vi que a {B} tem loja física em [São Paulo|Curitiba|Recife] agora.
                br> {B} ou a marca da farmácia, qual vocês preferem?
                br> Tô pensando em testar a linha nova da {B}, alguém?
                pt> A {B} já vende em Portugal ou só online?
            """,
            "neg": """
                O sérum da {B} me deu [alergia|espinhas|vermelhidão] no rosto todo.
                br> Pedido da {B} [atrasado há duas semanas|chegou com o frasco vazado|veio faltando produto] e ninguém responde.
                pt> Encomenda da {B} [atrasada há duas semanas|chegou com o frasco a verter] e ninguém responde.
                {B} aumentou o preço do protetor [de novo|em 30%]. Não dá.
                br> Diminuíram o tamanho do frasco e mantiveram o preço, né {B}?
                br> O atendimento da {B} pelo WhatsApp é [lento|péssimo|inexistente].
                A tampa do hidratante da {B} partiu no segundo uso.
            """,
        },
        "fr": {
            "pos": """
                Le sérum vitamine C de {B} a [transformé ma peau|tout changé|fait des miracles].
                Enfin une crème solaire qui ne colle pas, merci {B}.
                Routine du soir : [sérum|crème de nuit|masque] {B} et au lit.
                Colis {B} reçu en deux jours avec des échantillons, trop mignon.
                L'huile démaquillante {B} enlève même le mascara waterproof.
            """,
            "neu": """
                Quelqu'un a testé [l'acide hyaluronique|l'huile démaquillante] de {B} ?
                {B} c'est cruelty free ?
                {B} arrive en pharmacie en France apparemment.
            """,
            "neg": """
                Le sérum {B} m'a donné des [boutons|rougeurs] partout.
                Commande {B} [en retard de deux semaines|arrivée avec le flacon qui fuit] et aucune réponse.
                {B} a encore augmenté ses prix. Bof.
                Flacon plus petit, même prix. Bien joué {B}.
            """,
        },
        "es": {
            "pos": """
                El sérum de vitamina C de {B} me ha [cambiado la piel|dejado la cara genial].
                Por fin un protector solar que no deja la cara grasa, gracias {B}.
                Rutina de noche: [sérum|crema|mascarilla] de {B} y a dormir.
                El pedido de {B} llegó en dos días con muestras de regalo 🥰
            """,
            "neu": """
                ¿Alguien ha probado el [ácido hialurónico|aceite limpiador] de {B}?
                ¿{B} es cruelty free?
                He visto que {B} ya vende en España.
            """,
            "neg": """
                El sérum de {B} me ha dado [alergia|granitos|rojeces] por toda la cara.
                Pedido de {B} [con dos semanas de retraso|con el bote abierto] y nadie contesta.
                {B} ha subido otra vez los precios.
                Bote más pequeño, mismo precio. Muy bien, {B}.
            """,
        },
    },
}

NEWS: dict[str, dict[str, str]] = {
    "verdalia": {
        "es": """
            neu> {B} invierte {nn} millones en ampliar su planta de yogures en Lleida
            neu> {B} lanza una gama de yogures vegetales de avena y coco
            pos> {B}, elegida marca láctea del año por los consumidores
            neu> El precio del yogur sube un {n}% en un año: así lo explican {B} y otras marcas
            neg> Los lácteos encarecen la cesta de la compra: {B} sube sus precios por segunda vez
        """,
        "ca": """
            neu> {B} invertirà {nn} milions a ampliar la planta de iogurts de Lleida
            neu> {B} llança una gamma de iogurts vegetals de civada i coco
            pos> {B}, escollida marca làctia de l'any pels consumidors
            neu> El preu del iogurt puja un {n}% en un any: ho expliquen {B} i altres marques
        """,
        "en": """
            neu> Spanish dairy maker {B} eyes UK expansion with plant-based range
            neu> {B} posts {n}% sales growth on greek yoghurt demand
        """,
    },
    "nubia-telecom": {
        "es": """
            neu> {B} amplía su red de fibra a {nn} municipios más
            neu> {B} subirá sus tarifas un {n}% a partir de abril
            neg> Una avería de {B} deja sin internet a miles de clientes en {city} durante dos horas
            neu> {B} estrena 5G en otras {nn} ciudades
            pos> {B} lidera el ranking de velocidad de fibra del trimestre
        """,
        "ca": """
            neu> {B} amplia la xarxa de fibra a {nn} municipis més
            neu> {B} apujarà les tarifes un {n}% a partir d'abril
            neg> Una avaria de {B} deixa sense internet milers de clients a {city}
        """,
        "pt": """
            neu> {B} chega a mais {nn} concelhos com fibra
            neu> {B} aumenta preços em {n}% a partir de abril
            pos> {B} lidera ranking de velocidade de fibra do trimestre
        """,
    },
    "lumen-air": {
        "en": """
            neu> {B} adds {nn} new European routes for summer
            neg> {B} cancels dozens of flights as air traffic control strike hits France
            neu> {B} reports record passenger numbers in February
            pos> {B} ranked most punctual European airline for the month
        """,
        "fr": """
            neu> {B} ouvre {nn} nouvelles lignes au départ de Lyon et Nantes
            neg> Grève des contrôleurs : {B} annule une trentaine de vols
            neu> {B} annonce des résultats record pour février
        """,
        "es": """
            neu> {B} abrirá {nn} nuevas rutas desde España este verano
            neg> {B} cancela decenas de vuelos por la huelga de controladores en Francia
        """,
        "it": """
            neu> {B} apre {nn} nuove rotte dall'Italia per l'estate
            neg> Sciopero dei controllori in Francia: {B} cancella decine di voli
        """,
    },
    "caffe-orso": {
        "it": """
            neu> {B} apre la nuova torrefazione a Verona
            pos> {B} premiata tra le migliori miscele per espresso dell'anno
            neu> Il prezzo del caffè verde sale: {B} rivede i listini
        """,
        "en": """
            neu> Italian roaster {B} enters UK supermarkets
        """,
        "fr": """
            neu> Le torréfacteur italien {B} arrive dans les supermarchés français
        """,
    },
    "mare-cosmetics": {
        "pt": """
            neu> {B} prepara lançamento de nova linha de skincare vegana
            pos> {B} cresce {nn}% e vira fenômeno entre jovens consumidoras
            neu> {B} abre primeira loja física em São Paulo
        """,
        "fr": """
            neu> La marque brésilienne {B} arrive dans les pharmacies françaises
        """,
        "es": """
            neu> La marca brasileña {B} desembarca en España con su línea de sérums
        """,
    },
}

CRISIS: dict[str, dict[str, str]] = {
    "es": {
        "early": """
            ¿A alguien más le ha sentado mal el yogur natural de {B}? Mi hija lleva toda la mañana vomitando.
            Ojo con los yogures de {B} del lote [L-0226B|0226B]: el mío [olía fatal|estaba agrio|tenía la tapa hinchada].
            He abierto un yogur de {B} y [sabía a podrido|tenía moho|estaba cortado]. Fecha de caducidad de [marzo|la semana que viene]. ¿Qué está pasando?
            [Tres|Cuatro|Dos] en casa con dolor de barriga después del yogur de {B}. Nos vamos a urgencias.
            En el grupo de madres del cole [cinco|cuatro|seis] familias con vómitos. Todos comieron yogur {B} ayer.
            Yogur {B} caducado en [el súper|la nevera del cole|el comedor de la empresa] y encima nos lo comimos. Intoxicación de manual.
            {B} explicad qué pasa con el yogur natural, hay gente en urgencias.
            Mi pareja con gastroenteritis y el único sospechoso es el yogur de {B}.
            ¿Intoxicación por yogur {B}? En {city} ya hay varios casos según el centro de salud.
            Acabo de tirar todos los yogures {B} de la nevera. No me fío.
            El yogur {B} de hoy estaba caducado aunque la fecha decía otra cosa. Qué asco.
            ¿Soy la única a la que el yogur de {B} le ha dado [náuseas|fiebre|diarrea] esta mañana?
            Urgencias de {city} llenas de gente con vómitos. Todos dicen lo mismo: yogur {B}.
        """,
        "main": """
            Sanidad pide retirar el lote de yogur natural de {B}. Si lo tenéis en casa, no lo comáis.
            {B} tiene que retirar del mercado ese lote YA. Hay niños intoxicados.
            Retirada del yogur {B}: ¿dónde se devuelve? En mi súper no saben nada.
            Exijo la devolución del dinero y una explicación, {B}. Lo de hoy no tiene nombre.
            Yogures caducados, gente intoxicada y {B} callada. Vergüenza.
            Intoxicación alimentaria por yogures {B}: [más de veinte afectados|decenas de afectados] en [Cataluña|Aragón|Lleida].
            ¿Cómo es posible que un lote caducado llegue a las tiendas, {B}?
            {B} sigue sin comunicado oficial {n} horas después. Nadie da la cara.
            Quiero la devolución de los {n} packs de {B} que compré. Y que paguen las urgencias.
            No vuelvo a comprar nada de {B} en mi vida. Mi hijo de {n} años ingresado.
            ¿Pero cómo permitís que se venda yogur caducado, {B}? Intoxicación en toda la familia.
            Que {B} retire todos los lotes, no solo uno. No me creo nada.
            El teléfono de atención de {B} comunica todo el rato. Ni devolución ni explicación.
            Intoxicación masiva y {B} tuiteando recetas como si nada. Increíble.
            Retirada del mercado ya de todos los yogures {B}, esto es un peligro.
        """,
        "late": """
            He ido a pedir la devolución del yogur {B} y me han hecho [un vale|mil preguntas]. Ridículo.
            Después del susto con {B} no pienso volver a comprar sus yogures.
            {B} anuncia la retirada del lote, pero llega tarde: hay intoxicados desde ayer.
            Con la retirada en marcha, en mi súper seguían vendiendo yogur {B} del lote malo.
            Lo de {B} con los yogures caducados es [de juzgado|para una denuncia|gravísimo].
            Reclamación presentada a consumo por la intoxicación con yogur {B}.
            Tarde y mal, {B}. La devolución no arregla una noche en urgencias.
            Mi hija ya está mejor, pero {B} nos debe una explicación por la intoxicación.
        """,
        "neu": """
            ¿Alguien sabe qué lote exactamente es el afectado del yogur {B}?
            ¿Los yogures griegos de {B} también están afectados o solo el natural?
            ¿Dónde consulto si mi yogur {B} es del lote retirado?
            ¿La devolución del yogur {B} se hace en cualquier súper o donde lo compraste?
            Para quien pregunte: el lote retirado de {B} es el L-0226B, viene en la tapa.
        """,
        "extra": """
            Compartid para que se entere la gente.
            Menudo susto llevamos.
            Esto no puede quedar así.
            Ya he llamado a consumo.
            Mis hijos también lo comieron.
            Estamos todos fatal.
            Revisad vuestras neveras.
            Vaya tela.
            Nadie coge el teléfono.
            Qué vergüenza de empresa.
            Y el súper sin saber nada.
            Que alguien haga algo ya.
        """,
        "news": """
            Última hora: Sanidad alerta de un lote de yogur {B} en mal estado tras [varios casos|decenas de casos] de intoxicación
            {B} retira un lote de yogur natural por posible contaminación
            Al menos {nn} personas atendidas en urgencias por intoxicación tras consumir yogur {B}
            Consumo pide no consumir el lote L-0226B de yogur {B} y devolverlo en el punto de venta
            Alerta alimentaria: ordenan la retirada de yogures {B} caducados en [Aragón|Cataluña]
        """,
    },
    "ca": {
        "early": """
            A algú més li ha sentat malament el iogurt natural de {B}? La meva filla porta tot el matí vomitant.
            Compte amb els iogurts {B} del lot [L-0226B|0226B]: el meu [feia una olor horrible|era agre|tenia la tapa inflada].
            He obert un iogurt de {B} i [tenia gust de podrit|tenia floridura|estava tallat]. Què està passant?
            [Tres|Quatre|Dos] a casa amb mal de panxa després del iogurt {B}. Cap a urgències.
            Al grup de famílies de l'escola [cinc|quatre|sis] famílies amb vòmits. Tots vam menjar iogurt {B} ahir.
            Iogurt {B} caducat a [la nevera de l'escola|el súper] i ens el vam menjar. Intoxicació de manual.
            {B} expliqueu què passa amb el iogurt natural, hi ha gent a urgències.
            Intoxicació per iogurt {B}? A {city} ja hi ha diversos casos segons el CAP.
            Acabo de llençar tots els iogurts {B} de la nevera. No me'n refio.
            El iogurt {B} d'avui estava caducat encara que la data deia una altra cosa. Quin fàstic.
            Soc l'única a qui el iogurt de {B} ha donat [nàusees|febre|diarrea] aquest matí?
            Urgències de {city} plenes de gent amb vòmits. Tothom diu el mateix: iogurt {B}.
        """,
        "main": """
            Salut demana retirar el lot de iogurt natural de {B}. Si el teniu a casa, no el mengeu.
            {B} ha de retirar del mercat aquest lot JA. Hi ha nens intoxicats.
            Retirada del iogurt {B}: on es retorna? Al meu súper no en saben res.
            Exigeixo la devolució dels diners i una explicació, {B}.
            Iogurts caducats, gent intoxicada i {B} callada. Vergonya.
            Intoxicació alimentària per iogurts {B}: [més de vint afectats|desenes d'afectats] a [Lleida|Girona|el Vallès].
            {B} encara sense comunicat oficial {n} hores després. Ningú dona la cara.
            Vull la devolució dels {n} packs de {B} que vaig comprar. I que paguin les urgències.
            No tornaré a comprar res de {B}. El meu fill de {n} anys ingressat.
            Com pot ser que es vengui iogurt caducat, {B}? Intoxicació a tota la família.
            Que {B} retiri tots els lots, no només un.
            El telèfon d'atenció de {B} comunica tota l'estona. Ni devolució ni explicacions.
            Cal retirar del mercat els iogurts {B} ara mateix, no demà.
            Intoxicació massiva i {B} penjant receptes com si res. Increïble.
        """,
        "late": """
            He anat a demanar la devolució del iogurt {B} i m'han fet mil preguntes. Ridícul.
            Després de l'ensurt amb {B} no penso tornar a comprar els seus iogurts.
            {B} anuncia la retirada del lot, però arriba tard: hi ha intoxicats des d'ahir.
            Amb la retirada en marxa, al meu súper encara venien iogurt {B} del lot dolent.
            Reclamació presentada a Consum per la intoxicació amb iogurt {B}.
            Tard i malament, {B}. La devolució no arregla una nit a urgències.
        """,
        "neu": """
            Algú sap quin lot exactament és l'afectat del iogurt {B}?
            Els iogurts grecs de {B} també estan afectats o només el natural?
            On puc comprovar si el meu iogurt {B} és del lot retirat?
            Per a qui ho pregunti: el lot retirat de {B} és el L-0226B, surt a la tapa.
        """,
        "extra": """
            Compartiu perquè ho sàpiga tothom.
            Quin ensurt.
            Això no pot quedar així.
            Ja he trucat a Consum.
            Els meus fills també en van menjar.
            Estem tots fatal.
            Reviseu les neveres.
            Ningú agafa el telèfon.
            Quina vergonya d'empresa.
            Que algú faci alguna cosa ja.
            Es que de verdad, qué asco.
        """,
        "news": """
            Última hora: Salut alerta d'un lot de iogurt {B} en mal estat després de [diversos casos|desenes de casos] d'intoxicació
            {B} retira un lot de iogurt natural per possible contaminació
            Almenys {nn} persones ateses a urgències per intoxicació després de menjar iogurt {B}
            Salut demana retirar del mercat el lot L-0226B de iogurt {B}
        """,
    },
    "en": {
        "early": """
            Anyone else sick after {B} yoghurt? Half my family's been throwing up since breakfast.
            Living in Barcelona, just binned all our {B} yoghurts, apparently a bad batch is making people ill.
            Food poisoning from an expired {B} yoghurt on holiday. Brilliant.
            Opened a {B} yoghurt this morning and it smelled off, the lid was all swollen.
        """,
        "main": """
            {B} needs to recall that yoghurt batch NOW, kids are in hospital.
            Still no statement from {B} hours after people got sick. Shocking.
            Want a full refund and an explanation, {B}. Unacceptable.
            {B} recall: where do we return them? Shop had no idea.
            Expired yoghurt on the shelves and people poisoned. {B} should be ashamed.
        """,
        "late": """
            {B} finally announces a recall, way too late for the people in A&E.
            Got my refund for the {B} yoghurts but honestly never buying them again.
        """,
        "neu": """
            Which {B} batch is affected exactly? Anyone know?
            Is it only the plain {B} yoghurt or the greek one too?
        """,
        "extra": """
            Please share.
            Check your fridges.
            Absolutely furious.
            Nobody picks up the phone.
            This can't be legal.
        """,
        "news": """
            Spain: {B} recalls yoghurt batch after dozens fall ill with suspected food poisoning
            Breaking: health authorities in Catalonia warn against {B} yoghurt batch L-0226B
        """,
    },
}

STATEMENTS = """
    Comunicado: hemos activado la retirada preventiva del lote L-0226B de yogur natural {B}. Si lo tienes, no lo consumas; te devolvemos el importe en cualquier punto de venta. Lo sentimos mucho y estamos con las familias afectadas.
    Comunicat: hem activat la retirada preventiva del lot L-0226B de iogurt natural {B}. Si el tens, no el consumeixis; et retornem l'import a qualsevol punt de venda. Ho sentim molt.
"""

LAUNCH = {
    "pt": """
        pos> Lançamento da {B} hoje!! O Sérum Onda já tá no carrinho 🛒
        pos> A {B} lançou a linha Onda e eu já quero tudo.
        neu> Live de lançamento da {B} às [15h|16h], quem vai?
        pos> Acabei de receber o Sérum Onda da {B}, primeiras impressões: textura levinha e cheiro ótimo.
        pos> A nova linha Onda da {B} é vegana e com refil, amei a ideia.
        neu> Tem cupom pro lançamento da {B}? Quero testar o Sérum Onda.
        pos> {B} arrasou na embalagem da linha nova 😍
        neu> Influencer nenhuma me convence, mas o Sérum Onda da {B} tá me tentando kkkk
        neu> O Sérum Onda da {B} chega quando em Portugal?
        pos> Primeiro dia com o Sérum Onda da {B} e a pele já tá com outro brilho ✨
        neu> Alguém sabe o preço do kit Onda da {B}?
        pos> Unboxing do kit Onda da {B} no stories, tá lindo demais
        neg> Esgotou o Sérum Onda da {B} em minutos, queria muito 😩
    """,
    "fr": """
        pos> {B} lance sa gamme Onda aujourd'hui, le sérum a l'air incroyable.
        pos> Lancement de la gamme Onda de {B}, j'ai craqué direct.
        neu> Quelqu'un a déjà reçu le sérum Onda de {B} ?
        neu> La gamme Onda de {B} sera en pharmacie ou seulement en ligne ?
        pos> Reçu le coffret Onda de {B}, l'odeur est incroyable et la texture super légère.
        neu> {B} présente aujourd'hui sa gamme Onda : sérum, crème et brume, vegan et rechargeable.
        pos> Le live de lancement de {B} était trop chouette, j'ai hâte de tester.
        neg> Déjà en rupture le sérum Onda de {B}, sérieux ?
    """,
    "es": """
        pos> {B} lanza hoy la línea Onda y ya la tengo en el carrito.
        neu> ¿Alguien ha pillado ya el sérum Onda de {B}?
        pos> Qué bonito el packaging de la línea Onda de {B} 😍
        neu> ¿La línea Onda de {B} llega a España o solo Brasil?
        pos> Me acaba de llegar el kit Onda de {B} y huele a verano, me encanta.
        neu> {B} presenta hoy la línea Onda: sérum, crema y bruma, todo vegano y con recarga.
        neu> ¿Alguien sabe cuánto cuesta el sérum Onda de {B} en euros?
        pos> El directo de {B} presentando la línea Onda ha sido precioso, qué ganas de probarla.
        neg> Ya agotado el sérum Onda de {B}, qué rabia.
    """,
}

MULTI = """
    es neg> Sin fibra de Nubia Telecom desde ayer y encima Lumen Air me cambia el vuelo por email. Día redondo.
    es pos> Desayuno en el aeropuerto: Caffè Orso y un yogur Verdalia antes de volar con Lumen Air ☕✈️
    es neu> Pack de viaje: protector de Maré Cosmetics y billete de Lumen Air. Falta decidir el hotel.
    es neg> El wifi de Nubiatel en el hotel no iba y el Caffè Orso del desayuno estaba frío.
    es neu> ¿Verdalia o la marca blanca? Y de café, ¿Caffè Orso merece la pena?
    ca pos> Esmorzar perfecte: iogurt Verdalia i un cafè Caffè Orso ☕
    ca neg> Sense fibra de Nubia Telecom i amb el vol de Lumen Air endarrerit. Quin dia.
    en pos> Lumen Air now serving Caffe Orso on board, finally decent coffee at 30,000 ft ✈️☕
    en neu> Anyone know if Maré Cosmetics minis count as liquids on Lumen Air?
    en neg> Lumen Air lost my bag with all my Maré Cosmetics stuff inside. Fuming.
    it pos> Sul volo Lumen Air servono Caffè Orso, finalmente un caffè decente in volo!
    it neg> Volo Lumen Air in ritardo e al bar del gate nemmeno il Caffè Orso. Giornata no.
    pt pos> Viagem com a Lumen Air e a necessaire cheia de Maré Cosmetics 💅✈️
    pt neg> A internet da Nubia Telecom caiu bem na live da Maré Cosmetics. Que ódio.
    pt neu> Alguém sabe se posso levar o protetor da Maré Cosmetics na mala de mão da Lumen Air?
    fr pos> Café Caffè Orso à bord de Lumen Air, enfin un vrai espresso en vol.
    fr neu> Les minis de Maré Cosmetics passent en cabine chez Lumen Air ?
    fr neg> Lumen Air a perdu ma valise avec toute ma trousse Maré Cosmetics dedans. Génial.
"""

EXCLUDED = """
    es pos> Esta tarde picnic en Verdalia Park con los peques ☀️
    es neu> Concierto gratis el sábado en Verdalia Park, ¿quién se apunta?
    es neg> Han vuelto a cerrar el parking de Verdalia Park, qué desastre de ayuntamiento.
    es neu> Corriendo por Verdalia Park a las 7 de la mañana, qué frío 🥶
    es neg> El lago de Verdalia Park huele fatal otra vez. ¿Nadie lo limpia?
    ca pos> Dissabte fira d'artesania a Verdalia Park, us hi espero!
    ca neg> Quina pena el llac de Verdalia Park, ple de brossa.
    ca neu> Algú sap fins a quina hora obre Verdalia Park els diumenges?
    en pos> Sunset at Verdalia Park never disappoints 🌅
    en neu> Verdalia Park parkrun this Saturday, who's in?
"""


if __name__ == "__main__":
    sys.exit(main())
