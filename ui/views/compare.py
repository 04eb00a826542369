"""Up to four devices side by side on the dimensions of the training-vs-inference comparison:
memory, bandwidth, precision support, latency, throughput, energy, cost structure, scaling.
The best value of each row is marked."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import plain
from ui.charts import fmt_money, fmt_ms, fmt_num
from ui.glossary import GLOSSARY
from ui.theme import LIGHT


def _p(key, scale=1.0):
    def get(r, i):
        p = r.estimates.point
        return float(p[key][i]) * scale if key in p else math.nan
    return get


def _t(attr):
    return lambda r, i: float(getattr(r.estimates.table, attr)[i])


def _peak(prec):
    return lambda r, i: float(r.estimates.table.peaks_tflops[prec][i])


def _row(key):
    return lambda r, i: r.estimates.table.rows[i].get(key) or ""


# (section, label, getter, formatter, better: "low" | "high" | None, tooltip)
DIMENSIONS = [
    ("Role", "Optimized for", lambda r, i: _cls(r, i), str, None, GLOSSARY["optimized"]),
    ("Memory", "Capacity per device", _t("memory_gb"), lambda v: fmt_num(v, "GB"), "high",
     "Holds weights, KV cache (serving) or weights + gradients + optimizer state + activations (training)."),
    ("Memory", "Memory type", _row("memory_type"), str, None, ""),
    ("Memory", "Needed per device", lambda r, i: _need(r, i), lambda v: fmt_num(v, "GB"), None, ""),
    ("Bandwidth", "Memory bandwidth", _t("bandwidth_gbps"), lambda v: fmt_num(v, "GB/s"), "high",
     "Decode at small batch is bandwidth-bound: tokens/s per stream ≈ bandwidth / model bytes."),
    ("Precision", "FP32", _peak("fp32"), lambda v: fmt_num(v, "TFLOPS"), "high", "Dense peak."),
    ("Precision", "BF16", _peak("bf16"), lambda v: fmt_num(v, "TFLOPS"), "high", "Dense peak: the training default."),
    ("Precision", "FP8", _peak("fp8"), lambda v: fmt_num(v, "TFLOPS"), "high", "Dense peak (Hopper/Ada and later)."),
    ("Precision", "INT8", _peak("int8"), lambda v: fmt_num(v, "TOPS"), "high", "Dense peak: quantised inference."),
    ("Precision", "INT4", _peak("int4"), lambda v: fmt_num(v, "TOPS"), "high", "Dense peak."),
    ("Latency", "TTFT", _p("ttft_ms"), fmt_ms, "low", GLOSSARY["ttft"]),
    ("Latency", "TPOT", _p("tpot_ms"), fmt_ms, "low", GLOSSARY["tpot"]),
    ("Latency", "Request latency", _p("request_latency_ms"), fmt_ms, "low", ""),
    ("Latency", "Time to train", _p("time_hours", 1 / 24), lambda v: fmt_num(v, "days"), "low", ""),
    ("Throughput", "Tokens/s per replica", _p("throughput_tokens_per_s"), lambda v: fmt_num(v, "tok/s"), "high",
     GLOSSARY["throughput"]),
    ("Throughput", "Decode bound", lambda r, i: _bound(r, i), str, None, GLOSSARY["roofline"]),
    ("Energy", "TDP", _t("tdp_w"), lambda v: fmt_num(v, "W"), "low", ""),
    ("Energy", "Energy per request", _p("energy_wh_per_request"), lambda v: fmt_num(v, "Wh"), "low", GLOSSARY["energy"]),
    ("Energy", "Energy per training run", _p("energy_kwh"), lambda v: fmt_num(v, "kWh"), "low", ""),
    ("Cost", "Cloud price", _t("cloud_usd_per_hour"), lambda v: fmt_money(v) + "/h" if np.isfinite(v) else "n/a",
     "low", "On-demand price per device-hour."),
    ("Cost", "Launch price", _t("launch_price_usd"), fmt_money, "low", "Price to buy one device."),
    ("Cost", "$ per 1M tokens", _p("cost_usd_per_million_tokens"), fmt_money, "low", GLOSSARY["cost_per_mtok"]),
    ("Cost", "Serving per year", _p("cost_usd_per_year"), fmt_money, "low", ""),
    ("Cost", "Training run", _p("train_cost_usd"), fmt_money, "low", ""),
    ("Cost", "Buying pays off after", _p("buy_vs_rent_break_even_months"), lambda v: fmt_num(v, "months"), "low",
     "Months after which buying the fleet (and paying its electricity) costs less than renting it."),
    ("Scaling", "Interconnect", lambda r, i: _link(r, i), str, None, "Device-to-device link for tensor "
     "parallelism and gradient all-reduce."),
    ("Scaling", "Devices per replica / run", lambda r, i: _devices(r, i), str, None, ""),
    ("Scaling", "Training scaling efficiency", _p("train_scaling_efficiency"),
     lambda v: f"{v:.0%}" if np.isfinite(v) else "n/a", "high", ""),
    # The purchase plan of each device (advisor/plan.py; the Plans view shows all of it).
    ("Plan", "Devices in the plan", lambda r, i: _plan(r, i, "devices_total"),
     lambda v: f"{int(v):,}" if np.isfinite(v) else "n/a", "low", "Devices per replica x replicas for the traffic."),
    ("Plan", "To buy", lambda r, i: _plan(r, i, "to_buy"), lambda v: f"{int(v):,}" if np.isfinite(v) else "n/a",
     "low", "Devices to buy for the plan."),
    ("Plan", "Upfront", lambda r, i: _plan(r, i, "upfront_usd"), fmt_money, "low",
     "To buy x unit price + hosts to buy."),
    ("Plan", "Per year", lambda r, i: _plan(r, i, "yearly_usd"), fmt_money, "low",
     "Electricity (with host power and PUE) and hosting of the owned fleet."),
    ("Plan", "3-year TCO", lambda r, i: _plan_tco3(r, i), fmt_money, "low", "Upfront + 3 x per year."),
]


def _plan(r, i, key):
    plan = r.plan(i) if hasattr(r, "plan") else None
    v = (plan or {}).get(key)
    return float(v) if v is not None else math.nan


def _plan_tco3(r, i):
    from advisor.plan import tco_years

    plan = r.plan(i) if hasattr(r, "plan") else None
    v = tco_years(plan, 3) if plan else None
    return float(v) if v is not None else math.nan


def _cls(r, i):
    from advisor.recommend import classify

    return classify(r.estimates.table.rows[i])[0]


def _need(r, i):
    p = r.estimates.point
    return float(p["train_memory_per_device_gb"][i] if "train_memory_per_device_gb" in p
                 else p["inf_memory_per_device_gb"][i])


def _bound(r, i):
    p = r.estimates.point
    return ("compute-bound" if p["bound_compute"][i] else "memory-bound") if "bound_compute" in p else "n/a"


def _link(r, i):
    row = r.estimates.table.rows[i]
    gbps = r.estimates.table.interconnect_gbps[i]
    name = row.get("interconnect") or "PCIe"
    return f"{name} ({gbps:,.0f} GB/s)" if np.isfinite(gbps) else name


def _devices(r, i):
    p = r.estimates.point
    parts = []
    for key, label in (("inf_devices", "serve"), ("train_devices", "train")):
        if key in p:
            v = p[key][i]
            parts.append(f"{label}: {int(v)}" if np.isfinite(v) else f"{label}: does not fit")
    return ", ".join(parts)


class CompareView(QWidget):
    remove_requested = Signal(str)
    clear_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = LIGHT
        self.results = None
        self.ids: list[str] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.title = QLabel("Compare")
        self.title.setTextFormat(Qt.RichText)  # the workload name in it goes through plain.escape()
        self.title.setProperty("role", "headline")
        top.addWidget(self.title, 1)
        self.clear_btn = QPushButton("Clear comparison")
        self.clear_btn.clicked.connect(self.clear_requested)
        self.clear_btn.setAccessibleName("Clear comparison")
        self.clear_btn.setAccessibleDescription("Remove every device from the comparison.")
        top.addWidget(self.clear_btn)
        lay.addLayout(top)
        self.hint = QLabel("Tick up to four devices in the <b>Compare</b> column of the Recommendations table "
                           "(or click points in the Trade-offs charts and press <b>Ctrl+D</b>) to compare them here.")
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "muted")
        lay.addWidget(self.hint)
        self.table = QTableWidget()
        self.table.setObjectName("compare-table")
        self.table.setAccessibleName("Compared devices")
        self.table.setAccessibleDescription("The compared devices' figures side by side, one column each.")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(23)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.horizontalHeader().setTextElideMode(Qt.ElideRight)
        self.table.horizontalHeader().sectionDoubleClicked.connect(self._on_header)
        lay.addWidget(self.table, 1)

    def set_theme(self, theme) -> None:
        self.theme = theme
        self.refresh()

    def set_results(self, results) -> None:
        self.results = results
        self.refresh()

    def set_devices(self, ids: list[str]) -> None:
        self.ids = list(ids)
        self.refresh()

    def set_machines(self, options: dict) -> None:
        """Machines from the probe history that can be columns: id -> (row, calibration)
        (`advisor.machines.machine_options`)."""
        self.machines = dict(options)
        self.refresh()

    def _columns(self, r) -> list[tuple[object, int]]:
        """(results-like, index) per column: catalog devices from the results, machines priced
        here with their own measured calibration."""
        from types import SimpleNamespace

        from advisor.model.devices import DeviceTable
        from advisor.model.estimate import estimate_table

        all_ids = list(r.estimates.table.ids)
        cols = []
        for d in self.ids:
            if d in all_ids:
                cols.append((r, all_ids.index(d)))
            elif d in getattr(self, "machines", {}):
                row, cal = self.machines[d]
                est = estimate_table(r.workload, DeviceTable.from_rows([row]),
                                     calibrations={d: cal} if cal is not None else None)
                cols.append((SimpleNamespace(estimates=est, workload=r.workload), 0))
        return cols

    def _on_header(self, col: int) -> None:
        if 0 <= col < len(self._shown):
            self.remove_requested.emit(self._shown[col])

    def refresh(self) -> None:
        r = self.results
        self._shown: list[str] = []
        if r is None:
            return
        cols = self._columns(r)
        self._shown = [str(res.estimates.table.ids[i]) for res, i in cols]
        n = len(cols)
        self.hint.setVisible(n < 2)
        self.clear_btn.setEnabled(bool(n))
        self.title.setText(f"Compare {n} device{'s' if n != 1 else ''} for "
                           f"<b>{plain.escape(r.workload.name or 'this workload')}</b>" if n else "Compare")
        rows = [d for d in DIMENSIONS if any(_has(d, res, i) for res, i in cols)] if n else []
        self.table.clear()
        self.table.setColumnCount(n)
        self.table.setRowCount(len(rows))
        names = [str(res.estimates.table.names[i]) for res, i in cols]
        self.table.setHorizontalHeaderLabels(names)
        for c, name in enumerate(names):
            machine = self._shown[c].startswith("machine:")
            self.table.horizontalHeaderItem(c).setToolTip(plain.tip(
                f"{name}: {'a machine from the probe history, priced with its own measured figures; ' if machine else ''}"
                "double-click to remove from the comparison"))
        self.table.setVerticalHeaderLabels([f"{sec} · {label}" for sec, label, *_ in rows])
        bold = QFont()
        bold.setBold(True)
        for k, (_sec, _label, get, fmt, better, tip) in enumerate(rows):
            vals = [get(res, i) for res, i in cols]
            best = None
            nums = [v for v in vals if isinstance(v, float) and np.isfinite(v)]
            if better and len(nums) >= 2 and len(set(nums)) > 1:
                best = min(nums) if better == "low" else max(nums)
            for c, v in enumerate(vals):
                text = fmt(v) if not (isinstance(v, float) and not np.isfinite(v)) else "n/a"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                if tip:
                    item.setToolTip(tip)
                if best is not None and v == best:
                    item.setFont(bold)
                    item.setForeground(QBrush(QColor(self.theme.ok)))
                    item.setText(text + "  ✓")
                elif text == "n/a":
                    item.setForeground(QBrush(QColor(self.theme.muted)))
                if _label == "Optimized for":
                    colour = self.theme.training if str(v).startswith("training") else self.theme.inference
                    item.setForeground(QBrush(QColor(colour)))
                    item.setFont(bold)
                self.table.setItem(k, c, item)


def _has(dim, r, i) -> bool:
    v = dim[2](r, i)
    return not (isinstance(v, float) and not np.isfinite(v)) and v != ""
