"""Plans: a person types the options to weigh ("2x rtx 4090", "rtx 6000 ada", "this machine"),
what they already have (the GPUs detected here are one click away) and any prices the catalog
lacks, and sees the purchase plans side by side: devices, what to buy, upfront, per year, TCO
owned next to renting, latency at the percentile, and why. advisor/plan.py computes them; this
view only edits the inputs and shows the numbers, as plain text."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)
MAX_OPTIONS = 8


def split_entries(text: str) -> list[str]:
    """'2x rtx 4090; rtx 6000 ada' -> ['2x rtx 4090', 'rtx 6000 ada'] (';' or new lines; a comma
    inside a name such as 'B200 (HGX B200, 1000 W)' is kept)."""
    return [t.strip() for t in re.split(r"[;\n]+", text or "") if t.strip()]


class PlansView(QWidget):
    """Options, owned hardware and prices in; plans side by side out."""

    planned = Signal(dict)  # the advisor.plan.plan() result shown

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("plans-view")
        self.workload = None
        self.catalog = None
        self.calibrations: dict | None = None
        self.machine = None
        self.result: dict | None = None
        self.last_error = ""

        self.options = QLineEdit()
        self.options.setObjectName("plan-options")
        self.options.setPlaceholderText("e.g. 2x rtx 4090; rtx 6000 ada; this machine   (empty: the top 3 devices)")
        self.options.setAccessibleName("Options to plan")
        self.owned = QLineEdit()
        self.owned.setObjectName("plan-owned")
        self.owned.setPlaceholderText("e.g. 1x rtx 4090")
        self.owned.setAccessibleName("Hardware I already have")
        self.use_detected = QPushButton("Add the GPUs detected here")
        self.use_detected.setObjectName("plan-use-detected")
        self.use_detected.setEnabled(False)
        self.use_detected.setToolTip("Adds this machine's GPUs (detected, matched to the catalog) to what you have.")
        self.use_detected.setAccessibleName("Add the GPUs detected here")
        self.use_detected.setAccessibleDescription(self.use_detected.toolTip())
        self.prices = QLineEdit()
        self.prices.setObjectName("plan-prices")
        self.prices.setPlaceholderText("e.g. rtx 6000 ada=6800   (fills a missing price or replaces the catalog's)")
        self.prices.setAccessibleName("Prices in US dollars")
        self.run_button = QPushButton("Plan")
        self.run_button.setObjectName("plan-run")
        self.run_button.setDefault(True)
        self.run_button.setAccessibleName("Plan")
        self.run_button.setAccessibleDescription("Plan the options above: devices, replicas, hosts, upfront and yearly cost.")
        self.error = QLabel()
        self.error.setObjectName("plan-error")
        self.error.setTextFormat(Qt.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()

        form = QFormLayout()
        form.addRow("Options to weigh", self.options)
        owned_row = QHBoxLayout()
        owned_row.addWidget(self.owned, 1)
        owned_row.addWidget(self.use_detected)
        form.addRow("I already have", owned_row)
        prices_row = QHBoxLayout()
        prices_row.addWidget(self.prices, 1)
        prices_row.addWidget(self.run_button)
        form.addRow("Prices (USD)", prices_row)

        self.table = QTableWidget(0, 0)
        self.table.setObjectName("plan-table")
        self.table.setAccessibleName("Plans")
        self.table.setAccessibleDescription("One row per option: what to buy, upfront, yearly and 3-year cost, break-even.")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.details = QPlainTextEdit()
        self.details.setObjectName("plan-details")
        self.details.setAccessibleName("Plan details")
        self.details.setAccessibleDescription("The selected option's plan in full, with its reasons and assumptions.")
        self.details.setReadOnly(True)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        title = QLabel("What to buy or rent: N devices per replica x replicas for the traffic, hosts, what you "
                       "already have, upfront, running cost, and owning next to renting the same fleet.")
        title.setWordWrap(True)
        title.setTextFormat(Qt.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

        self.run_button.clicked.connect(self.run_plan)
        for edit in (self.options, self.owned, self.prices):
            edit.returnPressed.connect(self.run_plan)
        self.use_detected.clicked.connect(self.add_detected)

    # ---- inputs from the app ----------------------------------------------------------
    def set_context(self, workload, catalog, calibrations=None) -> None:
        """A new workload (or catalog): plan again with the same typed inputs."""
        self.workload, self.catalog, self.calibrations = workload, catalog, calibrations
        self._stale = True
        if self.isVisible():  # a hidden view plans when it is next shown: edits stay fast
            self.run_plan()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self.run_plan()

    def set_machine(self, machine) -> None:
        self.machine = machine
        self.use_detected.setEnabled(bool(self.detected_owned()))

    def detected_owned(self) -> list[str]:
        """'N x name' for each catalog GPU model detected on this machine."""
        if self.machine is None:
            return []
        counts: dict[str, int] = {}
        names: dict[str, str] = {}
        for g in self.machine.gpus:
            if g.catalog_id:
                counts[g.catalog_id] = counts.get(g.catalog_id, 0) + 1
                names[g.catalog_id] = g.catalog_name or g.catalog_id
        return [f"{n}x {names[d]}" for d, n in counts.items()]

    def add_detected(self) -> None:
        have = split_entries(self.owned.text())
        self.owned.setText("; ".join([*have, *[d for d in self.detected_owned() if d not in have]]))
        self.run_plan()

    # ---- planning ---------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.last_error = message
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def run_plan(self) -> dict | None:
        """Plan the typed options (or the top 3) and show them; bad input is one line, never a crash."""
        if self.workload is None or self.catalog is None:
            return None
        self._stale = False
        from advisor.errors import BadInput
        from advisor.plan import parse_option, parse_owned, parse_prices, plan

        try:
            texts = split_entries(self.options.text())
            if len(texts) > MAX_OPTIONS:
                raise BadInput(f"Options: at most {MAX_OPTIONS} side by side, got {len(texts)}")
            options = [parse_option(t, self.catalog, machine=self.machine, what="Options") for t in texts]
            owned = parse_owned(split_entries(self.owned.text()), self.catalog, machine=self.machine)
            prices = parse_prices(split_entries(self.prices.text()), self.catalog)
            result = plan(self.workload, self.catalog, options or None, owned=owned, prices=prices,
                          calibrations=self.calibrations)
        except BadInput as e:
            self._show_error(str(e).replace("--own", "I already have").replace("--price", "Prices"))
            return None
        except (ValueError, KeyError, ZeroDivisionError) as e:  # a figure the model cannot produce
            log.warning("plan failed: %s", e)
            self._show_error(f"Could not plan: {e}")
            return None
        self._show_error("")
        self.show_result(result)
        return result

    def show_result(self, result: dict) -> None:
        from advisor.plan import format_plan, plan_rows

        self.result = result
        plans = result["options"]
        rows = [plan_rows(p) for p in plans]
        labels: list[str] = []
        for r in rows:
            for label, _ in r:
                if label not in labels:
                    labels.append(label)
        self.table.clear()
        self.table.setRowCount(len(labels))
        self.table.setColumnCount(len(plans))
        self.table.setHorizontalHeaderLabels([p["label"] for p in plans])
        self.table.setVerticalHeaderLabels(labels)
        for c, r in enumerate(rows):
            values = dict(r)
            for k, label in enumerate(labels):
                item = QTableWidgetItem(values.get(label, ""))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if label == "Meets target" and values.get(label) == "NO":
                    item.setToolTip("The latency at the percentile misses the target: see the fixes below.")
                self.table.setItem(k, c, item)
        self.details.setPlainText(format_plan(result))
        self.planned.emit(result)

    def cell(self, label: str, option: int) -> str:
        """The text shown for row `label` of option column `option` (tests read the widgets)."""
        for k in range(self.table.rowCount()):
            head = self.table.verticalHeaderItem(k)
            if head is not None and head.text() == label:
                item = self.table.item(k, option)
                return item.text() if item else ""
        raise KeyError(label)
