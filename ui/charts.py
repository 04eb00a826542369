"""Chart builders shared by the Trade-offs view and the PDF report.

Each `draw_<chart>(plot, data, *, theme, ...)` draws one dict from `advisor.sweeps` onto a
given `pyqtgraph.PlotItem`. No modelling happens here: every number drawn comes from the
data dict, so tests compare the drawn items with the model's output. Scatter points carry
the device id as their data, so a view can make a click select the device; `hoverable`
points show their figures in a tool tip.

    import pyqtgraph as pg
    from ui import charts, theme
    w = pg.PlotWidget(); charts.draw_lifecycle(w.getPlotItem(), data, theme=theme.LIGHT)
"""

from __future__ import annotations

import functools
import html
import math

import numpy as np
import pyqtgraph as pg

from ui.theme import Theme

KIND_SYMBOL = {"gpu": "o", "cpu": "s", "accelerator": "d"}
MEMORY_PARTS = ("weights", "gradients", "optimizer", "activations", "kv_cache", "overhead")
PART_LABEL = {"weights": "Weights", "gradients": "Gradients", "optimizer": "Optimizer state",
              "activations": "Activations", "kv_cache": "KV cache", "overhead": "Runtime overhead"}


# ---- formatting ---------------------------------------------------------------------------
def fmt_money(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.2f}M"
    if abs(x) >= 1000:
        return f"${x:,.0f}"
    if abs(x) >= 1:
        return f"${x:,.2f}"
    return f"${x:.3g}"


def fmt_num(x: float, unit: str = "") -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 100:
        s = f"{x:,.0f}"
    elif a >= 1e-3 or a == 0:
        s = f"{x:.3g}"
    else:  # 0.0000881, never 8.81e-05: people read decimals
        s = np.format_float_positional(x, precision=3, unique=False, fractional=False, trim="-")
    return f"{s} {unit}".strip()


def fmt_ms(ms: float) -> str:
    if ms is None or not np.isfinite(ms):
        return "n/a"
    if ms >= 60_000:
        return f"{ms / 60_000:.1f} min"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.3g} ms"


def plural(n: int, word: str) -> str:
    """'1 device', '3 devices'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# ---- shared plumbing ----------------------------------------------------------------------
def reset(plot: pg.PlotItem) -> None:
    """Empty a plot (items, legend, log mode, fixed ticks) before drawing on it again."""
    plot.clear()
    if plot.legend is not None:
        plot.legend.clear()
        plot.legend.setVisible(True)
    plot.setLogMode(False, False)
    plot.enableAutoRange()  # an empty chart fixed the ranges at 0-1: a new drawing starts afresh
    for name in ("left", "bottom"):
        plot.getAxis(name).setTicks(None)
        plot.showAxis(name)
    plot.showGrid(x=False, y=False)


def plain_number(x: float) -> str:
    """A tick value as people write it: 0.25, 7, 7,000, 20k, 3M, 1.5G."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}G"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e4:
        return f"{x / 1e3:.3g}k"
    if a >= 1:
        return f"{x:,.0f}" if a >= 10 else f"{x:.2g}"
    return f"{x:.2g}"


def _log_tick_values(axis, min_val, max_val, size):
    """Tick positions on a log axis (values are log10 of the data): decades, then 2 and 5 times
    them, then finer steps when the range is under a decade, so a zoomed-in or narrow range
    still has labelled ticks (pyqtgraph labels only whole decades)."""
    lo, hi = sorted((min_val, max_val))
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo <= 0:
        return []
    decades = np.arange(math.floor(lo), math.ceil(hi) + 1)
    levels = []
    for mults in ((1,), (2, 5), (1.5, 3, 4, 6, 7, 8, 9)):
        vals = [float(d + math.log10(m)) for d in decades for m in mults if lo <= d + math.log10(m) <= hi]
        levels.append(vals)
    out, shown = [], 0
    for spacing, vals in zip((1.0, 0.3, 0.1), levels):
        if shown >= 4 or not vals:
            continue
        if hi - lo > 6 and spacing < 1:
            break  # many decades: decades only
        out.append((spacing, vals))
        shown += len(vals)
    if shown < 2:  # under a factor of ~1.5: evenly spaced values at 2 significant digits
        vals = sorted({float(np.log10(float(f"{10 ** v:.2g}"))) for v in np.linspace(lo, hi, 5)[1:-1]})
        out.append((0.05, [v for v in vals if lo <= v <= hi]))
    return out


def _tick_values(axis, min_val, max_val, size):
    if axis.logMode:
        return _log_tick_values(axis, min_val, max_val, size)
    return pg.AxisItem.tickValues(axis, min_val, max_val, size)


def _tick_strings(axis, values, scale, spacing) -> list[str]:
    """Axis labels as plain numbers; keeps enough digits to tell neighbours apart. On a log
    axis the values are log10 of the data."""
    if axis.logMode:
        return [plain_number(float(f"{10 ** v:.2g}")) for v in values]
    step = abs(spacing * scale) if spacing else 0
    out = []
    for v in values:
        x = v * scale
        if step and step < 1 and abs(x) < 1e4:
            digits = max(0, min(6, -math.floor(math.log10(step))))
            out.append(f"{x:.{digits}f}")
        else:
            out.append(plain_number(x) if abs(x) >= 1 or x == 0 else f"{x:.2g}")
    return out


def style(plot: pg.PlotItem, theme: Theme, title: str, x: str, y: str, *, legend: bool = False,
          legend_at: tuple[int, int] = (-10, 10)) -> None:
    plot.setTitle(f"<span style='font-size:11pt; font-weight:600'>{html.escape(title)}</span>", color=theme.chart_fg)
    for name, label in (("bottom", x), ("left", y)):
        ax = plot.getAxis(name)
        ax.setPen(pg.mkPen(theme.chart_fg, width=1))
        ax.setTextPen(pg.mkPen(theme.chart_fg))
        ax.setLabel(label, color=theme.chart_fg)
        ax.enableAutoSIPrefix(False)  # "(x0.001)" next to a unit confuses: ticks carry the value
        # Plain numbers on both kinds of axis: "7,000" rather than "7·10³", "20M" rather than "2e+07".
        ax.tickStrings = functools.partial(_tick_strings, ax)
        ax.tickValues = functools.partial(_tick_values, ax)
    plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
    if legend and plot.legend is None:
        plot.addLegend(offset=legend_at, labelTextColor=theme.chart_fg,
                       brush=pg.mkBrush(theme.chart_bg + "e0"), pen=pg.mkPen(theme.chart_fg + "40"))
    elif plot.legend is not None:
        plot.legend.setLabelTextColor(theme.chart_fg)
        plot.legend.setBrush(pg.mkBrush(theme.chart_bg + "e0"))


def _legend_text(text) -> str:
    """A legend entry: pyqtgraph lays legend labels out as HTML, so a name from a file is escaped."""
    return html.escape(str(text))


def empty(plot: pg.PlotItem, theme: Theme, title: str, message: str) -> None:
    """A titled plot that says why there is nothing to draw."""
    reset(plot)
    style(plot, theme, title, "", "")
    if plot.legend is not None:
        plot.legend.setVisible(False)  # nothing drawn: no empty legend box
    plot.showGrid(x=False, y=False)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    text = pg.TextItem(message, color=theme.chart_fg, anchor=(0.5, 0.5))
    plot.addItem(text)
    text.setPos(0.5, 0.5)
    plot.setXRange(0, 1)
    plot.setYRange(0, 1)


def _log(a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    out = np.full(a.shape, np.nan)
    ok = np.isfinite(a) & (a > 0)
    out[ok] = np.log10(a[ok])
    return out


class _Tips:
    """Tool-tip text per point id (a plain callable object: pyqtgraph calls it on hover)."""

    def __init__(self, texts: dict):
        self.texts = texts

    def __call__(self, x=None, y=None, data=None) -> str:
        from ui.plain import tip

        return tip(self.texts.get(data, str(data)))  # names from overlays: shown as typed, never markup


def _scatter(plot, x, y, ids, tips: dict, *, brushes, pens=None, sizes=10, symbols="o", name=None, z=10):
    item = pg.ScatterPlotItem(
        x=np.asarray(x, float), y=np.asarray(y, float), data=list(ids), brush=brushes,
        pen=pens if pens is not None else pg.mkPen(None), size=sizes, symbol=symbols, name=name,
        hoverable=True, hoverSize=14, tip=_Tips(tips),
    )
    item.setZValue(z)
    plot.addItem(item)
    return item


def _label(plot, text: str, x: float, y: float, color: str, anchor=(0, 1), bold=False,
           alternatives=()) -> pg.TextItem:
    """A text on the chart, as plain text (device names come from files: never markup).

    `anchor` is where it goes first; `alternatives` are other anchors `arrange` may move it to
    when it would overlap another text, the legend, data or the plot's edge."""
    t = pg.TextItem(str(text), color=color, anchor=anchor)
    t.textItem.document().setDocumentMargin(1)  # measured as drawn: tight rectangles, closer rows
    t.updateTextPos()
    t.hw_anchors = [anchor, *alternatives]
    if bold:
        font = t.textItem.font()
        font.setBold(True)
        t.setFont(font)
    t.setPos(x, y)
    plot.addItem(t)
    return t


# ---- arranging texts: no label on another, on the legend or off the plot ---------------
_INK_THRESHOLD = 80  # a pixel this far from the background (0-255) is data, not grid


def _ink_image(plot):
    """The plot's data (curves, points, bars, fills) rendered without texts or the legend, as
    a boolean array over the view box's scene rectangle; and that rectangle."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    vb = plot.getViewBox()
    rect = vb.sceneBoundingRect()
    w, h = max(1, int(rect.width())), max(1, int(rect.height()))
    hidden = [it for it in plot.items if isinstance(it, pg.TextItem) and it.isVisible()]
    if plot.legend is not None and plot.legend.isVisible():
        hidden.append(plot.legend)
    for it in hidden:
        it.setVisible(False)
    bg = QColor(plot.scene().views()[0].backgroundBrush().color()) if plot.scene().views() else QColor("white")
    img = QImage(w, h, QImage.Format_RGB32)
    img.fill(bg)
    painter = QPainter(img)
    try:
        plot.scene().render(painter, QRectF(0, 0, w, h), rect)
    finally:
        painter.end()
        for it in hidden:
            it.setVisible(True)
    a = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(h, img.bytesPerLine() // 4, 4)
    a = a[:, :w, :3].astype(int)
    ref = np.array([bg.blue(), bg.green(), bg.red()])
    return np.abs(a - ref).max(axis=2) > _INK_THRESHOLD, rect


def _ink_in(ink, origin, r) -> float:
    """Fraction of scene rectangle `r` covered by data pixels."""
    x0, y0 = int(r.left() - origin.left()), int(r.top() - origin.top())
    x1, y1 = int(r.right() - origin.left()), int(r.bottom() - origin.top())
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(ink.shape[1], x1), min(ink.shape[0], y1)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    return float(ink[y0:y1, x0:x1].mean())


def text_rect(t):
    """A text item's (or the legend's) rectangle in scene coordinates, as painted."""
    if isinstance(t, pg.TextItem):
        t.updateTextPos()
        t.updateTransform(force=True)
    return t.sceneBoundingRect()


def _place_legend(legend, ink, area) -> float:
    """Move the legend to the corner over the least data; returns the share of it on data."""
    best = None
    for corner, off in (((1, 0), (-8, 8)), ((0, 0), (8, 8)), ((1, 1), (-8, -8)), ((0, 1), (8, -8))):
        legend.anchor(itemPos=corner, parentPos=corner, offset=off)
        score = _ink_in(ink, area, text_rect(legend))
        if best is None or score < best[0] - 1e-3:
            best = (score, corner, off)
    legend.anchor(itemPos=best[1], parentPos=best[1], offset=best[2])
    return best[0]


def arrange(plot) -> None:
    """Place the legend in the corner over the least data and move each label (in the order
    drawn: the first are the most important) to its first position that stays inside the plot
    and off the legend, the other labels and the data; a label with no free place is hidden.

    Runs after the plot has its size and ranges (on screen: on every resize or range change;
    in the PDF: once laid out). Texts are measured as painted, in scene pixels."""
    vb = plot.getViewBox()
    if plot.scene() is None or vb.sceneBoundingRect().width() < 10:
        return
    labels = [it for it in plot.items if isinstance(it, pg.TextItem) and hasattr(it, "hw_anchors")]
    legend = plot.legend if plot.legend is not None and plot.legend.isVisible() and plot.legend.items else None
    for t in labels:
        t.setVisible(True)
    ink, area = _ink_image(plot)
    taken = []
    if legend is not None:
        # Narrow plots (the PDF's, a small window) get a legend with fewer columns.
        while legend.columnCount > 1 and text_rect(legend).width() > area.width() - 16:
            legend.setColumnCount(legend.columnCount - 1)
        best = _place_legend(legend, ink, area)
        if best > 0.005 and not plot.getAxis("left").logMode:
            # Every corner covers data: raise the top of the y range by the legend's height, so
            # the legend gets a free band above the data.
            (_, _), (y0, y1) = vb.viewRange()
            band = min(0.6, (text_rect(legend).height() + 20) / max(area.height(), 1))  # of the height
            vb.setYRange(y0, y0 + (y1 - y0) / (1 - band), padding=0)  # old top sits under the band
            ink, area = _ink_image(plot)
            _place_legend(legend, ink, area)
        taken.append(text_rect(legend))
    inner = area.adjusted(1, 1, -1, -1)
    for t in labels:
        choice = None
        for anchor in t.hw_anchors:
            t.setAnchor(anchor)
            r = text_rect(t)
            if not inner.contains(r) or any(r.intersects(o) for o in taken):
                continue
            score = _ink_in(ink, area, r)
            if choice is None or score < choice[0] - 0.02:
                choice = (score, anchor)
            if score < 0.02:
                break
        if choice is None:
            t.setVisible(False)
            continue
        t.setAnchor(choice[1])
        taken.append(text_rect(t))


def keep_arranged(plot) -> None:
    """Re-run `arrange` whenever the plot is resized or its ranges change (on screen)."""
    if getattr(plot, "_hw_arranged", False):
        return
    plot._hw_arranged = True
    from PySide6.QtCore import QTimer

    timer = QTimer(plot)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(lambda: arrange(plot))
    vb = plot.getViewBox()
    vb.sigResized.connect(timer.start)
    vb.sigRangeChanged.connect(timer.start)
    plot._hw_arrange_timer = timer


def overlapping_texts(plot) -> list[tuple[str, str]]:
    """Pairs of visible texts on `plot` whose rectangles overlap (labels and the legend): for
    tests and checks; empty when the chart is readable."""
    items = [it for it in plot.items if isinstance(it, pg.TextItem) and it.isVisible()]
    named = [(it.toPlainText() if hasattr(it, "toPlainText") else str(it), text_rect(it)) for it in items]
    if plot.legend is not None and plot.legend.isVisible() and plot.legend.items:
        named.append(("legend", text_rect(plot.legend)))
    out = []
    for a in range(len(named)):
        for b in range(a + 1, len(named)):
            if named[a][1].intersects(named[b][1]):
                out.append((named[a][0], named[b][0]))
    return out


# ---- charts -------------------------------------------------------------------------------
#: Where a point's name may go, in order of preference: right, above right, left, below right,
#: above left, below left (pyqtgraph anchors: (0, 0.5) puts the text's left middle on the point).
AROUND = ((-0.08, 0.5), (-0.05, 1.05), (1.08, 0.5), (-0.05, -0.05), (1.05, 1.05), (1.05, -0.05),
          (-0.05, 1.7), (-0.05, -0.7), (1.05, 1.7), (1.05, -0.7))


def _finish(plot) -> None:
    """After drawing: arrange the texts once laid out, and whenever the plot changes size or
    range (a plot marked `hw_manual_arrange`, like the PDF's, is arranged by its owner)."""
    if getattr(plot, "hw_manual_arrange", False):
        return
    keep_arranged(plot)
    plot._hw_arrange_timer.start()


def _log_range(plot, axis: str, values, pad: float = 0.08, min_span: float = 0.35) -> None:
    """Set a log axis' range (values are log10) around the data with a margin, at least
    `min_span` decades wide so the ticks have room."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return
    lo, hi = float(v.min()), float(v.max())
    span = max(hi - lo, min_span)
    mid = (lo + hi) / 2
    lo, hi = min(lo, mid - span / 2), max(hi, mid + span / 2)
    (plot.setXRange if axis == "x" else plot.setYRange)(lo - pad * span, hi + pad * span, padding=0)


def draw_cost_vs_latency(plot: pg.PlotItem, data: dict, *, theme: Theme, selected: str | None = None,
                         local: set[str] | None = None) -> None:
    """Cost (the ranking key) against latency (or time to train), log-log, with the Pareto front.

    `data`: `advisor.sweeps.cost_vs_latency(ranking)`.
    """
    from advisor.sweeps import pareto_line

    reset(plot)
    title = "Cost vs latency" if "latency" in data["latency_label"] else "Cost vs time to train"
    cost_label = data["cost_label"].replace(" (USD)", "")
    style(plot, theme, title, f"{cost_label} (USD, log)", f"{data['latency_label']} (log)", legend=True)
    x, y = _log(data["cost"]), _log(data["latency"])
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        empty(plot, theme, title, "No device fits this workload with a known price.")
        return
    plot.setLogMode(True, True)
    ids = [str(i) for i in data["ids"]]
    local = local or set()
    tips = {}
    for k, i in enumerate(ids):
        tips[i] = (f"{data['names'][k]}\n{cost_label}: {fmt_money(data['cost'][k])}\n"
                   f"{data['latency_label']}: {fmt_num(data['latency'][k])}\n"
                   f"{data['energy_label']}: {fmt_num(data['energy'][k])}"
                   + ("\nPareto-optimal" if data["pareto"][k] else "") + ("\nthis machine" if i in local else ""))
    pareto = np.asarray(data["pareto"], bool)
    others = ok & ~pareto
    colour = {"gpu": theme.series[0], "cpu": theme.series[1], "accelerator": theme.series[4]}
    for kind in ("gpu", "cpu", "accelerator"):
        m = others & (data["kind"] == kind)
        label = kind.upper() if kind != "accelerator" else "Accelerator"
        if m.any():
            _scatter(plot, x[m], y[m], np.array(ids)[m], tips, brushes=pg.mkBrush(colour[kind] + "a0"),
                     symbols=KIND_SYMBOL[kind], sizes=9, name=label)
        elif (ok & pareto & (data["kind"] == kind)).any() and plot.legend is not None:
            # Only on the front: the shape still needs its legend entry (the diamond, say).
            plot.legend.addItem(pg.ScatterPlotItem(symbol=KIND_SYMBOL[kind], brush=pg.mkBrush(colour[kind] + "a0"),
                                                   pen=pg.mkPen(None), size=9), label)
    m = ok & pareto
    if m.any():
        _scatter(plot, x[m], y[m], np.array(ids)[m], tips, brushes=pg.mkBrush(theme.pareto),
                 pens=pg.mkPen(theme.chart_fg, width=1), sizes=12, name="Pareto front", z=20,
                 symbols=[KIND_SYMBOL.get(k, "o") for k in data["kind"][m]])
        px, py = pareto_line({k: (v[ok] if isinstance(v, np.ndarray) else v) for k, v in data.items()})
        if len(px) > 1:
            # Raw values: in log mode pyqtgraph takes the log of a PlotDataItem's data itself.
            sx = np.repeat(px, 2)[1:]
            sy = np.repeat(py, 2)[:-1]
            plot.plot(sx, sy, pen=pg.mkPen(theme.pareto, width=2, style=pg.QtCore.Qt.DashLine))
        span = max(1e-9, float(np.nanmax(y[ok]) - np.nanmin(y[ok])))
        placed: list[float] = []
        for k in np.flatnonzero(m)[:8]:  # label the front; `arrange` keeps the names apart
            if all(abs(y[k] - py_) > 0.02 * span for py_ in placed):
                # Left of the point first: the staircase runs right from each point, through
                # a name placed there.
                _label(plot, str(data["names"][k]), x[k], y[k], theme.chart_fg, anchor=AROUND[2],
                       alternatives=[a for a in AROUND if a != AROUND[2]])
                placed.append(y[k])
    for k, i in enumerate(ids):
        if ok[k] and (i == selected or i in local):
            ring = theme.highlight if i == selected else theme.accent
            item = pg.ScatterPlotItem(x=[x[k]], y=[y[k]], size=20, brush=pg.mkBrush(None),
                                      pen=pg.mkPen(ring, width=2.5), symbol="o")
            item.setZValue(30)
            plot.addItem(item)
            if i != selected or not pareto[k]:
                _label(plot, str(data["names"][k]), x[k], y[k], ring, anchor=(-0.05, 1.05), bold=True,
                       alternatives=AROUND)
    _log_range(plot, "x", x[ok])
    _log_range(plot, "y", y[ok])
    _finish(plot)


def draw_energy(plot: pg.PlotItem, data: dict, *, theme: Theme, metric: str = "wh_per_request",
                selected: str | None = None) -> None:
    """Horizontal bars: energy per request (Wh) or per training run (kWh), best-ranked first.

    `data`: `advisor.sweeps.energy_bars(ranking)`.
    """
    reset(plot)
    per_request = metric == "wh_per_request"
    title = "Energy per request" if per_request else "Energy per training run"
    unit = "Wh" if per_request else "kWh"
    style(plot, theme, title, f"{'Wh per request' if per_request else 'kWh per training run'} (facility, incl. PUE)", "")
    values = np.asarray(data.get(metric, []), float)
    if not len(values) or not np.isfinite(values).any():
        empty(plot, theme, title, "No energy figures for this workload.")
        return
    names = [str(n) for n in data["names"]]
    n = len(values)
    ypos = np.arange(n)[::-1].astype(float)  # best-ranked at the top
    v = np.where(np.isfinite(values), values, 0.0)
    colour = theme.inference if per_request else theme.training
    brushes = [pg.mkBrush(theme.highlight if str(i) == selected else colour) for i in data["ids"]]
    bars = pg.BarGraphItem(x0=np.zeros(n), y=ypos, height=0.62, width=v, brushes=brushes, pen=pg.mkPen(None))
    plot.addItem(bars)
    tips = {str(i): f"{names[k]}\n{fmt_num(values[k], unit)}" for k, i in enumerate(data["ids"])}
    _scatter(plot, v, ypos, [str(i) for i in data["ids"]], tips, brushes=pg.mkBrush(colour), sizes=6)
    plot.getAxis("left").setTicks([[(ypos[k], names[k]) for k in range(n)]])
    top = float(np.nanmax(v)) or 1.0
    for k in range(n):
        _label(plot, fmt_num(values[k], unit), v[k] + top * 0.01, ypos[k], theme.chart_fg, anchor=(0, 0.5))
    plot.setXRange(0, top * 1.32, padding=0)  # room for the longest bar's figure
    plot.setYRange(-0.7, n - 0.3, padding=0)
    _finish(plot)


def draw_lifecycle(plot: pg.PlotItem, data: dict, *, theme: Theme) -> None:
    """Cumulative cost by month: one-time training against growing inference, with the month
    inference overtakes training and inference's share at the horizon.

    `data`: `advisor.sweeps.lifecycle(estimates, i)`.
    """
    reset(plot)
    title = f"Lifecycle cost on {data.get('device', '')}"
    style(plot, theme, title, "months in service", "cumulative cost (USD)", legend=True)
    m = np.asarray(data["months"], float)
    if not len(m):
        empty(plot, theme, title, "The lifecycle needs both a training and an inference section.")
        return
    plot.plot(m, data["total"], pen=pg.mkPen(theme.chart_fg, width=3), name="Total")
    plot.plot(m, data["training"], pen=pg.mkPen(theme.training, width=2.5, style=pg.QtCore.Qt.DashLine),
              name="Training (one-time)")
    plot.plot(m, data["inference"], pen=pg.mkPen(theme.inference, width=2.5), name="Inference (cumulative)",
              fillLevel=0, fillBrush=pg.mkBrush(theme.inference + "30"))
    tips = {}
    pts_x, pts_y, pts_id = [], [], []
    for k, month in enumerate(m):
        key = f"m{k}"
        tips[key] = (f"month {month:g}\ntraining {fmt_money(data['training'][k])}\n"
                     f"inference {fmt_money(data['inference'][k])}\ntotal {fmt_money(data['total'][k])}")
        pts_x.append(month)
        pts_y.append(data["total"][k])
        pts_id.append(key)
    _scatter(plot, pts_x, pts_y, pts_id, tips, brushes=pg.mkBrush(theme.chart_fg), sizes=5)
    top = float(np.nanmax(data["total"])) if np.isfinite(data["total"]).any() else 1.0
    over = data.get("overtakes_month")
    if over is not None and np.isfinite(over) and over <= m[-1]:
        line = pg.InfiniteLine(pos=over, angle=90, pen=pg.mkPen(theme.highlight, width=1.5, style=pg.QtCore.Qt.DotLine))
        plot.addItem(line)
        _label(plot, f"inference overtakes training\nat month {over:.1f}", over, top * 0.98, theme.highlight,
               anchor=(-0.03, 0), alternatives=[(1.03, 0), (-0.03, -0.6), (1.03, -0.6)])
    share = data.get("inference_share_at_horizon")
    h = data.get("horizon_months")
    if share is not None and np.isfinite(share) and h:
        hx = min(float(h), m[-1])
        plot.addItem(pg.InfiniteLine(pos=hx, angle=90, pen=pg.mkPen(theme.chart_fg + "80", width=1)))
        e_share = data.get("inference_energy_share_at_horizon")
        energy = f"\nand {e_share:.0%} of its energy" if e_share is not None and np.isfinite(e_share) else ""
        _label(plot, f"horizon: inference is {share:.0%}\nof lifetime cost{energy}", hx, top * 0.55, theme.chart_fg,
               anchor=(1.03, 0), alternatives=[(1.03, 1), (1.03, -1.2), (1.03, 2.2)])
    plot.setYRange(0, top * 1.08, padding=0)
    plot.setXRange(0, m[-1], padding=0.02)
    _finish(plot)


def draw_roofline(plot: pg.PlotItem, data: dict, *, theme: Theme, selected: str | None = None) -> None:
    """Attainable TFLOP/s against arithmetic intensity (log-log) for each device, the
    workload's intensities per phase, and the probe's measured point.

    `data`: `advisor.sweeps.roofline(estimates, idx, measured)`.
    """
    reset(plot)
    title = "Roofline"
    style(plot, theme, title, "arithmetic intensity (FLOP per byte, log)", "attainable TFLOP/s (log)", legend=True,
          legend_at=(-10, -10))
    peaks = np.asarray(data["peak_tflops"], float)
    bws = np.asarray(data["bandwidth_gbps"], float)
    ok = np.isfinite(peaks) & np.isfinite(bws) & (peaks > 0) & (bws > 0)
    measured = data.get("measured")
    if not ok.any() and not measured:
        empty(plot, theme, title, "No device with both a peak and a bandwidth figure.")
        return
    plot.setLogMode(True, True)
    intens = [v for v in data.get("intensity", {}).values() if v and np.isfinite(v)]
    lo = min([0.1, *[v / 4 for v in intens]])
    hi = max([1e4, *[v * 4 for v in intens]])
    xs = np.logspace(math.log10(lo), math.log10(hi), 160)

    def roof(peak, bw):
        return np.minimum(peak, bw * xs / 1000)  # GB/s x FLOP/B = GFLOP/s -> TFLOP/s

    for k in np.flatnonzero(ok):
        dev = str(data["ids"][k])
        sel = dev == selected
        colour = theme.highlight if sel else theme.series[k % len(theme.series)]
        plot.plot(xs, roof(peaks[k], bws[k]), pen=pg.mkPen(colour, width=3 if sel else 1.8),
                  name=_legend_text(data["names"][k]))
        ridge = peaks[k] * 1000 / bws[k]
        tips = {dev: f"{data['names'][k]}\npeak {fmt_num(peaks[k], 'TFLOP/s')}\n"
                     f"bandwidth {fmt_num(bws[k], 'GB/s')}\nridge at {ridge:.3g} FLOP/byte"}
        _scatter(plot, [math.log10(ridge)], [math.log10(peaks[k])], [dev], tips, brushes=pg.mkBrush(colour), sizes=8)
    if measured and measured.get("tflops") and measured.get("bandwidth_gbps"):
        mp, mb = float(measured["tflops"]), float(measured["bandwidth_gbps"])
        plot.plot(xs, roof(mp, mb), pen=pg.mkPen(theme.chart_fg, width=2, style=pg.QtCore.Qt.DashLine),
                  name=_legend_text(measured.get("name", "measured")))
        ridge = mp * 1000 / mb
        tips = {"measured": f"{measured.get('name', 'measured')}\n{fmt_num(mp * 1000, 'GFLOP/s')} matmul\n"
                            f"{fmt_num(mb, 'GB/s')} memory bandwidth"}
        _scatter(plot, [math.log10(ridge)], [math.log10(mp)], ["measured"], tips, brushes=pg.mkBrush(theme.highlight),
                 pens=pg.mkPen(theme.chart_fg, width=1), sizes=16, symbols="star", z=30)
    top = np.nanmax(np.where(ok, peaks, np.nan)) if ok.any() else float(measured["tflops"])
    bottom = max(1e-3, (np.nanmin(np.where(ok, bws, np.nan)) if ok.any() else float(measured["bandwidth_gbps"])) * lo / 1000)
    for name, v in data.get("intensity", {}).items():
        if not v or not np.isfinite(v):
            continue
        colour = theme.training if "training" in name else theme.inference
        plot.addItem(pg.InfiniteLine(pos=math.log10(v), angle=90, pen=pg.mkPen(colour, width=1.5, style=pg.QtCore.Qt.DashLine)))
        # Above the highest roof (a band kept free for these labels), beside their line.
        _label(plot, f"{name}\n{fmt_num(v, 'FLOP/B')}", math.log10(v), math.log10(top) + 0.08, colour,
               anchor=(-0.05, 1), alternatives=[(1.05, 1), (-0.05, 0), (1.05, 0), (-0.05, -1.1), (1.05, -1.1),
                                                (-0.05, -2.2), (1.05, -2.2)])
    plot.setYRange(math.log10(bottom), math.log10(top) + 0.95, padding=0)
    plot.setXRange(math.log10(lo), math.log10(hi), padding=0)
    _finish(plot)


def draw_memory(plot: pg.PlotItem, data: dict, *, theme: Theme) -> None:
    """Stacked horizontal bars of memory per device by category, with each device's capacity.

    `data`: `advisor.sweeps.memory_breakdown(estimates, idx)`.
    """
    reset(plot)
    title = "Memory per device"
    style(plot, theme, title, "GB per device", "", legend=True)
    names = [str(n) for n in data["names"]]
    n = len(names)
    if not n:
        empty(plot, theme, title, "No device to show.")
        return
    ypos = np.arange(n)[::-1].astype(float)
    left = np.zeros(n)
    colours = dict(zip(MEMORY_PARTS, (theme.series[0], theme.series[3], theme.series[1], theme.series[2],
                                      theme.series[4], theme.series[7]), strict=True))
    totals = np.zeros(n)
    for part in MEMORY_PARTS:
        if part not in data["parts"]:
            continue
        v = np.asarray(data["parts"][part], float)
        v = np.where(np.isfinite(v), v, 0.0)
        if not v.any():
            continue
        plot.addItem(pg.BarGraphItem(x0=left, y=ypos, height=0.6, width=v, brush=pg.mkBrush(colours[part]),
                                     pen=pg.mkPen(theme.chart_bg, width=0.5)))  # legend entry added below
        if plot.legend is not None:
            plot.legend.addItem(pg.BarGraphItem(x0=[0], y=[0], height=1, width=1, brush=pg.mkBrush(colours[part])),
                                PART_LABEL[part])
        left = left + v
        totals = totals + v
    cap = np.asarray(data["capacity_gb"], float)
    devices = np.asarray(data.get("devices", np.ones(n)), float)
    tips = {}
    for k in range(n):
        parts = "\n".join(f"{PART_LABEL[p]}: {fmt_num(data['parts'][p][k], 'GB')}" for p in MEMORY_PARTS
                          if p in data["parts"] and np.isfinite(data["parts"][p][k]) and data["parts"][p][k] > 0)
        count = f" x {int(devices[k])} devices" if np.isfinite(devices[k]) and devices[k] > 1 else ""
        tips[str(data["ids"][k])] = f"{names[k]}{count}\n{parts}\ncapacity {fmt_num(cap[k], 'GB')} per device"
    _scatter(plot, cap, ypos, [str(i) for i in data["ids"]], tips, brushes=pg.mkBrush(theme.chart_fg),
             symbols="t1", sizes=11, name="Capacity", z=20)
    labels = []
    for k in range(n):
        count = f" (x{int(devices[k])})" if np.isfinite(devices[k]) and devices[k] > 1 else ""
        labels.append((ypos[k], names[k] + count))
    plot.getAxis("left").setTicks([labels])
    top = float(np.nanmax(np.concatenate([totals, np.where(np.isfinite(cap), cap, 0)]))) or 1.0
    if plot.legend is not None:
        plot.legend.setColumnCount(4)  # wide and short; `arrange` gives it fewer columns and room
    plot.setXRange(0, top * 1.12, padding=0)
    plot.setYRange(-0.7, n - 0.3, padding=0)
    _finish(plot)


def draw_batch_latency(plot: pg.PlotItem, data: dict, *, theme: Theme) -> None:
    """Request latency against batch size on one device, with its low-high range.

    `data`: `advisor.sweeps.batch_sweep(workload, table, i)`.
    """
    reset(plot)
    title = "Latency vs batch size"  # the device is in the caption: two titles side by side must fit
    style(plot, theme, title, "batch size (log2)", "request latency (ms)", legend=True)
    b = np.asarray(data["batch"], float)
    if not len(b):
        empty(plot, theme, title, "Batch sweeps need an inference section.")
        return
    lb = np.log2(b)
    low = pg.PlotDataItem(lb, data["latency_low_ms"], pen=pg.mkPen(None))
    high = pg.PlotDataItem(lb, data["latency_high_ms"], pen=pg.mkPen(None))
    plot.addItem(low)
    plot.addItem(high)
    plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(theme.inference + "30")))
    plot.plot(lb, data["latency_ms"], pen=pg.mkPen(theme.inference, width=2.5), name="request latency")
    plot.plot([], [], pen=pg.mkPen(theme.inference + "60", width=8), name="efficiency range")
    fits = np.asarray(data["fits"], bool)
    tips = {f"b{k}": f"batch {int(b[k])}\nrequest {fmt_ms(data['latency_ms'][k])} "
                     f"({fmt_ms(data['latency_low_ms'][k])} to {fmt_ms(data['latency_high_ms'][k])})\n"
                     f"{fmt_ms(data['tpot_ms'][k])} per output token" + ("" if fits[k] else "\ndoes not fit in memory")
            for k in range(len(b))}
    _scatter(plot, lb, data["latency_ms"], [f"b{k}" for k in range(len(b))], tips,
             brushes=[pg.mkBrush(theme.inference if f else theme.error) for f in fits], sizes=8)
    plot.getAxis("bottom").setTicks([[(float(v), str(int(2 ** v))) for v in lb]])
    top = np.nanmax(data["latency_high_ms"]) if np.isfinite(data["latency_high_ms"]).any() else 1.0
    plot.setXRange(float(lb[0]) - 0.3, float(lb[-1]) + 0.3, padding=0)  # both axes: never a stale range
    plot.setYRange(0, float(top) * 1.08, padding=0)
    _finish(plot)


def draw_batch_throughput(plot: pg.PlotItem, data: dict, *, theme: Theme) -> None:
    """Throughput (tokens/s of one replica) against batch size on one device.

    `data`: `advisor.sweeps.batch_sweep(workload, table, i)`.
    """
    reset(plot)
    title = "Throughput vs batch size"
    style(plot, theme, title, "batch size (log2)", "tokens per second (one replica)")
    b = np.asarray(data["batch"], float)
    if not len(b):
        empty(plot, theme, title, "Batch sweeps need an inference section.")
        return
    lb = np.log2(b)
    thr = np.asarray(data["throughput"], float)
    plot.plot(lb, thr, pen=pg.mkPen(theme.training, width=2.5), fillLevel=0, fillBrush=pg.mkBrush(theme.training + "25"))
    fits = np.asarray(data["fits"], bool)
    tips = {f"b{k}": f"batch {int(b[k])}\n{fmt_num(thr[k], 'tokens/s')}" + ("" if fits[k] else "\ndoes not fit in memory")
            for k in range(len(b))}
    _scatter(plot, lb, thr, [f"b{k}" for k in range(len(b))], tips,
             brushes=[pg.mkBrush(theme.training if f else theme.error) for f in fits], sizes=8)
    plot.getAxis("bottom").setTicks([[(float(v), str(int(2 ** v))) for v in lb]])
    plot.setXRange(float(lb[0]) - 0.3, float(lb[-1]) + 0.3, padding=0)
    plot.setYRange(0, float(np.nanmax(thr)) * 1.1 if np.isfinite(thr).any() else 1, padding=0)
    _finish(plot)


#: Every chart the Trade-offs view shows: key in `advisor.sweeps.all_chart_data`, tab title.
CHARTS = (
    ("cost_vs_latency", "Cost vs latency"),
    ("energy", "Energy"),
    ("lifecycle", "Lifecycle"),
    ("roofline", "Roofline"),
    ("memory", "Memory"),
    ("batch", "Batch size"),
)
