"""The trade-off charts draw exactly the model's data; clicking a point selects the device."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from advisor import sweeps


def _show(window, key):
    from ui.main_window import TAB_TRADEOFFS

    window.tabs.setCurrentIndex(TAB_TRADEOFFS)
    keys = list(window.tradeoffs.tab)
    window.tradeoffs.tabs.setCurrentIndex(keys.index(key))
    return window.tradeoffs.tab[key].plots


def _scatter_points(plot):
    pts = {}
    for item in plot.items:
        if isinstance(item, pg.ScatterPlotItem):
            for p in item.points():
                pts[p.data()] = (p.pos().x(), p.pos().y())
    return pts


def test_cost_vs_latency_equals_model(window):
    r = window.state.results
    expected = sweeps.cost_vs_latency(r.ranking)
    plot = _show(window, "cost_vs_latency")[0]
    pts = _scatter_points(plot)
    for k, dev in enumerate(expected["ids"]):
        x, y = pts[str(dev)]
        assert np.isclose(10 ** x, expected["cost"][k]) and np.isclose(10 ** y, expected["latency"][k])


def test_lifecycle_chart_equals_model(window):
    window._apply_preset(next(i for i, p in enumerate(window.presets) if "training" in p.data and "inference" in p.data))
    r = window.state.results
    plot = _show(window, "lifecycle")[0]
    expected = sweeps.lifecycle(r.estimates, r.focus)
    curves = {c.name(): c.getData() for c in plot.listDataItems() if isinstance(c, pg.PlotDataItem) and c.name()}
    assert np.allclose(curves["Inference (cumulative)"][1], expected["inference"])
    assert np.allclose(curves["Total"][1], expected["total"])
    assert "overtakes" in window.tradeoffs.tab["lifecycle"].caption.text() or not np.isfinite(expected["overtakes_month"])


def test_batch_chart_equals_model(window):
    r = window.state.results
    plots = _show(window, "batch")
    d = r.charts["batch"]
    lines = [c for c in plots[1].listDataItems() if isinstance(c, pg.PlotDataItem)]
    assert np.allclose(lines[0].getData()[1], d["throughput"])
    assert np.allclose(lines[0].getData()[0], np.log2(d["batch"]))


def test_every_chart_draws_without_error(window):
    for key in window.tradeoffs.tab:
        plots = _show(window, key)
        assert any(p.items for p in plots), key


def test_click_selects_device(window, qtbot):
    plot = _show(window, "cost_vs_latency")[0]
    item = next(i for i in plot.items if isinstance(i, pg.ScatterPlotItem) and len(i.points()))
    point = item.points()[0]
    item.sigClicked.emit(item, [point], None)
    assert window.state.selected == point.data()
    qtbot.waitUntil(lambda: window.state.results.focus is not None, timeout=2000)


def test_chart_export_png_and_svg(window, tmp_path):
    _show(window, "roofline")
    assert window.export_chart(str(tmp_path / "c.png"))
    assert window.export_chart(str(tmp_path / "c.svg"))
    assert (tmp_path / "c.png").stat().st_size > 5000
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")


def test_axis_labels_are_plain_numbers_on_linear_and_log_axes(qapp):
    import pyqtgraph as pg

    from ui import charts
    from ui.theme import LIGHT

    plot = pg.PlotItem()
    charts.style(plot, LIGHT, "t", "x", "y")
    ax = plot.getAxis("left")
    assert ax.tickStrings([0.0, 5e6, 1e7, 2e7], 1.0, 5e6) == ["0", "5M", "10M", "20M"]
    assert ax.tickStrings([0.1, 0.2, 0.3], 1.0, 0.1) == ["0.1", "0.2", "0.3"]
    plot.setLogMode(False, True)
    assert ax.tickStrings([3.0, 3.30103, 4.0], 1.0, 1.0) == ["1,000", "2,000", "10k"]
