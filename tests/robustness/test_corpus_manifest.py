"""The corpus and its manifests agree: every file has an expected message and vice versa."""

from __future__ import annotations

import pytest

from tests.robustness.corpus import FOLDERS, expected, files


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_corpus_file_has_exactly_one_expectation(folder):
    names = {p.name for p in files(folder)}
    assert names == set(expected(folder)), "files and EXPECTED.toml differ"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_expected_message_is_one_line(folder):
    for name, message in expected(folder).items():
        assert "\n" not in message and "\r" not in message, name
        assert "Traceback" not in message, name
