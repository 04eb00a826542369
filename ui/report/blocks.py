"""The report's blocks: things of a known height that a page can hold and paint.

`Html` (flowing text laid out by a QTextDocument), `Chart` (a row of the GUI's own charts,
drawn as vectors), `Group` (blocks kept on one page), `Flow` (a heading and rows that may
split across pages between rows) and `PageBreak`. `Blocks` makes them at the page's width: a
section builder only ever calls it (see `ui.report.sections`).
"""

from __future__ import annotations

from ui.report.text import CSS, INK, table


def draw_document(doc, painter, clip) -> None:
    """Draw `doc` within `clip` with the report's own ink, whatever the app's theme: text that
    no style sheet colours (table cells, headings) takes the palette's Text colour, and a dark
    theme's near-white text on a white page is an empty-looking PDF."""
    from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPalette

    ctx = QAbstractTextDocumentLayout.PaintContext()
    pal = QPalette()
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        pal.setColor(role, QColor(INK))
    pal.setColor(QPalette.Base, QColor("#ffffff"))
    pal.setColor(QPalette.Window, QColor("#ffffff"))
    ctx.palette = pal
    ctx.clip = clip
    doc.documentLayout().draw(painter, ctx)

_DOCUMENT = None


def text_document():
    """A QTextDocument that loads nothing: HTML in a report never reads a file or URL.

    The texts are escaped (`ui.report.text.esc`); this is the second lock. An `<img>` that
    slipped through would otherwise be read from disk by QTextDocument.loadResource
    (`/dev/zero` never ends).
    """
    global _DOCUMENT
    if _DOCUMENT is None:
        from PySide6.QtGui import QTextDocument

        class _Document(QTextDocument):
            def loadResource(self, kind, name):  # noqa: N802 - Qt's name
                return None

        _DOCUMENT = _Document
    return _DOCUMENT()


class Html:
    """Flowing text laid out by a QTextDocument at the body width."""

    def __init__(self, html_text: str, width: float, font, device):
        from PySide6.QtGui import QTextOption

        self.doc = text_document()
        self.doc.documentLayout().setPaintDevice(device)
        self.doc.setDefaultFont(font)
        self.doc.setDefaultStyleSheet(CSS)
        self.doc.setDocumentMargin(0)
        opt = QTextOption()
        opt.setWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.doc.setDefaultTextOption(opt)
        self.doc.setHtml(html_text)  # built from texts that went through escape (ui.report.text.esc)
        self.doc.setTextWidth(width)
        self.height = self.doc.size().height()

    def paint(self, painter, x: float, y: float) -> None:
        from PySide6.QtCore import QRectF

        painter.save()
        painter.translate(x, y)
        rect = QRectF(0, 0, self.doc.textWidth(), self.height + 1)
        painter.setClipRect(rect)
        draw_document(self.doc, painter, rect)
        painter.restore()

    def cut_at(self, space: float) -> float | None:
        """The lowest y <= `space` between two lines of text (no line of any table cell cut
        through), or None: where a page may end inside this text."""
        lay = self.doc.documentLayout()
        lines = []
        block = self.doc.begin()
        while block.isValid():
            top = lay.blockBoundingRect(block).top()
            text_layout = block.layout()
            for k in range(text_layout.lineCount()):
                line = text_layout.lineAt(k)
                lines.append((top + line.y(), top + line.y() + line.height()))
            block = block.next()
        for y in sorted({b for _, b in lines if b <= space}, reverse=True):
            if y < 40:
                return None
            if not any(t < y - 0.5 and b > y + 0.5 for t, b in lines):
                return y
        return None


class HtmlSlice:
    """The part of an `Html` block between two heights: a long text split across pages."""

    def __init__(self, html: Html, top: float, bottom: float):
        self.html, self.top, self.height = html, top, bottom - top

    def paint(self, painter, x: float, y: float) -> None:
        from PySide6.QtCore import QRectF

        painter.save()
        painter.translate(x, y - self.top)
        clip = QRectF(0, self.top, self.html.doc.textWidth(), self.height)
        painter.setClipRect(clip)
        draw_document(self.html.doc, painter, clip)
        painter.restore()


class Chart:
    """One row of pyqtgraph plots drawn by `ui.charts`, rendered into the painter as vectors."""

    def __init__(self, draws, width: float, height: float):
        self.draws = draws  # [callable(plot)], one per plot in the row
        self.width, self.height = width, height

    def laid_out(self):
        """The plots drawn and laid out at this block's size, texts arranged: a context
        manager giving (view, plots); the view is closed after. (Tests check the texts here.)"""
        import contextlib

        return contextlib.closing(_LaidOut(self))

    def paint(self, painter, x: float, y: float) -> None:
        import pyqtgraph as pg
        from PySide6.QtCore import QRectF

        from ui.theme import LIGHT

        with self.laid_out() as done:
            scene = done.view.scene()
            items = [it for it in scene.items() if hasattr(it, "setExportMode")]
            for it in items:  # vector symbols instead of cached pixmaps (pyqtgraph's exporters do this)
                it.setExportMode(True, {"antialias": True, "background": pg.mkColor(LIGHT.chart_bg),
                                        "painter": painter})
            try:
                scene.render(painter, QRectF(x, y, self.width, self.height), QRectF(0, 0, done.w, done.h))
            finally:
                for it in items:
                    it.setExportMode(False)


class _LaidOut:
    """A never-shown GraphicsLayoutWidget with a chart block's plots, laid out by hand."""

    def __init__(self, chart: Chart):
        import pyqtgraph as pg
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter, QPicture
        from PySide6.QtWidgets import QApplication

        from ui import charts
        from ui.theme import LIGHT

        self.w, self.h = w, h = int(round(chart.width)), int(round(chart.height))
        self.view = view = pg.GraphicsLayoutWidget()
        view.setBackground(LIGHT.chart_bg)
        view.resize(w, h)
        # Plots are stacked (the GUI puts pairs side by side: too narrow on a portrait page).
        self.plots = [view.addPlot(row=k, col=0) for k in range(len(chart.draws))]
        for plot, draw in zip(self.plots, chart.draws):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.hw_manual_arrange = True  # arranged once, below, at the final size
            draw(plot)
        # The view is never shown: lay it out by hand (what a resize on screen would do).
        # Axes size themselves to their tick labels while painting, so paint once to a
        # throw-away picture, let the layout settle, then arrange the texts at the final size.
        view.resizeEvent(None)
        QApplication.processEvents()
        scene = view.scene()
        scratch = QPicture()
        p = QPainter(scratch)
        scene.render(p, QRectF(0, 0, w, h), QRectF(0, 0, w, h))
        p.end()
        QApplication.processEvents()
        view.resizeEvent(None)
        QApplication.processEvents()
        for plot in self.plots:
            charts.arrange(plot)

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()


class Group:
    """Blocks kept together on one page (a heading with its chart and caption).

    A group with a chart is a float: the layout may let text that follows fill the rest of a
    page before it, and may draw its charts down to `MIN_CHART_SCALE` of their height to keep
    it on the page."""

    MIN_CHART_SCALE = 0.72

    def __init__(self, blocks, gap: float = 4.0):
        self.blocks, self.gap = blocks, gap
        self.height = sum(b.height for b in blocks) + gap * (len(blocks) - 1)
        self.floats = any(isinstance(b, Chart) for b in blocks)

    @property
    def min_height(self) -> float:
        charts = sum(b.height for b in self.blocks if isinstance(b, Chart))
        return self.height - charts * (1 - self.MIN_CHART_SCALE)

    def shrink_to(self, height: float) -> None:
        """Draw the charts shorter so the group is `height` tall (not below `min_height`)."""
        charts = [b for b in self.blocks if isinstance(b, Chart)]
        total = sum(b.height for b in charts)
        if not charts or height >= self.height:
            return
        scale = max(self.MIN_CHART_SCALE, 1 - (self.height - height) / total)
        for b in charts:
            b.height = round(b.height * scale)
        self.height = sum(b.height for b in self.blocks) + self.gap * (len(self.blocks) - 1)

    def paint(self, painter, x: float, y: float) -> None:
        for b in self.blocks:
            b.paint(painter, x, y)
            y += b.height + self.gap


class PageBreak:
    height = 0.0


class Flow:
    """A heading and rows (table rows under a repeated header, or paragraphs) that may split
    across pages between rows."""

    def __init__(self, make, prefix: str, rows: list[str], header: list[tuple[str, bool]] | None = None):
        self.make, self.prefix, self.rows, self.header = make, prefix, rows, header
        base = self.make(self._html([], True)).height
        self.base_h = {True: base, False: self.make(self._html([], False)).height}
        self.row_h = [max(1.0, self.make(self._html([r], False)).height - self.base_h[False]) for r in rows]
        self.height = self.make(self._html(rows, True)).height

    def _html(self, rows: list[str], with_prefix: bool) -> str:
        body = table(self.header, rows) if self.header else "".join(rows)
        return (self.prefix if with_prefix else "") + body

    def piece(self, start: int, space: float) -> tuple[Html | None, int]:
        """The longest run of rows from `start` that fits `space` (None when not even one does)."""
        first = start == 0
        total, end = self.base_h[first], start
        while end < len(self.rows) and total + self.row_h[end] <= space:
            total += self.row_h[end]
            end += 1
        while end > start:
            block = self.make(self._html(self.rows[start:end], first))
            if block.height <= space:
                return block, end
            end -= 1  # the estimate was short: one row fewer
        return None, start




class Blocks:
    """Makes blocks at the page body's width; what a section builder gets.

    width: the body width in painter pixels; paper: "A4" or "Letter" (for the title page).
    """

    def __init__(self, width: float, font, device, paper: str):
        self.width, self.font, self.device, self.paper = width, font, device, paper

    def html(self, text: str) -> Html:
        return Html(text, self.width, self.font, self.device)

    def flow(self, prefix: str, rows: list[str], header: list[tuple[str, bool]] | None = None):
        """A heading and rows that may split across pages (rows under a repeated table header
        when `header` is given, else paragraphs)."""
        return Flow(self.html, prefix, rows, header) if rows else self.html(prefix)

    def chart(self, draws, height: float) -> Chart:
        return Chart(draws, self.width, height)

    def group(self, blocks) -> Group:
        return Group(blocks)

    def page_break(self) -> PageBreak:
        return PageBreak()
