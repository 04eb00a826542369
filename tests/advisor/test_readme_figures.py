"""README.md's figures (device, CPU, preset and model counts; the accuracy table) match the data.

benchmarks/readme_figures.py computes them from the catalog, the presets, the model library and
tests/data/measured_reference.csv; a change to any of these that moves a figure fails here until
`python benchmarks/readme_figures.py --write` puts the new figures into the README.
"""

from __future__ import annotations

from benchmarks import readme_figures as F


def test_readme_figures_match_the_data():
    text = F.README.read_text(encoding="utf-8")
    assert F.differences(text, F.counts(), F.accuracy_table()) == []


def test_a_stale_figure_is_reported_and_rewritten():
    figures = {"catalog devices": "158", "catalog CPUs": "18", "presets": "Ten", "library models": "51"}
    table = F.TABLE_HEAD + "\n| --- | --- | --- |\n| decode | 3 | median error 5% |"
    text = ("- **Catalog** (`hardware_db/`): 137 devices, x, Apple M1-M4, 16 CPUs, TPUs\n"
            "TOML. Ten presets ship inside the package.\n- with a library of 51 published models\n\n"
            + F.TABLE_HEAD + "\n| --- | --- | --- |\n| decode | 50 | median error 14% |\n\nAfter.\n")
    assert F.differences(text, figures, table) == [
        "catalog devices: README.md says 137, the data says 158",
        "catalog CPUs: README.md says 16, the data says 18",
        "accuracy table: README.md's differs from the data:\n" + table,
    ]
    fixed = F.rewrite(text, figures, table)
    assert F.differences(fixed, figures, table) == []
    assert fixed.endswith("| decode | 3 | median error 5% |\n\nAfter.\n")
    assert F.differences("nothing here", figures, table)[0] == (
        "catalog devices: README.md has no place matching '\\\\*\\\\*Catalog\\\\*\\\\* \\\\(`hardware_db/`\\\\): (\\\\d+) devices'")


def test_number_words():
    assert [F._word(n) for n in (1, 10, 12, 13)] == ["One", "Ten", "Twelve", "13"]
