"""Which of a bucket's terms stand out against what the brand usually hears.

A brand's complaints always share words: an airline's negative mentions say
"vuelo" and "retraso" every day, a bank's "app" and "cuenta". Ranked by count,
those words head every alert and say nothing about *this* surge. Ranked by
keyness against the brand's own past negative mentions, the words that are
new or far more frequent come first ("intoxicacion", "lote"), and the
ordinary ones only fill the list when nothing stands out.

Keyness is Dunning's log-likelihood G2 (the corpus linguists' standard for
"key words" of one text against a reference): unlike a ratio it copes with
words the background never saw and with buckets of five mentions, and it
grows with both how much more frequent a word is and how often it occurs, so
a word said once is not ranked above one said two hundred times. With no
background yet (a new brand), every G2 is zero and the count decides.

The background is a decayed count of the terms of the brand's judged
buckets, learnt only from buckets that were not anomalous, as the detector's
baseline: a crisis's own words must not become the brand's normal while it
lasts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

BACKGROUND_TERMS = 1000
"""Terms a brand's background keeps (the most frequent; the rest are dropped)."""
HALFLIFE_MS = 7 * 86_400_000
"""Half-life of the background's counts: a week of complaints is the brand's usual."""
_SLACK = 1.25
"""The background is pruned back to `BACKGROUND_TERMS` only once it holds this
many times as many, so that a bucket with a new word does not sort it all."""
_RENORM_HALFLIVES = 10.0
"""How far the reference time may fall behind before the counts are rescaled."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TermBackground:
    """Decayed counts of the terms in one brand's ordinary negative mentions.

    The counts are kept as of `ref_ms` (a count added later is scaled up by
    the decay since then), so a bucket costs one update per term it has,
    not one per term the brand ever used; `scale` gives their worth at a time.
    """

    counts: Mapping[str, float] = field(default_factory=dict)
    mass: float = 0.0
    """The counts' sum (kept, not recomputed)."""
    ref_ms: int = 0
    """The time the stored counts are worth their face value."""

    def scale(self, at_ms: int) -> float:
        """What a stored count is worth at `at_ms`."""
        return _decay(at_ms - self.ref_ms)


def _decay(elapsed_ms: int) -> float:
    return float(0.5 ** (elapsed_ms / HALFLIFE_MS))


def learn(
    background: TermBackground,
    terms: Mapping[str, int],
    at_ms: int,
    limit: int = BACKGROUND_TERMS,
) -> TermBackground:
    """The background after one more ordinary bucket (ending at `at_ms`) with these terms.

    >>> bg = learn(TermBackground(), {"vuelo": 2}, 0)
    >>> bg = learn(bg, {"vuelo": 1, "maleta": 1}, HALFLIFE_MS)
    >>> {t: c * bg.scale(HALFLIFE_MS) for t, c in bg.counts.items()}
    {'vuelo': 2.0, 'maleta': 1.0}
    """
    if not terms:
        return background
    counts, mass, ref = dict(background.counts), background.mass, background.ref_ms
    if not counts:
        ref = at_ms
    elif at_ms - ref > _RENORM_HALFLIVES * HALFLIFE_MS:
        k = background.scale(at_ms)
        counts = {t: c * k for t, c in counts.items()}
        mass, ref = math.fsum(counts.values()), at_ms
    weight = 1.0 / _decay(at_ms - ref)
    for term, count in terms.items():
        counts[term] = counts.get(term, 0.0) + count * weight
        mass += count * weight
    if len(counts) > _SLACK * limit:
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        counts = dict(ranked[:limit])
        mass = math.fsum(counts.values())
    return TermBackground(counts=counts, mass=mass, ref_ms=ref)


def keyness(count: float, bucket_total: float, usual: float, usual_total: float) -> float:
    """Signed log-likelihood G2 of a term: positive when the bucket uses it more.

    >>> keyness(5, 10, 0, 1000) > keyness(5, 10, 50, 1000) > 0
    True
    >>> keyness(1, 10, 500, 1000) < 0
    True
    >>> keyness(3, 10, 0, 0)
    0.0
    """
    both = count + usual
    grand = bucket_total + usual_total
    if count <= 0.0 or grand <= 0.0 or usual_total <= 0.0:
        return 0.0
    expected_here = bucket_total * both / grand
    expected_usual = usual_total * both / grand
    g2 = count * math.log(count / expected_here)
    if usual > 0.0:
        g2 += usual * math.log(usual / expected_usual)
    g2 *= 2.0
    over = count / bucket_total > usual / usual_total
    return g2 if over else -g2


def distinctive(
    terms: Mapping[str, int], background: TermBackground, limit: int, at_ms: int
) -> tuple[tuple[str, int], ...]:
    """The bucket's terms (ending at `at_ms`), the most distinctive for the brand
    first, with their counts.

    Ties (all of them when the background is empty) go to the more frequent
    term, then to the alphabet, so the same bucket always gives the same list.

    >>> usual = TermBackground(counts={"vuelo": 40.0, "retraso": 30.0, "app": 30.0}, mass=100.0)
    >>> distinctive({"vuelo": 6, "intoxicacion": 4, "retraso": 3}, usual, 2, 0)
    (('intoxicacion', 4), ('vuelo', 6))
    >>> distinctive({"vuelo": 6, "intoxicacion": 4}, TermBackground(), 2, 0)
    (('vuelo', 6), ('intoxicacion', 4))
    """
    here = float(sum(terms.values()))
    k = background.scale(at_ms) if background.counts else 0.0
    usual_total = background.mass * k
    ranked = sorted(
        terms.items(),
        key=lambda kv: (
            -keyness(kv[1], here, background.counts.get(kv[0], 0.0) * k, usual_total),
            -kv[1],
            kv[0],
        ),
    )
    return tuple(ranked[:limit])
