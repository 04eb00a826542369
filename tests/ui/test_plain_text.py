"""Files from other people in the window (issue 15): names are text, never markup; each window
keeps its own unsaved edits; a config folder that cannot be written never breaks a close."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt

from tests.conftest import ROOT
from tests.ui.conftest import built_window
from tests.ui.test_machine_and_probes import _slow_probe

EVIL = '<img src="/dev/zero">'
OVERLAY = ("id,name,vendor,kind,segment,memory_gb,memory_type,memory_bandwidth_gbps,bf16_tflops,fp32_tflops,tdp_w,"
           "cloud_usd_per_hour,cloud_price_seen,source\n"
           'evil-gpu,"Evil <img src=""/dev/zero""> <b>GPU</b>",Acme,gpu,workstation,80,HBM3,3000,900,60,300,0.01,2024-06,'
           "https://e.com/evil\n")


def test_every_rich_text_place_in_ui_escapes_on_the_same_line():
    """The before-stop check, as a test: a line that renders HTML names its escape."""
    lines = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"html=|RichText|setHtml\(", line) and "escape" not in line:
                lines.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert lines == []


def test_no_pyqtgraph_item_is_given_html():
    out = subprocess.run(["grep", "-rnE", r"TextItem\(html|setHtml\(|LabelItem\(.*<", str(ROOT / "ui" / "charts.py")],
                         capture_output=True, text=True)
    assert out.stdout == ""


def _user_overlay() -> Path:
    from advisor.paths import config_dir

    user = config_dir() / "catalog_overlay.csv"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(OVERLAY, encoding="utf-8")
    return user


def _shown_texts(window) -> list[str]:
    """The HTML Qt renders for every text item, legend label and label of the window."""
    from PySide6.QtWidgets import QLabel, QTextBrowser, QTextEdit

    out = []
    for label in window.findChildren(QLabel):
        if label.textFormat() == Qt.RichText or (label.textFormat() == Qt.AutoText and QtGui.Qt.mightBeRichText(label.text())):
            out.append(label.text())
    for edit in window.findChildren(QTextEdit) + window.findChildren(QTextBrowser):
        out.append(edit.toHtml())
    if window.tradeoffs is not None:
        for key in window.tradeoffs.tab:
            for plot in window.tradeoffs.tab[key].plots:
                for item in plot.items:
                    if isinstance(item, pg.TextItem):
                        out.append(item.textItem.toHtml())
                if plot.legend is not None:
                    out += [label.text for _sample, label in plot.legend.items]
                out.append(plot.titleLabel.text)
    return out


def test_overlay_and_workload_names_are_shown_as_text_everywhere(qtbot, fast_detect):
    """An overlay row named with an <img> of /dev/zero: the window starts (before: it aborted at
    every start), every view shows the name as typed, and no HTML it renders has an <img>."""
    from advisor.workload import workload_from_dict

    _user_overlay()
    w = built_window(qtbot)
    assert w.state.catalog.warnings == []
    wl = workload_from_dict({"name": f"<b>bold</b>{EVIL}", "description": f"see {EVIL}",
                             "model": {"params_b": 7}, "inference": {"precision": "fp16", "requests_per_day": 1e6}}, "w")
    w.state.set_workload(wl, immediate=True)
    w.state.flush()
    ids = list(w.state.results.estimates.table.ids)
    assert "evil-gpu" in ids
    w.state.set_compare(["evil-gpu", ids[0]])
    w.state.select("evil-gpu")
    w.tradeoffs.redraw(all_tabs=True)
    texts = _shown_texts(w)
    assert texts and not [t for t in texts if "<img" in t.lower()]
    assert "&lt;b&gt;bold&lt;/b&gt;&lt;img" in w.recommend.headline.text()
    assert "&lt;img" in w.compare.title.text()
    assert any("Evil &lt;img" in t for t in texts)  # the name is there, as text
    model = w.recommend.model
    row = ids.index("evil-gpu")
    for c in range(model.columnCount()):
        tip = model.data(model.index(row, c), Qt.ToolTipRole)
        assert tip is None or "<img" not in tip
    w.close()


def test_a_rejected_value_is_shown_as_plain_text(window, qtbot):
    from ui.plain import escape, plain_label, tip

    row = window.form.rows["inference.precision"]
    assert row.error.textFormat() == Qt.PlainText and window.form.banner.textFormat() == Qt.PlainText
    window.form.show_error("inference.precision", f"w: inference.precision must be one of fp16, got '{EVIL}'")
    assert EVIL in row.error.text()  # shown as typed
    assert escape(EVIL) == "&lt;img src=&quot;/dev/zero&quot;&gt;"
    assert tip(EVIL + "\nline 2") == "<qt>&lt;img src=&quot;/dev/zero&quot;&gt;<br>line 2</qt>"
    from PySide6.QtWidgets import QMessageBox

    box = plain_label(QMessageBox(QMessageBox.Warning, "t", EVIL))
    assert box.textFormat() == Qt.PlainText


# ---------------------------------------------------------------- unsaved edits, per window

def _edit(window, requests: float) -> None:
    data = window.form.data()
    data["inference"]["requests_per_day"] = requests
    window._on_form_edited(data)
    window.state.flush()
    assert window._dirty


def test_two_windows_never_delete_each_others_unsaved_edits(qtbot, fast_detect):
    from ui.unsaved import _folder

    a = built_window(qtbot)
    _edit(a, 1111)
    a.close()  # leaves its edits
    [kept] = _folder().glob("*.toml")
    b = built_window(qtbot)  # restores them, and holds the file
    assert b._dirty and b.state.workload.inference.requests_per_day == 1111
    c = built_window(qtbot)  # a second window: nothing to claim, starts clean
    assert not getattr(c, "_dirty", False) and c.state.workload.inference.requests_per_day != 1111
    c.close()  # closing clean removes only its own (none): b's edits stay
    assert kept.is_file() and "requests_per_day = 1111" in kept.read_text()
    _edit(b, 2222)
    b.close()
    assert [p.read_text().count("requests_per_day = 2222") for p in _folder().glob("*.toml")] == [1]


def test_a_workload_path_with_a_newline_comes_back_exactly(qtbot, fast_detect, tmp_path):
    from advisor.workload import load_workload, save_workload

    folder = tmp_path / "two\nlines"
    folder.mkdir()
    path = folder / "my\nworkload.toml"
    decoy = tmp_path / "two"  # what the first line alone would have named
    a = built_window(qtbot)
    save_workload(a.state.workload, path)
    assert a.open_path(str(path))
    _edit(a, 3333)
    a.close()
    b = built_window(qtbot)
    assert b.current_path == path.resolve()
    assert b.save()
    assert load_workload(path).inference.requests_per_day == 3333
    assert not decoy.exists()
    b.close()


def test_config_home_that_is_a_file_never_breaks_closing(qtbot, fast_detect, monkeypatch, tmp_path):
    """XDG_CONFIG_HOME names a file: nothing can be kept, the close says so in the log, and the
    worker threads are stopped (the conftest fails a test that leaves one running)."""
    from ui import workers

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.delenv("HWADVISOR_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    w = built_window(qtbot)
    _edit(w, 4444)
    w.start_probe(True, probes=_slow_probe(20.0))  # a worker still running at the close
    assert workers.running_tasks()
    w.close()  # pytest-qt fails the test on an exception raised inside closeEvent
    assert workers.running_tasks() == []
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("name", ["x\ud800y", "a\x7fb"])
def test_a_name_that_cannot_be_saved_is_refused_in_the_form(window, name):
    data = window.form.data()
    data["name"] = name
    before = window.state.workload
    window._on_form_edited(data)
    assert window.state.workload is before and "name must be" in window.state.last_error
