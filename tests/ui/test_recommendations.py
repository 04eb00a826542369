"""The recommendations table: the model's figures, filters, sorting, comparison, CSV."""

from __future__ import annotations

import csv

import numpy as np


def _visible_ids(view):
    from ui.views.recommendations import ID_ROLE

    return [view.proxy.index(r, 0).data(ID_ROLE) for r in range(view.proxy.rowCount())]


def test_table_lists_the_whole_catalog_ranked(window):
    r = window.state.results
    view = window.recommend
    assert view.proxy.rowCount() == len(r.estimates)
    ids = _visible_ids(view)
    top = [str(r.estimates.table.ids[i]) for i in r.ranking.order[:5]]
    assert ids[:5] == top  # sorted by rank
    assert "Best for" in view.headline.text()


def test_filters_filter(window, qtbot):
    view = window.recommend
    t = window.state.results.estimates.table
    view.kind.setCurrentIndex(view.kind.findData("cpu"))
    ids = _visible_ids(view)
    assert ids and all(t.kind[list(t.ids).index(i)] == "cpu" for i in ids)
    view.kind.setCurrentIndex(0)
    view.fits_only.setChecked(True)
    fits_ids = _visible_ids(view)
    assert len(fits_ids) < len(t.ids)
    view.pareto_only.setChecked(True)
    pareto = {str(t.ids[i]) for i in np.flatnonzero(window.state.results.ranking.pareto)}
    assert set(_visible_ids(view)) <= pareto and _visible_ids(view)
    view.pareto_only.setChecked(False)
    view.fits_only.setChecked(False)
    view.search.setText("4090")
    assert all("4090" in i for i in _visible_ids(view))
    view.search.setText("")
    view.price.setCurrentIndex(view.price.findData("cloud"))
    assert all(np.isfinite(t.cloud_usd_per_hour[list(t.ids).index(i)]) for i in _visible_ids(view))


def test_this_machine_is_a_row(window):
    r = window.state.results
    assert r.local, "this machine should be marked in the table"
    view = window.recommend
    view.price.setCurrentIndex(view.price.findData("local"))
    assert set(_visible_ids(view)) == {str(r.estimates.table.ids[i]) for i in r.local}


def test_sorting_by_a_column(window):
    view = window.recommend
    col = view.model.column_index("latency")
    from PySide6.QtCore import Qt

    view.table.sortByColumn(col, Qt.AscendingOrder)
    from ui.views.recommendations import SORT_ROLE

    keys = [view.proxy.index(row, col).data(SORT_ROLE) for row in range(view.proxy.rowCount())]
    assert keys == sorted(keys)


def test_reasons_and_badges(window, qtbot):
    view = window.recommend
    r = window.state.results
    best = r.ranking.best()
    view.select_device(str(r.estimates.table.ids[best]))
    html = view.details.toPlainText()
    assert r.estimates.table.names[best] in html
    assert "lowest" in html
    from ui.views.recommendations import BADGE_ROLE

    col = view.model.column_index("optimized")
    cls = view.model.index(best, col).data(BADGE_ROLE)
    assert cls in ("training-optimized", "inference-optimized")


def test_compare_up_to_four(window, qtbot):
    st = window.state
    ids = [str(st.results.estimates.table.ids[i]) for i in st.results.ranking.order[:5]]
    for d in ids:
        window._toggle_compare(d)
    assert st.compare == ids[:4]
    table = window.compare.table
    assert table.columnCount() == 4
    labels = [table.verticalHeaderItem(k).text() for k in range(table.rowCount())]
    for dim in ("Memory", "Bandwidth", "Precision", "Latency", "Throughput", "Energy", "Cost", "Scaling"):
        assert any(lab.startswith(dim) for lab in labels), dim
    window._toggle_compare(ids[0])
    assert table.columnCount() == 3


def test_csv_export_matches_the_table(window, qtbot, tmp_path):
    window.recommend.fits_only.setChecked(True)
    path = tmp_path / "t.csv"
    task = window.export_csv(str(path))
    with qtbot.waitSignal(task.done, timeout=5000):
        pass
    rows = list(csv.reader(path.open()))
    assert rows[0][0] == "device_id"
    assert len(rows) - 1 == window.recommend.proxy.rowCount()
    assert rows[1][0] == _visible_ids(window.recommend)[0]


def test_pdf_action_follows_report_module(window):
    import importlib.util

    assert window.act_pdf.isEnabled() == (importlib.util.find_spec("ui.report") is not None)


def test_default_order_is_the_ranking(window):
    """Ranks (ints) and unranked rows (inf) sort together: 1, 2, 3, ... then the excluded."""
    view = window.recommend
    col = view.model.column_index("rank")
    shown = [view.proxy.index(row, col).data() for row in range(view.proxy.rowCount())]
    ranked = [int(x) for x in shown if x]
    assert ranked == list(range(1, len(ranked) + 1))
    assert shown[: len(ranked)] == [str(i) for i in ranked]  # every ranked row before any excluded one
