"""The whole catalog ranked for the workload: a sortable, filterable table with ranges, reasons
and training-/inference-optimized badges; this machine's rows marked; up to four devices
ticked for the side-by-side comparison."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QRectF, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import plain
from ui.charts import fmt_money, fmt_ms, fmt_num
from ui.glossary import GLOSSARY
from ui.theme import LIGHT, Theme

SORT_ROLE = Qt.UserRole + 1
ID_ROLE = Qt.UserRole + 2
BADGE_ROLE = Qt.UserRole + 3
_DISPLAY, _TOOLTIP, _ALIGN, _FONT, _BG, _FG, _CHECK = (int(r) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.CheckStateRole))
_SORT, _ID, _BADGE = int(SORT_ROLE), int(ID_ROLE), int(BADGE_ROLE)
_ROLES = frozenset({_DISPLAY, _TOOLTIP, _ALIGN, _FONT, _BG, _FG, _CHECK, _SORT, _ID, _BADGE})
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_BRUSHES: dict[tuple[str, str], QBrush] = {}
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_FLAGS_CHECKABLE = _FLAGS | Qt.ItemFlag.ItemIsUserCheckable


def device_count_text(results) -> str:
    """'138 catalog devices + this machine': the catalog's count (the PDF report's too), and the
    row added for this machine's CPU when the catalog has no match for it."""
    from ui.state import LOCAL_CPU_ID

    ids = {str(i) for i in results.estimates.table.ids}
    extra = LOCAL_CPU_ID in ids
    return f"{len(ids) - extra:,} catalog devices" + (" + this machine" if extra else "")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    tip: str
    value: Callable[[object, int], object]  # (Results, i) -> raw value (number or text)
    text: Callable[[object, int, object], str] | None = None  # (Results, i, raw) -> display
    numeric: bool = True
    ranged: str | None = None  # estimate key whose low/high to show


def _p(key):
    return lambda r, i: float(r.estimates.point[key][i]) if key in r.estimates.point else math.nan


def _range_text(r, i, key, fmt) -> str:
    est = r.estimates
    if key not in est.low:
        return ""
    a, b = float(est.low[key][i]), float(est.high[key][i])
    if not (np.isfinite(a) and np.isfinite(b)):
        return ""
    lo, hi = min(a, b), max(a, b)
    return f"{fmt(lo)} – {fmt(hi)}"


def columns_for(phase: str) -> list[Column]:
    cols = [
        Column("compare", "Compare", "Tick up to four devices to compare side by side.", lambda r, i: 0, lambda r, i, v: "",
               numeric=False),
        Column("rank", "#", "Rank for this workload (blank: excluded, see Why).",
               lambda r, i: (r.position(i) + 1) if r.position(i) is not None else math.nan,
               lambda r, i, v: "" if not np.isfinite(v) else str(int(v))),
        Column("device", "Device", "Catalog device (bold: this machine).",
               lambda r, i: str(r.estimates.table.names[i]) + (f"  — {r.local[i]}" if i in r.local else ""),
               numeric=False),
    ]
    # The figures people compare come right after the device (at 1024 px wide they are on
    # screen without scrolling); the catalog's descriptive columns follow.
    about = [
        Column("optimized", "Optimized for", GLOSSARY["optimized"], lambda r, i: _classify(r, i)[0], numeric=False),
        Column("kind", "Kind", "gpu, cpu or accelerator.", lambda r, i: str(r.estimates.table.kind[i]), numeric=False),
        Column("vendor", "Vendor", "", lambda r, i: str(r.estimates.table.vendor[i]), numeric=False),
        Column("segment", "Segment", "datacenter, workstation, consumer, edge or cloud.",
               lambda r, i: str(r.estimates.table.segment[i]), numeric=False),
        Column("fits", "Fits", "Does the workload fit in memory (on the device count shown)?",
               lambda r, i: _fits(r, i), lambda r, i, v: "yes" if v else "no", numeric=False),
        Column("count", "Devices", "Devices per replica (inference) or for the run (training).",
               _count, lambda r, i, v: "" if not np.isfinite(v) else f"{int(v)}"),
        Column("mem", "GB / device", "Memory needed per device / what the device has.",
               _mem, lambda r, i, v: "" if not np.isfinite(v) else
               f"{v:,.1f} / {r.estimates.table.memory_gb[i]:,.0f}"),
    ]
    if phase in ("inference", "both"):
        cols += [
            Column("cost_mtok", "$ / 1M tokens", GLOSSARY["cost_per_mtok"] + " " + GLOSSARY["range"],
                   _p("cost_usd_per_million_tokens"), lambda r, i, v: fmt_money(v),
                   ranged="cost_usd_per_million_tokens"),
            Column("latency", "Latency", "End-to-end request latency: TTFT + output tokens x TPOT. " + GLOSSARY["range"],
                   _p("request_latency_ms"), lambda r, i, v: fmt_ms(v), ranged="request_latency_ms"),
            Column("ttft", "TTFT", GLOSSARY["ttft"], _p("ttft_ms"), lambda r, i, v: fmt_ms(v)),
            Column("tpot", "TPOT", GLOSSARY["tpot"], _p("tpot_ms"), lambda r, i, v: fmt_ms(v)),
            Column("throughput", "Tokens/s", GLOSSARY["throughput"], _p("throughput_tokens_per_s"),
                   lambda r, i, v: fmt_num(v)),
            Column("energy", "Wh / request", GLOSSARY["energy"], _p("energy_wh_per_request"), lambda r, i, v: fmt_num(v)),
            Column("cost_year", "$ / year", "Cost of serving the traffic for a year (all replicas).",
                   _p("cost_usd_per_year"), lambda r, i, v: fmt_money(v), ranged="cost_usd_per_year"),
        ]
    if phase in ("training", "both"):
        cols += [
            Column("train_cost", "Training cost", "Cost of the whole training run. " + GLOSSARY["range"],
                   _p("train_cost_usd"), lambda r, i, v: fmt_money(v), ranged="train_cost_usd"),
            Column("train_days", "Days to train", "Wall-clock time of the run on the device count shown.",
                   lambda r, i: _p("time_hours")(r, i) / 24, lambda r, i, v: fmt_num(v)),
            Column("train_kwh", "kWh / run", "Energy of the training run, incl. PUE.", _p("energy_kwh"),
                   lambda r, i, v: fmt_num(v)),
        ]
    cols += [
        Column("to_buy", "To buy", "Devices to buy for the whole plan (replicas for the traffic at the target "
               "utilisation and latency; see the Plans view). Blank: planned for the top 25 only.",
               lambda r, i: _plan_value(r, i, "to_buy"), lambda r, i, v: "" if not np.isfinite(v) else f"{int(v):,}"),
        Column("upfront", "Upfront", "To buy x unit price + hosts to buy (advisor/plan.py).",
               lambda r, i: _plan_value(r, i, "upfront_usd"), lambda r, i, v: _plan_money(v)),
        Column("per_year", "Per year", "Running cost of the owned fleet: electricity incl. host power and PUE, "
               "plus hosting.", lambda r, i: _plan_value(r, i, "yearly_usd"), lambda r, i, v: _plan_money(v)),
        Column("tco3", "3-year TCO", "Owning for 3 years: upfront + 3 x per year (training: the run's capex).",
               lambda r, i: _plan_tco3(r, i), lambda r, i, v: _plan_money(v)),
    ]
    if phase == "both":
        cols += [
            Column("inf_share", "Inference share", "Share of lifetime cost (training + serving over the horizon) "
                   "that is inference.", _p("inference_share"),
                   lambda r, i, v: "" if not np.isfinite(v) else f"{v:.0%}"),
        ]
    cols += about
    cols += [
        Column("pareto", "Pareto", GLOSSARY["pareto"], lambda r, i: bool(r.ranking.pareto[i]),
               lambda r, i, v: "★" if v else "", numeric=False),
        Column("why", "Why", "The main reason (all reasons in the details below).",
               lambda r, i: r.reasons(i)[0] if r.reasons(i) else "", numeric=False),
    ]
    return cols


def _plan_value(r, i, key) -> float:
    plan = r.plan(i) if hasattr(r, "plan") else None
    v = (plan or {}).get(key)
    return float(v) if v is not None else math.nan


def _plan_tco3(r, i) -> float:
    from advisor.plan import tco_years

    plan = r.plan(i) if hasattr(r, "plan") else None
    v = tco_years(plan, 3) if plan else None
    return float(v) if v is not None else math.nan


def _plan_money(v) -> str:
    from advisor.plan import money

    return "" if not np.isfinite(v) else money(v)


_CLASSES: dict[int, tuple[dict, tuple[str, str]]] = {}


def _classify(r, i):
    """The training/inference class of row `i`: from the datasheet alone, so it is the same
    for every workload; kept per catalog row object (a new catalog makes new rows)."""
    row = r.estimates.table.rows[i]
    key = id(row)
    hit = _CLASSES.get(key)
    if hit is None or hit[0] is not row:
        from advisor.recommend import classify

        hit = _CLASSES[key] = (row, classify(row))
    return hit[1]


def _fits(r, i) -> bool:
    p = r.estimates.point
    ok = True
    if "inf_fits" in p:
        ok &= bool(p["inf_fits"][i])
    if "train_fits" in p:
        ok &= bool(p["train_fits"][i])
    return ok


def _count(r, i) -> float:
    p = r.estimates.point
    return float(p["train_devices"][i] if "train_devices" in p else p["inf_devices"][i])


def _mem(r, i) -> float:
    p = r.estimates.point
    return float(p["train_memory_per_device_gb"][i] if "train_memory_per_device_gb" in p
                 else p["inf_memory_per_device_gb"][i])


class CatalogModel(QAbstractTableModel):
    compare_toggled = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.results = None
        self.cols: list[Column] = []
        self.compare: set[str] = set()
        self.theme: Theme = LIGHT
        self._cache: dict[tuple[int, int], object] = {}
        self._rows = 0
        self._bold = QFont()
        self._bold.setBold(True)

    def set_results(self, results) -> None:
        self.beginResetModel()
        self.results = results
        self.cols = columns_for(results.ranking.phase)
        self._rows = len(results.estimates)
        self._cache.clear()
        self.endResetModel()

    def set_compare(self, ids) -> None:
        self.compare = set(ids)
        for key in [k for k in self._cache if len(k) == 3 and k[1] == 0]:
            del self._cache[key]
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0), [Qt.CheckStateRole])

    def rowCount(self, parent=None):  # asked thousands of times per paint: kept as a plain int
        return 0 if parent is not None and parent.isValid() else self._rows

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self.cols)

    def raw(self, row: int, col: int):
        key = (row, col)
        if key not in self._cache:
            self._cache[key] = self.cols[col].value(self.results, row)
        return self._cache[key]

    def device_id(self, row: int) -> str:
        return str(self.results.estimates.table.ids[row])

    def column_index(self, key: str) -> int:
        return next(k for k, c in enumerate(self.cols) if c.key == key)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation != Qt.Horizontal or section >= len(self.cols):
            return None
        c = self.cols[section]
        if role == Qt.DisplayRole:
            return c.header
        if role == Qt.ToolTipRole:
            return f"<p style='white-space:normal'>{plain.escape(c.tip)}</p>" if c.tip else None
        return None

    def flags(self, index):
        return _FLAGS_CHECKABLE if self.cols[index.column()].key == "compare" else _FLAGS

    def setData(self, index, value, role=Qt.EditRole):
        if role == Qt.CheckStateRole and self.cols[index.column()].key == "compare":
            self.compare_toggled.emit(self.device_id(index.row()))
            return True
        return False

    def _display(self, r: int, c: int) -> str:
        col = self.cols[c]
        if col.key == "optimized":
            return ""
        v = self.raw(r, c)
        text = col.text(self.results, r, v) if col.text else ("" if v is None else str(v))
        if col.ranged and text and text != "n/a":
            fmt = fmt_ms if col.key == "latency" else fmt_money
            rng = _range_text(self.results, r, col.ranged, fmt)
            return f"{text} ({rng})" if rng else text
        return text

    def sort_key(self, row: int, col: int):
        """Cached: the proxy asks for it twice per comparison while sorting."""
        key = (row, col, SORT_ROLE)
        if key not in self._cache:
            c = self.cols[col]
            v = self.raw(row, col)
            if c.key == "compare":
                k = 0 if self.device_id(row) in self.compare else 1
            elif c.numeric:
                # Always a float: Qt compares an int and a float QVariant as unordered, which
                # left ranks (int) and unranked rows (inf) unsorted.
                k = float(v) if v is not None and np.isfinite(v) else math.inf
            elif c.key in ("fits", "pareto"):
                k = 0 if v else 1
            else:
                k = str(v).lower()
            self._cache[key] = k
        return self._cache[key]

    def data(self, index, role=Qt.DisplayRole):
        # The view asks ~10 roles for every visible cell on every paint, and an edit repaints
        # the whole table: answer from plain ints and caches. (Reading a Qt enum attribute
        # such as Qt.FontRole costs microseconds in PySide6; the constants below are ints.)
        role = int(role)
        if role not in _ROLES or self.results is None:
            return None
        r, c = index.row(), index.column()
        if role == _DISPLAY:
            key = (r, c, role)
            text = self._cache.get(key)
            if text is None:
                text = self._cache[key] = self._display(r, c)
            return text
        if role == _SORT:
            return self.sort_key(r, c)
        col = self.cols[c]
        if role == _ALIGN:
            return _ALIGN_RIGHT if col.numeric else _ALIGN_LEFT
        results = self.results
        if role == _FG:
            if col.key == "fits":
                return None if self.raw(r, c) else self._brush("error")
            if col.key == "pareto":
                return self._brush("pareto") if self.raw(r, c) else None
            if r in results.ranking.excluded and col.key not in ("device", "why"):
                return self._brush("muted")
            return None
        if role == _FONT:
            return self._bold if (r in results.local or (col.key == "device" and r == results.focus)) else None
        if role == _BG:
            return self._brush("local") if r in results.local else None
        if role == _ID:
            return self.device_id(r)
        if role == _CHECK:
            if col.key != "compare":
                return None
            return Qt.Checked if self.device_id(r) in self.compare else Qt.Unchecked
        if role == _BADGE:
            return self.raw(r, c) if col.key == "optimized" else None
        if role == _TOOLTIP:
            if col.key == "optimized":
                cls, why = _classify(results, r)
                return plain.tip(f"{cls}: {why}")
            if col.key in ("why", "device"):
                return "<ul style='margin:0'>" + "".join(f"<li>{plain.escape(w)}</li>" for w in results.reasons(r)) + "</ul>"
            if col.ranged:
                return GLOSSARY["range"]
        return None

    def _brush(self, name: str) -> QBrush:
        """Brushes made once per theme (a paint asks for hundreds)."""
        key = (self.theme.name, name)
        brush = _BRUSHES.get(key)
        if brush is None:
            colour = self.theme.accent + "22" if name == "local" else getattr(self.theme, name)
            brush = _BRUSHES[key] = QBrush(QColor(colour))
        return brush


class BadgeDelegate(QStyledItemDelegate):
    """Paints 'Training' / 'Inference' as coloured pills."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme

    def paint(self, painter: QPainter, option, index):
        super().paint(painter, option, index)
        cls = index.data(BADGE_ROLE)
        if not cls:
            return
        training = cls.startswith("training")
        colour = QColor(self.theme.training if training else self.theme.inference)
        text = "Training" if training else "Inference"
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        fm = option.fontMetrics
        w = fm.horizontalAdvance(text) + 16
        h = fm.height() + 4
        rect = QRectF(option.rect.x() + 6, option.rect.center().y() - h / 2 + 1, w, h)
        from PySide6.QtWidgets import QStyle

        if option.state & QStyle.State_Selected:
            colour = QColor("#ffffff")
        fill = QColor(colour)
        fill.setAlpha(40)
        painter.setBrush(fill)
        painter.setPen(QPen(colour, 1))
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(colour.darker(115) if not self.theme.dark else colour.lighter(110))
        painter.drawText(rect, Qt.AlignCenter, text)
        painter.restore()


class CatalogFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = self.vendor = self.segment = self.price = ""
        self.fits_only = self.pareto_only = False
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_filters(self, **kw) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.__dict__.update(kw)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.__dict__.update(kw)
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent):
        m: CatalogModel = self.sourceModel()
        r = m.results
        if r is None:
            return False
        t = r.estimates.table
        if self.kind and t.kind[row] != self.kind:
            return False
        if self.vendor and t.vendor[row] != self.vendor:
            return False
        if self.segment and t.segment[row] != self.segment:
            return False
        if self.price == "cloud" and not np.isfinite(t.cloud_usd_per_hour[row]):
            return False
        if self.price == "owned" and not np.isfinite(t.launch_price_usd[row]):
            return False
        if self.price == "local" and row not in r.local:
            return False
        if self.fits_only and not _fits(r, row):
            return False
        if self.pareto_only and not r.ranking.pareto[row]:
            return False
        return not (self.text and self.text.lower() not in f"{t.names[row]} {t.ids[row]} {t.vendor[row]}".lower())


class RecommendationsView(QWidget):
    device_selected = Signal(str)
    compare_toggled = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = LIGHT
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        self.headline = QLabel("Computing…")
        self.headline.setProperty("role", "headline")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.RichText)  # names in it (workload, devices) go through plain.escape()
        self.headline.setObjectName("headline")
        lay.addWidget(self.headline)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search devices…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(130)
        self.search.setMaximumWidth(200)
        self.search.setAccessibleName("Search devices")
        self.search.setAccessibleDescription("Show only the devices whose name contains this text.")
        self.kind = self._combo("All kinds", bar)
        self.vendor = self._combo("All vendors", bar)
        self.segment = self._combo("All segments", bar)
        self.price = QComboBox()
        for label, key in (("Owned or cloud", ""), ("Cloud price (rent)", "cloud"),
                           ("Launch price (buy)", "owned"), ("This machine", "local")):
            self.price.addItem(label, key)
        self.price.setToolTip("Cloud: devices with an on-demand price per hour. Owned: devices with a launch price.")
        self.price.setAccessibleName("Price basis")
        self.price.setAccessibleDescription(self.price.toolTip())
        bar.insertWidget(0, self.search)
        bar.addWidget(self.price)
        self.fits_only = QCheckBox("Fits only")
        self.pareto_only = QCheckBox("Pareto only")
        self.pareto_only.setToolTip(GLOSSARY["pareto"])
        self.fits_only.setAccessibleName("Fits only")
        self.fits_only.setAccessibleDescription("Show only the devices the workload fits on.")
        self.pareto_only.setAccessibleName("Pareto only")
        self.pareto_only.setAccessibleDescription(GLOSSARY["pareto"])
        bar.addWidget(self.fits_only)
        bar.addWidget(self.pareto_only)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.count = QLabel()
        self.count.setProperty("role", "muted")

        self.model = CatalogModel(self)
        self.proxy = CatalogFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("catalog-table")
        self.table.setAccessibleName("Recommended devices")
        self.table.setAccessibleDescription("Every catalog device ranked for the workload; tick Compare to compare up to four.")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.setWordWrap(False)
        # Tab moves on to the next control (the details, the form), as everywhere else; the
        # arrow keys move between rows. (Tab walking 19 cells per row trapped keyboard users.)
        self.table.setTabKeyNavigation(False)
        self.badges = BadgeDelegate(self.theme, self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.model.compare_toggled.connect(self.compare_toggled)

        self.details = QTextBrowser()
        self.details.setObjectName("details")
        self.details.setAccessibleName("Device details")
        self.details.setAccessibleDescription("Why the selected device ranks where it does, with its figures.")
        self.details.setOpenLinks(False)
        self.details.setFrameShape(QFrame.StyledPanel)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 150])
        lay.addWidget(split, 1)
        lay.addWidget(self.count)

        self.search.textChanged.connect(lambda t: self._filter(text=t))
        self.kind.currentIndexChanged.connect(lambda _: self._filter(kind=self.kind.currentData() or ""))
        self.vendor.currentIndexChanged.connect(lambda _: self._filter(vendor=self.vendor.currentData() or ""))
        self.segment.currentIndexChanged.connect(lambda _: self._filter(segment=self.segment.currentData() or ""))
        self.price.currentIndexChanged.connect(lambda _: self._filter(price=self.price.currentData() or ""))
        self.fits_only.toggled.connect(lambda v: self._filter(fits_only=v))
        self.pareto_only.toggled.connect(lambda v: self._filter(pareto_only=v))
        self._selected: str | None = None
        self._sized = False

    def _combo(self, label: str, bar) -> QComboBox:
        c = QComboBox()
        c.addItem(label, "")
        c.setAccessibleName(f"Filter: {label.removeprefix('All ')}")
        c.setAccessibleDescription(f"Show only the devices of one of the {label.removeprefix('All ')}.")
        c.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        bar.addWidget(c)
        return c

    def _filter(self, **kw) -> None:
        self.proxy.set_filters(**kw)
        self._update_count()

    def _update_count(self) -> None:
        r = self.model.results
        if r is not None:
            self.count.setText(f"{self.proxy.rowCount()} shown · {device_count_text(r)} · "
                               f"{len(r.ranking.order)} ranked · computed in {r.compute_ms:.0f} ms")

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.model.theme = theme
        self.badges.theme = theme
        self.table.viewport().update()

    @staticmethod
    def _fill(combo: QComboBox, values) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for v in sorted(set(values)):
            combo.addItem(str(v), str(v))
        i = combo.findData(current)
        combo.setCurrentIndex(max(0, i))
        combo.blockSignals(False)

    def set_results(self, results) -> None:
        t = results.estimates.table
        self._fill(self.kind, t.kind)
        self._fill(self.vendor, t.vendor)
        self._fill(self.segment, t.segment)
        header = self.table.horizontalHeader()
        sort_col, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        old_keys = [c.key for c in self.model.cols]
        sort_key = old_keys[sort_col] if 0 <= sort_col < len(old_keys) else "rank"
        self.model.set_results(results)
        keys = [c.key for c in self.model.cols]
        self.table.setItemDelegateForColumn(keys.index("optimized"), self.badges)
        self.table.sortByColumn(keys.index(sort_key) if sort_key in keys else 1, order)
        if not self._sized or old_keys != keys:
            self._size_columns()
        else:
            self._size_ranged()
        self._update_count()
        self._headline(results)
        self._reselect()

    def _size_columns(self) -> None:
        self._sized = True
        widths = {"compare": 72, "rank": 30, "device": 174, "optimized": 112, "kind": 84, "vendor": 80, "segment": 92,
                  "fits": 40, "count": 62, "mem": 92, "cost_mtok": 150, "latency": 150, "ttft": 70, "tpot": 70,
                  "throughput": 76, "energy": 90, "cost_year": 150, "train_cost": 160, "train_days": 96,
                  "train_kwh": 80, "inf_share": 110, "pareto": 52}
        for k, c in enumerate(self.model.cols):
            if c.key in widths and not c.ranged:
                self.table.setColumnWidth(k, widths[c.key])
        self._size_ranged()

    def _size_ranged(self) -> None:
        """Columns with a range ("$0.106  ($0.0915 – $0.130)") as wide as their longest text:
        never cut, and no wider (they must fit beside the form at 1024 px)."""
        fm = self.table.fontMetrics()
        for k, c in enumerate(self.model.cols):
            if c.ranged:
                texts = [self.model.data(self.model.index(r, k)) or "" for r in range(self.model.rowCount())]
                header = fm.horizontalAdvance(c.header) + 24
                self.table.setColumnWidth(k, max([header, *(fm.horizontalAdvance(t) + 14 for t in texts)]))

    def _headline(self, r) -> None:
        best = r.ranking.best()
        wl = r.workload
        if best is None:
            self.headline.setText("No device in the catalog fits this workload with a known price. "
                                  "See <i>Why</i> for each device.")
            return
        p = r.estimates.point
        name = r.estimates.table.names[best]
        phase = {"inference": "serving", "training": "training", "both": "training + serving"}[r.ranking.phase]
        bits = [f"Best for {phase} <b>{html.escape(wl.name or 'this workload')}</b>: <b>{html.escape(str(name))}</b>"]
        if r.ranking.phase == "training":
            bits.append(f"{fmt_money(p['train_cost_usd'][best])} in {p['time_hours'][best] / 24:,.1f} days")
        else:
            if np.isfinite(p["cost_usd_per_million_tokens"][best]):
                bits.append(f"{fmt_money(p['cost_usd_per_million_tokens'][best])} per 1M tokens")
            bits.append(f"{fmt_ms(p['request_latency_ms'][best])} per request")
        if r.ranking.phase == "both":
            from advisor.recommend import rank

            extra = []
            for phase_name in ("training", "inference"):
                b = rank(r.estimates, phase_name).best()
                if b is not None:
                    extra.append(f"{phase_name} alone: {html.escape(str(r.estimates.table.names[b]))}")
            if np.isfinite(p["inference_share"][best]):
                bits.append(f"inference is {p['inference_share'][best]:.0%} of the lifetime cost")
            if extra:
                bits.append("best for " + "; ".join(extra))
        self.headline.setText(" · ".join(bits))

    # ---- selection ----------------------------------------------------------------------
    def select_device(self, device_id: str | None) -> None:
        self._selected = device_id
        self._reselect()

    def _reselect(self) -> None:
        r = self.model.results
        if r is None:
            return
        dev = self._selected
        if dev is None and r.focus is not None:
            dev = str(r.estimates.table.ids[r.focus])
        ids = list(r.estimates.table.ids)
        if dev in ids:
            src = self.model.index(ids.index(dev), 2)
            idx = self.proxy.mapFromSource(src)
            if idx.isValid():
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(idx.row())
                self.table.selectionModel().blockSignals(False)
                self.table.scrollTo(idx, QAbstractItemView.EnsureVisible)
            self._show_details(ids.index(dev))

    def _on_current(self, current, _previous) -> None:
        if not current.isValid():
            return
        dev = self.proxy.data(current, ID_ROLE)
        self._selected = dev
        ids = list(self.model.results.estimates.table.ids)
        self._show_details(ids.index(dev))
        self.device_selected.emit(dev)

    def _show_details(self, i: int) -> None:
        r = self.model.results
        t = r.estimates.table
        cls, why = _classify(r, i)
        colour = self.theme.training if cls.startswith("training") else self.theme.inference
        pos = r.position(i)
        rank_text = f"#{pos + 1} of {len(r.ranking.order)}" if pos is not None else "not ranked"
        local = f" · <b>{plain.escape(r.local[i])}</b>" if i in r.local else ""
        cal = " · calibrated by a probe" if r.estimates.calibrated[i] else ""
        e = plain.escape  # names, vendors and reasons may come from someone's overlay
        html = [f"<p><span style='font-size:12pt; font-weight:600'>{e(t.names[i])}</span> &nbsp; "
                f"<span style='color:{colour}; font-weight:600'>{e(cls)}</span> "
                f"<span style='color:{self.theme.muted}'>({e(why)})</span><br>"
                f"<span style='color:{self.theme.muted}'>{rank_text}{local}{cal} · {e(t.vendor[i])} {e(t.kind[i])}, "
                f"{e(t.segment[i])} · {t.memory_gb[i]:g} GB"
                + (" (assumed)" if t.memory_assumed[i] else "")
                + (f", {t.bandwidth_gbps[i]:,.0f} GB/s" if np.isfinite(t.bandwidth_gbps[i]) else "") + "</span></p>",
                "<ul style='margin-top:0'>" + "".join(f"<li>{e(w)}</li>" for w in r.reasons(i)) + "</ul>"]
        self.details.setHtml("".join(html))  # every file text above went through plain.escape()

    # ---- export ------------------------------------------------------------------------
    def table_rows(self) -> tuple[list[str], list[list]]:
        """The visible rows in the visible order, for CSV: header and raw values."""
        cols = [k for k, c in enumerate(self.model.cols) if c.key not in ("compare", "optimized")]
        header = ["device_id"] + [self.model.cols[k].header for k in cols] + ["optimized_for"]
        out = []
        for row in range(self.proxy.rowCount()):
            src = self.proxy.mapToSource(self.proxy.index(row, 0)).row()
            vals = [self.model.device_id(src)]
            for k in cols:
                v = self.model.raw(src, k)
                vals.append("" if isinstance(v, float) and not np.isfinite(v) else v)
            vals.append(_classify(self.model.results, src)[0])
            out.append(vals)
        return header, out
