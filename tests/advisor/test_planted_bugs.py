"""tests/planted_bugs.py stays runnable: every planted bug's edit applies to today's source, and
its test exists. (Running the plants takes a pytest run each; `python tests/planted_bugs.py`.)"""

from __future__ import annotations

import pytest

from tests import planted_bugs as P


@pytest.mark.parametrize("bug", P.BUGS, ids=lambda b: b.what)
def test_the_planted_bug_still_applies(bug):
    assert P.applies(bug), f"{bug.path} no longer contains {bug.old!r}: update tests/planted_bugs.py"
    test_file, _, name = bug.test.partition("::")
    assert f"def {name}(" in (P.ROOT / test_file).read_text(encoding="utf-8")
