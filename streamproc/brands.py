"""The brand catalog: which configured brands a mention is about.

Matching is on accent- and case-folded whole words, so "Maré" matches
"mare" and "#verdalia" matches "verdalia", but "verdaliana" does not. An
exclusion phrase vetoes the keyword matches it covers (another meaning of the
name); a handle always matches. One mention may match several brands.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from streamproc.parse import slugify

_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_HANDLE_RE = re.compile(r"(?<![\w.])@(\w+)")


def fold(text: str) -> str:
    """Case- and accent-folded text, the form every keyword is matched on.

    >>> fold("Caffè ORSO")
    'caffe orso'
    """
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", folded))


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({fold(p).strip() for p in phrases if p.strip()}, key=len)
    if not cleaned:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in reversed(cleaned))
    return re.compile(rf"(?<![\w@])(?:{alternatives})(?!\w)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Brand:
    """One watched brand, as configured in the brands file."""

    slug: str
    name: str
    keywords: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    slack_channel: str | None = None
    detector_overrides: Mapping[str, object] = field(default_factory=dict)
    history: str | None = None
    """A counts file of the brand's past buckets (as written in the brands
    file: relative to it), learnt from before its first live bucket."""


class BrandCatalog:
    """Brands by slug, with their compiled matchers. Immutable after creation."""

    def __init__(self, brands: tuple[Brand, ...]) -> None:
        self.brands: tuple[Brand, ...] = brands
        self._by_slug = {b.slug: b for b in brands}
        self._matchers: list[
            tuple[str, re.Pattern[str] | None, re.Pattern[str] | None, frozenset[str]]
        ] = []
        for brand in brands:
            handles = frozenset(fold(h).lstrip("@") for h in brand.handles if h)
            self._matchers.append(
                (
                    brand.slug,
                    _phrase_pattern((*brand.keywords, brand.name)),
                    _phrase_pattern(brand.exclude),
                    handles,
                )
            )

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every configured brand slug, in configuration order."""
        return tuple(b.slug for b in self.brands)

    def get(self, slug: str) -> Brand | None:
        """The brand with this slug, or None."""
        return self._by_slug.get(slug)

    def match(self, text: str) -> tuple[str, ...]:
        """Slugs of the brands the text is about, in configuration order.

        >>> cat = BrandCatalog((Brand(slug="orso", name="Orso", handles=("@orso",)),))
        >>> cat.match("Un caffè da ORSO!"), cat.match("@orso ciao"), cat.match("orsola")
        (('orso',), ('orso',), ())
        """
        folded = fold(text)
        handles_in_text = set(_HANDLE_RE.findall(folded)) if "@" in folded else set()
        found: list[str] = []
        for slug, keywords, exclude, handles in self._matchers:
            if handles & handles_in_text:
                found.append(slug)
                continue
            if keywords is None:
                continue
            scan = exclude.sub(" ", folded) if exclude is not None else folded
            if keywords.search(scan):
                found.append(slug)
        return tuple(found)

    def resolve(self, given: tuple[str, ...], text: str) -> tuple[str, ...]:
        """Brands of a mention: the upstream `brand` if it is configured, else matched.

        An upstream brand outside the catalog is ignored (labels stay bounded)
        and the text is matched instead.
        """
        known = tuple(s for s in given if s in self._by_slug)
        return known or self.match(text)


def brand_from_table(table: Mapping[str, object], where: str) -> Brand:
    """Build a Brand from one `[[brand]]` TOML table; ValueError names the problem."""
    allowed = {
        "name",
        "keywords",
        "handles",
        "exclude",
        "languages",
        "slack_channel",
        "detector",
        "history",
    }
    unknown = sorted(set(table) - allowed)
    if unknown:
        msg = f"{where}: unknown key {unknown[0]!r}"
        raise ValueError(msg)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        msg = f"{where}: 'name' must be a non-empty string"
        raise ValueError(msg)

    def str_list(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            msg = f"{where} ({name}): {key!r} must be a list of strings"
            raise ValueError(msg)
        return tuple(value)

    channel = table.get("slack_channel")
    if channel is not None and not isinstance(channel, str):
        msg = f"{where} ({name}): 'slack_channel' must be a string"
        raise ValueError(msg)
    history = table.get("history")
    if history is not None and (not isinstance(history, str) or not history.strip()):
        msg = f"{where} ({name}): 'history' must be the path of a counts file"
        raise ValueError(msg)
    overrides = table.get("detector", {})
    if not isinstance(overrides, dict):
        msg = f"{where} ({name}): 'detector' must be a table"
        raise ValueError(msg)
    slug = slugify(name)
    if not slug:
        msg = f"{where}: name {name!r} has no letters or digits"
        raise ValueError(msg)
    return Brand(
        slug=slug,
        name=name,
        keywords=str_list("keywords"),
        handles=str_list("handles"),
        exclude=str_list("exclude"),
        languages=str_list("languages"),
        slack_channel=channel,
        detector_overrides=overrides,
        history=history,
    )
