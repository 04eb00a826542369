"""The form and the results table as a person meets them at 1024x640: messages shown in full
under their field, 'required' where required, the banner never moves the form, shape fields
follow the parameter count, bf16 training, stale descriptions dropped, cost and latency on
screen without scrolling; one device count in the GUI and the PDF; Letter paper."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from PySide6.QtWidgets import QFileDialog

from advisor.presets import PRESET_DIR
from tests.ui.test_workload_form import _edit

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def small(window, qtbot):
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: window.width() <= 1030, timeout=3000)
    window.state.flush()
    return window


def _tick(qtbot, w, section, on=True):
    w.form.groups[section].setChecked(on)
    qtbot.wait(50)


def test_training_tokens_message_is_shown_in_full_and_says_required(small, qtbot):
    w = small
    _tick(qtbot, w, "training")
    row = w.form.rows["training.tokens"]
    qtbot.waitUntil(lambda: row.error.text() != "", timeout=3000)
    w.form.scroll_area.ensureWidgetVisible(row.error)
    qtbot.wait(50)
    err = row.error
    assert err.isVisible()
    assert err.height() >= err.heightForWidth(err.width())  # every wrapped line has its room
    viewport = w.form.scroll_area.viewport()
    right = err.mapTo(viewport, err.rect().topRight()).x()
    assert right <= viewport.width()  # not cut at the dock's edge
    body = w.form.scroll_area.widget()
    assert body.width() <= viewport.width()  # no field is cut at the right edge either
    assert row.editor.placeholderText() == "required"
    _edit(qtbot, w, "training.tokens", "1e9")
    assert row.error.text() == "" and row.editor.placeholderText() == "optional"


def test_training_precision_defaults_to_bf16(small, qtbot):
    w = small
    _tick(qtbot, w, "training")
    assert w.form.rows["training.precision"].editor.currentText() == "bf16"
    _edit(qtbot, w, "training.tokens", "1e9")
    qtbot.waitUntil(lambda: w.state.workload.training is not None, timeout=3000)
    assert w.state.workload.training.precision == "bf16"


def test_the_banner_does_not_move_the_form(small, qtbot):
    w = small
    probe = w.form.rows["model.params_b"].editor
    before = probe.mapTo(w, probe.rect().topLeft())
    _tick(qtbot, w, "inference", False)  # no phase left: a whole-workload message
    qtbot.waitUntil(lambda: w.form.banner.isVisible(), timeout=3000)
    assert w.form.banner.text()
    assert probe.mapTo(w, probe.rect().topLeft()) == before
    banner = w.form.banner
    assert banner.geometry().bottom() <= w.form.height() and banner.height() >= banner.heightForWidth(banner.width())


def test_shape_fields_follow_the_parameter_count_unless_typed(small, qtbot):
    w = small
    assert w.state.workload.model.layers == 32
    _edit(qtbot, w, "model.heads", "16")  # typed by the user: kept
    _edit(qtbot, w, "model.params_b", "1")
    qtbot.waitUntil(lambda: w.state.workload.model.params_b == 1, timeout=3000)
    m = w.state.workload.model
    assert m.layers is None and m.hidden is None  # derived from 1B now, not 32 x 4096
    assert m.heads == 16
    from advisor.model.shape import model_shape

    shape = model_shape(m)
    assert shape.layers < 32 and shape.hidden < 4096


def test_an_edited_preset_loses_its_description(small, qtbot):
    w = small
    desc = w.state.workload.description
    assert desc
    _edit(qtbot, w, "inference.requests_per_day", "5000")
    qtbot.waitUntil(lambda: w.state.workload.inference.requests_per_day == 5000, timeout=3000)
    assert not w.state.workload.description  # the PDF's title page no longer claims it
    w._apply_preset(0)
    _edit(qtbot, w, "description", "my own words")
    _edit(qtbot, w, "inference.requests_per_day", "6000")
    qtbot.waitUntil(lambda: w.state.workload.inference.requests_per_day == 6000, timeout=3000)
    assert w.state.workload.description == "my own words"


@pytest.mark.parametrize("preset", ["chat_7b_workstation", "lifecycle_2m_training_18m_serving", "pretrain_7b_2t"])
def test_cost_and_latency_fit_at_1024_and_no_cell_is_cut(small, qtbot, preset):
    from advisor.workload import load_workload

    w = small
    w.state.set_workload(load_workload(PRESET_DIR / f"{preset}.toml"), immediate=True)
    view = w.recommend
    table, model = view.table, view.model
    qtbot.wait(50)
    fm = table.fontMetrics()
    keys = [c.key for c in model.cols]
    first = ("cost_mtok", "latency") if "cost_mtok" in keys else ("train_cost", "train_days")
    for key in first:  # the figures people compare: on screen without scrolling
        k = keys.index(key)
        assert table.columnViewportPosition(k) + table.columnWidth(k) <= table.viewport().width(), key
    for k, col in enumerate(model.cols):  # no range cut short anywhere
        if not col.ranged:
            continue
        for r in range(model.rowCount()):
            text = model.data(model.index(r, k)) or ""
            assert fm.horizontalAdvance(text) + 8 <= table.columnWidth(k), (col.key, text)


def test_gui_and_pdf_count_the_same_devices(window):
    import re

    from ui.report.data import build_data

    shown = window.recommend.count.text()
    n_gui = int(re.search(r"([\d,]+) catalog devices", shown).group(1).replace(",", ""))
    d = build_data(window.state.workload, catalog=window.state.catalog, probe={}, calibrations={}, machine=None)
    assert n_gui == len(d.estimates) == len(window.state.catalog)


def test_one_device_is_singular(qapp):
    from ui.charts import plural

    assert plural(1, "device") == "1 device" and plural(2, "device") == "2 devices"


def test_letter_paper_from_the_export_dialog(window, qtbot, tmp_path, monkeypatch):
    out = tmp_path / "letter.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF, US Letter paper (*.pdf)"))
    procs = []
    real = window.export_pdf
    monkeypatch.setattr(window, "export_pdf", lambda *a, **k: procs.append(real(*a, **k)) or procs[-1])
    window.export_pdf_dialog()
    with qtbot.waitSignal(procs[0].finished, timeout=60000):
        pass
    page = pypdf.PdfReader(str(out)).pages[0]
    assert abs(float(page.mediabox.width) - 612) < 1 and abs(float(page.mediabox.height) - 792) < 1


@pytest.mark.parametrize("preset, params_b", [("finetune_7b", 13), ("pretrain_7b_2t", None), ("chat_7b_workstation", None)])
def test_this_machine_is_suggested_only_where_one_of_it_does(window, preset, params_b):
    """Never 'This machine: AMD EPYC (x808)': one machine cannot be 808 of itself."""
    from dataclasses import replace

    from advisor.workload import load_workload
    from ui.state import LOCAL_CPU_ID

    wl = load_workload(PRESET_DIR / f"{preset}.toml")
    if params_b:  # the 13B fine-tune of the report
        wl = replace(wl, model=replace(wl.model, params_b=params_b, layers=None, hidden=None, heads=None,
                                       kv_heads=None))
    window.state.set_workload(wl, immediate=True)
    assert LOCAL_CPU_ID in set(map(str, window.state.results.estimates.table.ids))  # the premise: a local row
    charts = window.state.results.charts
    for key in ("memory", "roofline"):
        ids = [str(i) for i in charts[key]["ids"]]
        if LOCAL_CPU_ID in ids and key == "memory":
            k = ids.index(LOCAL_CPU_ID)
            assert charts["memory"]["devices"][k] <= 1, charts["memory"]["devices"][k]
    r = window.state.results
    ids = list(map(str, r.estimates.table.ids))
    if LOCAL_CPU_ID in ids:
        i = ids.index(LOCAL_CPU_ID)
        p = r.estimates.point
        need = max(p["train_devices"][i] if r.workload.training else 0, p["inf_devices"][i] if r.workload.inference else 0)
        in_charts = LOCAL_CPU_ID in [str(x) for x in charts["memory"]["ids"]]
        assert in_charts == (need <= 1 or i in set(map(int, r.ranking.order[:6])))
