"""The line format of ``streamproc sentiment``: text in, label and score out.

Input lines are ``lang<TAB>text`` or a bare ``text`` (language detected);
output lines are ``label<TAB>score<TAB>lang`` with the score to 3 decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from streamproc.lang import detect_language
from streamproc.sentiment import Scorer, default_scorer

_LANG_CODE = re.compile(r"[a-z]{2,3}")


def split_line(line: str) -> tuple[str | None, str]:
    """``("es", "text")`` for ``es<TAB>text``; ``(None, line)`` otherwise."""
    line = line.rstrip("\r\n")
    head, sep, rest = line.partition("\t")
    code = head.strip().lower()
    if sep and _LANG_CODE.fullmatch(code):
        return code, rest
    return None, line


def run(lines: Iterable[str], scorer: Scorer | None = None) -> Iterator[str]:
    """Scores each input line; blank lines give no output."""
    active = scorer if scorer is not None else default_scorer()
    for line in lines:
        lang, text = split_line(line)
        if not text.strip():
            continue
        resolved = lang if lang is not None else detect_language(text)
        result = active.score(text, resolved)
        yield f"{result.label}\t{result.score:.3f}\t{resolved}"
