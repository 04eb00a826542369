"""The page layout engine: places blocks on pages top to bottom.

A first pass over every block (this one) decides the pages, so the renderer can write
"Page N of M" in the second. Heights are in painter pixels of the page body.
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

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = 0.0

    def add(self, block) -> None:
        if isinstance(block, PageBreak):
            if self.pages[-1]:
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

    def finish(self) -> list[list[tuple[object, float]]]:
        """The pages (a trailing empty page dropped)."""
        if len(self.pages) > 1 and not self.pages[-1]:
            self.pages.pop()
        return self.pages
