"""The core's docstring examples hold (they document the maths, so a stale one misleads)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import streamproc

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(streamproc.__path__, "streamproc.")
    if not m.name.endswith("__main__")  # runs the command line when imported
)


def test_the_core_has_examples() -> None:
    finder = doctest.DocTestFinder()
    examples = sum(
        len(t.examples) for name in MODULES for t in finder.find(importlib.import_module(name))
    )
    assert examples >= 40


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
