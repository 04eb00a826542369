"""Unsaved work: Ctrl+Q, Open and a preset switch ask before edits are replaced; the Compare
selection survives a relaunch; Save starts in the user's documents folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.ui.conftest import built_window
from tests.ui.test_workload_form import _edit

# A message box on the offscreen platform warns that it cannot size itself: not a fault here.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


def _answer(window, button, seen: list):
    """Click `button` in the open unsaved-edits question (a real window-modal box)."""
    box = window.unsaved_box
    assert box is not None and box.isVisible() and box.objectName() == "unsaved-question", "no question was asked"
    seen.append(box.text())
    box.button(button).click()


def _make_edit(qtbot, w):
    before = w.state.results
    _edit(qtbot, w, "inference.requests_per_day", "12345")
    qtbot.waitUntil(lambda: w.state.results is not before, timeout=3000)
    assert w._dirty


def test_ctrl_q_asks_and_cancel_keeps_the_window(window, qtbot):
    _make_edit(qtbot, window)
    seen: list = []
    window.findChild(QAction, "quit").trigger()
    _answer(window, QMessageBox.Cancel, seen)
    assert seen and "not saved" in seen[0]
    assert window.isVisible() and window._dirty
    assert window.state.workload.inference.requests_per_day == 12345


def test_ctrl_q_discard_quits(window, qtbot):
    _make_edit(qtbot, window)
    seen: list = []
    window.findChild(QAction, "quit").trigger()
    _answer(window, QMessageBox.Discard, seen)
    assert seen and not window.isVisible()
    assert not window.unsaved.path.exists()  # discarded means discarded: not kept for the next start


def test_ctrl_q_without_edits_does_not_ask(window, qtbot):
    assert not getattr(window, "_dirty", False)
    window.findChild(QAction, "quit").trigger()
    assert window.unsaved_box is None
    assert not window.isVisible()


def test_one_question_at_a_time_and_nothing_blocks(window, qtbot):
    """The question never blocks (a long session of random actions must go on), and asking
    again while it is open does not stack a second box."""
    _make_edit(qtbot, window)
    window.open_dialog()
    window.findChild(QAction, "quit").trigger()
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "unsaved-question" and b.isVisible()]
    assert len(boxes) == 1
    seen: list = []
    _answer(window, QMessageBox.Cancel, seen)
    assert window.isVisible() and window._dirty


def test_open_asks_first_and_cancel_keeps_the_edits(window, qtbot, monkeypatch):
    _make_edit(qtbot, window)
    asked_for_file = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: asked_for_file.append(a) or ("", ""))
    seen: list = []
    window.open_dialog()
    _answer(window, QMessageBox.Cancel, seen)
    assert seen and asked_for_file == []
    assert window.state.workload.inference.requests_per_day == 12345
    window.open_dialog()
    _answer(window, QMessageBox.Discard, seen)
    assert len(seen) == 2 and len(asked_for_file) == 1  # discarded: now the file dialog opens


def test_switching_presets_asks_before_discarding_edits(window, qtbot):
    _make_edit(qtbot, window)
    combo = window.form.presets
    shown = combo.currentText()
    other = next(k for k in range(combo.count()) if combo.itemText(k) != shown)
    seen: list = []
    combo.setCurrentIndex(other)
    combo.activated.emit(other)
    _answer(window, QMessageBox.Cancel, seen)
    assert seen and window.state.workload.inference.requests_per_day == 12345
    assert combo.currentText() == shown
    combo.setCurrentIndex(other)
    combo.activated.emit(other)
    _answer(window, QMessageBox.Discard, seen)
    assert window.state.workload.name == combo.itemText(other) and not window._dirty


def test_compare_selection_is_kept_across_a_relaunch(qtbot, fast_detect):
    w = built_window(qtbot)
    ids = [str(w.state.table.ids[int(i)]) for i in w.state.results.ranking.order[:2]]
    w.state.set_compare(ids)
    w.close()
    w2 = built_window(qtbot)
    assert w2.state.compare == ids


def test_save_starts_in_the_documents_folder_not_the_presets(window, qtbot, monkeypatch):
    from ui.main_window import documents_dir
    from ui.presets import WORKLOADS_DIR

    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: offered.append(a[2]) or ("", ""))
    window.current_path = None
    window.save_as_dialog()
    start = Path(offered[0]).parent
    assert start == documents_dir()
    assert start.resolve() != WORKLOADS_DIR.resolve()
