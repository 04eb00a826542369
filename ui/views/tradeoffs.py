"""The trade-off charts (pyqtgraph): cost vs latency with the Pareto front, energy, lifecycle
cost, roofline, memory breakdown, latency and throughput vs batch size. Hover a point for its
figures; click a device's point to select it everywhere. Drawing is `ui.charts`' job."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ui import charts
from ui.charts import fmt_money, fmt_ms
from ui.theme import LIGHT, Theme

pg.setConfigOptions(antialias=True)


class ChartTab(QWidget):
    """One tab: a GraphicsLayoutWidget with one or two plots and a caption underneath."""

    def __init__(self, key: str, n_plots: int, parent=None):
        super().__init__(parent)
        self.key = key
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setObjectName(f"chart:{key}")
        self.plots = [self.canvas.addPlot(row=0, col=k) for k in range(n_plots)]
        for p in self.plots:
            p.setMenuEnabled(False)
            p.getViewBox().setMouseEnabled(x=True, y=True)
        lay.addWidget(self.canvas, 1)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.RichText)  # device names in captions go through html.escape()
        self.caption.setProperty("role", "muted")
        self.caption.setObjectName(f"caption:{key}")
        lay.addWidget(self.caption)


class TradeoffsView(QWidget):
    device_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme: Theme = LIGHT
        self.results = None
        self.selected: str | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("chart-tabs")
        self.tabs.setDocumentMode(True)
        self.tab: dict[str, ChartTab] = {}
        for key, title in charts.CHARTS:
            tab = ChartTab(key, 2 if key in ("batch", "energy") else 1)
            self.tab[key] = tab
            self.tabs.addTab(tab, title)
        lay.addWidget(self.tabs, 1)
        self._dirty: set[str] = set()
        self.tabs.currentChanged.connect(self._on_tab_changed)

    # ---- in ---------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for tab in self.tab.values():
            tab.canvas.setBackground(theme.chart_bg)
        if self.results is not None:
            self.redraw()

    def set_results(self, results) -> None:
        self.results = results
        self.redraw()

    def _on_tab_changed(self, _index: int) -> None:
        if self.results is not None and self.current_key() in self._dirty:
            self.redraw([self.current_key()])

    def select_device(self, device_id: str | None) -> None:
        if device_id != self.selected:
            self.selected = device_id
            if self.results is not None:
                self.redraw(("cost_vs_latency", "energy", "roofline"))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.results is not None and self.current_key() in self._dirty:
            self.redraw([self.current_key()])

    def current_canvas(self):
        """The chart on screen, drawn up to date first (an export may come while hidden)."""
        if self.results is not None and self.current_key() in self._dirty:
            self.redraw([self.current_key()], all_tabs=True)
        return self.tabs.currentWidget().canvas

    def current_key(self) -> str:
        return self.tabs.currentWidget().key

    # ---- drawing ----------------------------------------------------------------------
    def redraw(self, keys=None, *, all_tabs: bool = False) -> None:
        """Redraw `keys` (default: every chart). Only the chart on screen is drawn now; the
        others are marked and drawn when their tab is shown (or all at once with all_tabs)."""
        r, th = self.results, self.theme
        d = r.charts
        names = r.estimates.table.names
        local = {str(r.estimates.table.ids[i]) for i in r.local}
        keys = keys or [k for k, _ in charts.CHARTS]
        self._dirty.update(keys)
        if not all_tabs:
            # Only the chart on screen is drawn now; a hidden view draws when it is shown.
            keys = [k for k in keys if k == self.current_key() and self.isVisible()]
        for key in keys:
            self._dirty.discard(key)
            tab = self.tab[key]
            p = tab.plots
            if key == "cost_vs_latency":
                charts.draw_cost_vs_latency(p[0], d["cost_vs_latency"], theme=th, selected=self.selected, local=local)
                cvl = d["cost_vs_latency"]
                front = [str(n) for n, f in zip(cvl["names"], cvl["pareto"]) if f]
                tab.caption.setText(
                    f"{charts.plural(len(cvl['ids']), 'device')} that fit and have a price. <b>Pareto front</b> over "
                    f"cost, latency and energy (green): {html.escape(', '.join(front[:6])) or 'none'}{'…' if len(front) > 6 else ''}; the dashed "
                    "staircase is the cost-latency front alone. Hover a point for its figures; click it to select it.")
            elif key == "energy":
                e = d["energy"]
                metrics = [m for m in ("wh_per_request", "kwh_per_training_run") if m in e]
                for k, plot in enumerate(p):
                    if k < len(metrics):
                        charts.draw_energy(plot, e, theme=th, metric=metrics[k], selected=self.selected)
                        plot.setVisible(True)
                    else:
                        charts.reset(plot)
                        plot.setVisible(False)
                tab.caption.setText("Energy at the wall for the top-ranked devices (average power incl. idle time "
                                    "between requests, times the facility's PUE). Serving pays it on every request; "
                                    "training pays it once.")
            elif key == "lifecycle":
                if "lifecycle" in d:
                    lc = d["lifecycle"]
                    charts.draw_lifecycle(p[0], lc, theme=th)
                    over = lc["overtakes_month"]
                    share = lc["inference_share_at_horizon"]
                    tab.caption.setText(
                        f"On <b>{html.escape(str(lc['device']))}</b>: training costs {fmt_money(lc['training'][0])} once; serving "
                        f"costs {fmt_money(lc['inference'][1] if len(lc['inference']) > 1 else np.nan)} a month"
                        + (f" and overtakes training in month <b>{over:.1f}</b>" if np.isfinite(over) else "")
                        + (f"; at the {lc['horizon_months']}-month horizon inference is <b>{share:.0%}</b> of the "
                           "lifetime cost." if np.isfinite(share) else "."))
                else:
                    charts.empty(p[0], th, "Lifecycle cost", "Tick both 'Serve it' and 'Train it' in the workload\n"
                                 "to see training against growing inference cost.")
                    tab.caption.setText("The lifecycle view needs a workload with both a training and an inference "
                                        "section.")
            elif key == "roofline":
                charts.draw_roofline(p[0], d["roofline"], theme=th, selected=self.selected)
                meas = d["roofline"].get("measured")
                tab.caption.setText(
                    "Each line is a device's roof: bandwidth-limited left of its ridge point, compute-limited right "
                    "of it. Dashed verticals: this workload's arithmetic intensity per phase."
                    + (" The star is this machine as measured by the probe." if meas else
                       " Run a probe (This machine) to add the measured point."))
            elif key == "memory":
                charts.draw_memory(p[0], d["memory"], theme=th)
                tab.caption.setText("Memory needed per device by category against each device's capacity (▲). "
                                    "Training holds gradients and optimizer state; serving holds the KV cache.")
            elif key == "batch":
                if "batch" in d and len(d["batch"]["batch"]):
                    charts.draw_batch_latency(p[0], d["batch"], theme=th)
                    charts.draw_batch_throughput(p[1], d["batch"], theme=th)
                    p[1].setVisible(True)
                    b = d["batch"]
                    tab.caption.setText(
                        f"On <b>{html.escape(str(b['device']))}</b> ({b['count']} device{'s' if b['count'] != 1 else ''} per replica): "
                        f"batch 1 answers in {fmt_ms(b['latency_ms'][0])}; batch {int(b['batch'][-1])} in "
                        f"{fmt_ms(b['latency_ms'][-1])} at {b['throughput'][-1] / max(b['throughput'][0], 1e-12):.0f}x "
                        "the throughput. Red points do not fit in memory.")
                else:
                    charts.empty(p[0], th, "Batch size", "Batch sweeps need an inference section.")
                    charts.reset(p[1])
                    p[1].setVisible(False)
                    tab.caption.setText("")
            for plot in p:
                self._connect_clicks(plot, names)

    def _connect_clicks(self, plot, names) -> None:
        for item in plot.items:
            if isinstance(item, pg.ScatterPlotItem) and not getattr(item, "_hw_clicks", False):
                item.sigClicked.connect(self._on_points_clicked)
                item._hw_clicks = 1

    def _on_points_clicked(self, _item, points, _ev=None) -> None:
        if not len(points) or self.results is None:
            return
        dev = points[0].data()
        if isinstance(dev, str) and dev in set(self.results.estimates.table.ids):
            self.device_clicked.emit(dev)
