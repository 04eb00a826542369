"""The page layout engine: places blocks on pages top to bottom.

A first pass over every block (this one) decides the pages, so the renderer can write
"Page N of M" in the second. Heights are in painter pixels of the page body.

Pages do not end half empty because a chart did not fit: a chart group (a float) that does
not fit is first drawn shorter (down to `Group.MIN_CHART_SCALE`); failing that it waits, the
text after it fills the page, and it opens the next page (charts keep their order).
"""

from __future__ import annotations

from ui.report.blocks import Flow, PageBreak

GAP_PX = 14.0  # between blocks on a page


class Layout:
    """Places blocks on pages top to bottom; a block that does not fit starts a new page."""

    def __init__(self, body_height: float):
        self.body_height = body_height
        self.pages: list[list[tuple[object, float]]] = [[]]
        self.y = 0.0
        self.waiting: list = []  # chart groups that did not fit, for the top of the next page
        self.broken: set[int] = set()  # pages ended by a page break (not by a block that did not fit)

    def _space(self) -> float:
        return self.body_height - self.y - (GAP_PX if self.pages[-1] else 0.0)

    def _fits(self, block) -> bool:
        space = self._space()
        return block.height <= space or getattr(block, "min_height", block.height) <= space

    def _place_float(self, block) -> None:
        if block.height > self._space():
            block.shrink_to(self._space())
        self._place(block)

    def _flush_waiting(self) -> None:
        """Each waiting chart group on the following pages: whichever fits the space left
        goes next (a smaller chart may fill the end of a page), else a new page."""
        while self.waiting:
            if not self.pages[-1] or not any(self._fits(b) for b in self.waiting):
                if self.pages[-1]:
                    self._new_page()
                self._place(self.waiting.pop(0))
                continue
            block = next(b for b in self.waiting if self._fits(b))
            self.waiting.remove(block)
            self._place_float(block)

    def add(self, block) -> None:
        floats = getattr(block, "floats", False)
        if self.waiting:
            if floats:
                if self._fits(block):  # a later, smaller chart fills the page the first left
                    self._place_float(block)
                else:
                    self.waiting.append(block)
                return
            if isinstance(block, PageBreak) or block.height > self._space():
                self._new_page()  # the text does not fit beside them: the charts come first
                self._flush_waiting()
            else:
                self._place(block)  # text fills the page the waiting charts left
                return
        if floats and self.pages[-1] and block.height > self._space():
            if self._fits(block):
                self._place_float(block)
                return
            if self._space() > 0.25 * self.body_height:
                self.waiting.append(block)
                return
        self._place(block)

    def finish(self) -> list[list[tuple[object, float]]]:
        """The pages (waiting charts placed; a trailing empty page dropped)."""
        if self.waiting:
            self._new_page()
            self._flush_waiting()
        if len(self.pages) > 1 and not self.pages[-1]:
            self.pages.pop()
        return self.pages

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = 0.0

    def _place(self, block) -> None:
        if isinstance(block, PageBreak):
            if self.pages[-1]:
                self.broken.add(len(self.pages) - 1)  # this page ends by design
                self._new_page()
            return
        if isinstance(block, Flow):
            start = 0
            while start < len(block.rows) or start == 0:
                gap = GAP_PX if self.pages[-1] else 0.0
                piece, end = block.piece(start, self.body_height - self.y - gap)
                if piece is None:
                    if not self.pages[-1]:  # one row taller than a page: place it clipped
                        piece, end = block.make(block._html(block.rows[start:start + 1], start == 0)), start + 1
                        piece.height = min(piece.height, self.body_height)
                    else:
                        self._new_page()
                        continue
                self.pages[-1].append((piece, self.y + gap))
                self.y += gap + piece.height
                if end >= len(block.rows):
                    return
                start = end
                self._new_page()
            return
        gap = GAP_PX if self.pages[-1] else 0.0
        if self.pages[-1] and self.y + gap + block.height > self.body_height:
            self.pages.append([])
            self.y, gap = 0.0, 0.0
        if block.height > self.body_height:  # taller than a page: it is clipped (kept short by design)
            block.height = self.body_height
        self.pages[-1].append((block, self.y + gap))
        self.y += gap + block.height
