"""The main window by keyboard: Tab leaves the results table, focus is visible, Ctrl+Tab
switches tabs, shortcuts work wherever the focus is, F1 lists them as plain text."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _focus(qtbot, widget):
    widget.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)


def test_tab_leaves_the_results_table(window, qtbot):
    table = window.recommend.table
    _focus(qtbot, table)
    table.setCurrentIndex(table.model().index(0, 2))
    qtbot.keyClick(table, Qt.Key_Tab)
    assert QApplication.focusWidget() is not table  # one Tab, and the focus is on the next control
    assert table.currentIndex().column() == 2


def test_tab_walks_the_window_and_comes_back(window, qtbot):
    """Tabbing from the table reaches other controls and returns in a bounded number of steps."""
    table = window.recommend.table
    _focus(qtbot, table)
    seen = []
    for _ in range(200):
        w = QApplication.focusWidget()
        qtbot.keyClick(w, Qt.Key_Tab)
        seen.append(QApplication.focusWidget())
        if seen[-1] is table:
            break
    assert seen[-1] is table, "Tab never came back to the table"
    assert len(set(map(id, seen))) > 5  # it visited other controls on the way


def test_the_focused_table_has_a_visible_outline(window, qtbot):
    table = window.recommend.table
    window.recommend.search.setFocus()
    qtbot.waitUntil(lambda: not table.hasFocus(), timeout=2000)
    before = table.grab().toImage()
    _focus(qtbot, table)
    table.repaint()
    after = table.grab().toImage()

    def edge(img):  # the left border column, as an array
        return np.array([img.pixelColor(0, y).rgb() for y in range(40, img.height() - 40, 7)])

    assert (edge(before) != edge(after)).all()  # the whole edge changes colour


def test_ctrl_tab_switches_tabs_from_anywhere(window, qtbot):
    for widget in (window.recommend.table, window.form.rows["model.params_b"].editor):
        _focus(qtbot, widget)
        start = window.tabs.currentIndex()
        qtbot.keyClick(widget, Qt.Key_Tab, Qt.ControlModifier)
        assert window.tabs.currentIndex() == (start + 1) % window.tabs.count()
        w = QApplication.focusWidget()
        qtbot.keyClick(w, Qt.Key_Backtab, Qt.ControlModifier | Qt.ShiftModifier)
        assert window.tabs.currentIndex() == start
        window.tabs.setCurrentIndex(0)


def test_ctrl_s_works_with_the_table_focused(window, qtbot, monkeypatch):
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: offered.append(a) or ("", ""))
    window.current_path = None
    table = window.recommend.table
    _focus(qtbot, table)
    qtbot.keyClick(table, Qt.Key_S, Qt.ControlModifier)
    assert len(offered) == 1


def test_f1_lists_shortcuts_as_plain_text(window, qtbot):
    window.show_shortcuts()
    status, text = window.statusBar().currentMessage(), window.last_message
    assert "<" not in status + text and "Ctrl+S Save" in status and "\n" not in status
    assert "Ctrl+S\tSave" in text.splitlines()
