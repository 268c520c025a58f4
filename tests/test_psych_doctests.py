"""The docstring examples of the psychometric modules run and are true."""

import doctest
import importlib
import warnings

import pytest

MODULES = ["reliability", "efa", "factors", "omega", "cfa", "report"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(f"mentorassess.stats.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0
    assert res.failed == 0
