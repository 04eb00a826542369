"""Charts a person can read: ranges follow the data after toggling phases, empty charts keep
no legend, texts never overlap each other or the legend (on screen and in the PDF), every
marker shape has a legend entry, log axes have enough plain-number ticks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest

from advisor.presets import PRESET_DIR
from advisor.workload import load_workload
from tests.ui.test_tradeoffs import _show

ROOT = Path(__file__).resolve().parents[2]
PRESETS = sorted(PRESET_DIR.glob("*.toml"))


def _labels(plot):
    return [it for it in plot.items if isinstance(it, pg.TextItem) and it.isVisible()]


def _legend_names(plot):
    return [label.text for _sample, label in plot.legend.items] if plot.legend is not None else []


def _ticks(plot, axis):
    """The labelled tick texts the axis shows for its current range."""
    ax = plot.getAxis(axis)
    lo, hi = plot.getViewBox().viewRange()[0 if axis == "bottom" else 1]
    texts = []
    for spacing, values in ax.tickValues(lo, hi, 400):
        texts += ax.tickStrings([v for v in values if lo <= v <= hi], 1.0, spacing)
    return texts


def _readable(plot, what):
    """No two texts overlap, each label is inside the plot, nothing like '1.67e+03'."""
    from ui import charts

    assert charts.overlapping_texts(plot) == [], what
    area = plot.getViewBox().sceneBoundingRect()
    if plot.legend is not None and plot.legend.isVisible() and plot.legend.items:
        legend = charts.text_rect(plot.legend)
        assert area.contains(legend), f"{what}: the legend is cut at the plot's edge"
        ink, _ = charts._ink_image(plot)
        limit = 0.04 if plot.getAxis("left").logMode else 0.01  # log charts: the emptiest corner
        assert charts._ink_in(ink, area, legend) < limit, f"{what}: the legend sits on the data"
    for t in _labels(plot):
        r = charts.text_rect(t)
        assert area.contains(r), f"{what}: label {t.toPlainText()!r} is cut at the plot's edge"
        assert "e+" not in t.toPlainText() and "e-0" not in t.toPlainText(), t.toPlainText()
    for axis in ("left", "bottom"):
        if plot.getAxis(axis).isVisible() and plot.getAxis(axis).logMode:
            assert len(_ticks(plot, axis)) >= 2, f"{what}: the {axis} log axis has under two labelled ticks"


def _set_phase(qtbot, window, section, on):
    box = window.form.groups[section]
    before = window.state.results
    box.setChecked(on)
    qtbot.waitUntil(lambda: window.state.results is not before, timeout=5000)
    window.state.flush()


def test_batch_axes_follow_the_data_after_unticking_and_reticking_serve_it(window, qtbot):
    window._apply_preset(next(i for i, p in enumerate(window.presets) if "training" in p.data and "inference" in p.data))
    plots = _show(window, "batch")
    _set_phase(qtbot, window, "inference", False)
    window.tradeoffs.redraw(all_tabs=True)
    assert plots[0].legend is None or not plots[0].legend.isVisible()  # empty chart: no legend box
    _set_phase(qtbot, window, "inference", True)
    window.tradeoffs.redraw(all_tabs=True)
    d = window.state.results.charts["batch"]
    for plot, ys in ((plots[0], d["latency_high_ms"]), (plots[1], d["throughput"])):
        (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
        lb = np.log2(d["batch"])
        assert x0 <= lb.min() and x1 >= lb.max() and x1 - x0 < (lb.max() - lb.min()) + 2
        assert y0 <= 0 + 1e-9 and y1 >= np.nanmax(ys) and y1 < np.nanmax(ys) * 1.5


def test_an_empty_chart_has_no_legend_box(window, qtbot):
    window._apply_preset(next(i for i, p in enumerate(window.presets) if "training" in p.data and "inference" in p.data))
    plot = _show(window, "lifecycle")[0]
    assert plot.legend.isVisible()
    _set_phase(qtbot, window, "training", False)  # no lifecycle without both phases
    window.tradeoffs.redraw(all_tabs=True)
    assert plot.legend is None or not plot.legend.isVisible()


@pytest.mark.parametrize("preset", [p.stem for p in PRESETS])
def test_no_text_overlaps_on_screen(window, qtbot, preset):
    window.state.set_workload(load_workload(PRESET_DIR / f"{preset}.toml"), immediate=True)
    for key in window.tradeoffs.tab:
        for plot in _show(window, key):
            if plot.isVisible():
                qtbot.waitUntil(lambda p=plot: p.getViewBox().sceneBoundingRect().width() > 50, timeout=3000)
                from ui import charts

                charts.arrange(plot)
                _readable(plot, f"{preset}/{key}")


def test_the_legend_sits_off_the_data(window, qtbot):
    from ui import charts

    for key in ("cost_vs_latency", "roofline", "memory"):
        plot = _show(window, key)[0]
        qtbot.waitUntil(lambda p=plot: p.getViewBox().sceneBoundingRect().width() > 50, timeout=3000)
        charts.arrange(plot)
        ink, area = charts._ink_image(plot)
        assert charts._ink_in(ink, area, charts.text_rect(plot.legend)) < 0.03, key


def test_every_marker_shape_has_a_legend_entry(qapp):
    """The front's points keep their kind's shape: a kind seen only on the front (the diamond
    of an accelerator) still gets its legend entry."""
    from advisor import sweeps
    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table
    from advisor.recommend import rank
    from hardware_db import load_catalog
    from ui import charts
    from ui.theme import LIGHT

    wl = load_workload(PRESET_DIR / "chat_7b_workstation.toml")
    est = estimate_table(wl, device_table(load_catalog(user_overlay=False)), calibrations={})
    data = dict(sweeps.cost_vs_latency(rank(est)))
    pareto = np.asarray(data["pareto"], bool)
    data["kind"] = np.where(pareto, "accelerator", "gpu")  # accelerators only on the front
    plot = pg.PlotItem()
    charts.draw_cost_vs_latency(plot, data, theme=LIGHT)
    assert {"GPU", "Accelerator", "Pareto front"} <= set(_legend_names(plot))


def test_log_axes_label_enough_ticks_even_for_a_narrow_range(qapp):
    from ui import charts
    from ui.theme import LIGHT

    plot = pg.PlotItem()
    charts.style(plot, LIGHT, "t", "x", "y")
    plot.setLogMode(True, True)
    for lo, hi, at_least in ((200, 20_000, 5), (0.15, 0.9, 3), (3.1, 3.6, 2), (1e-3, 1e6, 5)):
        plot.setYRange(np.log10(lo), np.log10(hi), padding=0)
        texts = _ticks(plot, "left")
        assert len(texts) >= at_least, (lo, hi, texts)
        assert all("e" not in t for t in texts), texts


def test_roofline_writes_intensity_as_a_plain_number(window):
    plot = _show(window, "roofline")[0]
    texts = [t.toPlainText() for t in plot.items if isinstance(t, pg.TextItem)]
    assert any("FLOP/B" in t for t in texts)
    assert not any("e+" in t for t in texts), texts


@pytest.mark.parametrize("preset", ["chat_7b_workstation", "lifecycle_2m_training_18m_serving", "pretrain_7b_2t"])
def test_no_text_overlaps_in_the_pdf(qapp, preset, tmp_path):
    """Every chart of the report, laid out at the report's size by the report's own code."""
    from PySide6.QtGui import QFont, QPageSize, QPdfWriter

    from hardware_db import load_catalog
    from ui.report.blocks import Blocks, Chart, Group
    from ui.report.data import build_data
    from ui.report.sections import SECTIONS

    d = build_data(load_workload(PRESET_DIR / f"{preset}.toml"), catalog=load_catalog(user_overlay=False),
                   probe={}, calibrations={}, machine=None)
    writer = QPdfWriter(str(tmp_path / "x.pdf"))
    writer.setResolution(96)
    writer.setPageSize(QPageSize(QPageSize.A4))
    b = Blocks(float(writer.width()), QFont(), writer, "A4")

    def charts_in(block):
        if isinstance(block, Chart):
            yield block
        elif isinstance(block, Group):
            for x in block.blocks:
                yield from charts_in(x)

    found = 0
    for section in SECTIONS:
        for block in section(d, b):
            for chart in charts_in(block):
                with chart.laid_out() as done:
                    for plot in done.plots:
                        _readable(plot, f"{preset} PDF: {plot.titleLabel.text}")
                        found += 1
    assert found >= 4
