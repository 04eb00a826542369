"""Rendering: the PDF writer, page header and footer, and painting the laid-out blocks.

    from ui.report import write_report
    write_report("advice.pdf", workload, devices=["rtx 4090"], page_size="Letter")

No window is ever shown: a QApplication on the offscreen platform is made when none exists.
The file is written atomically (a temporary file, renamed when complete).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from advisor.errors import BadInput
from ui.report.blocks import Blocks
from ui.report.data import ReportData, build_data
from ui.report.layout import Layout
from ui.report.sections import SECTIONS
from ui.report.text import MUTED, RULE

PAGE_SIZES = ("A4", "Letter")
DPI = 96  # the painter works in screen pixels, so the GUI's charts keep their proportions
MARGIN_MM = 14.0
HEADER_PX, FOOTER_PX = 30.0, 30.0
FONT_PT = 8.5


def ensure_app():
    """The running QApplication, or a new one on the offscreen platform (no window, no display).

    pyqtgraph's plots are QGraphicsWidgets, so a QApplication (not only a QGuiApplication) is
    needed. With no application yet and no platform chosen, the offscreen platform is used: a
    report never needs a display.
    """
    if not os.environ.get("QT_QPA_PLATFORM"):
        from PySide6.QtCore import QCoreApplication

        if QCoreApplication.instance() is None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "hwadvisor"])
    elif not isinstance(app, QApplication):
        raise RuntimeError("the PDF report needs a QApplication (pyqtgraph draws its charts with widgets)")
    return app


def _page_size(page_size: str):
    from PySide6.QtGui import QPageSize

    key = str(page_size).strip().lower()
    if key == "a4":
        return QPageSize(QPageSize.A4), "A4"
    if key in ("letter", "us letter", "usletter"):
        return QPageSize(QPageSize.Letter), "Letter"
    raise BadInput(f"page size must be A4 or Letter, got {page_size!r}")


def check_output_path(path) -> Path:
    """Reject an output path that cannot be written, before any work (BadInput, one line)."""
    target = Path(path)
    if str(path).strip() == "":
        raise BadInput("--out: empty file name")
    if target.is_dir():
        raise BadInput(f"{target}: cannot write the report: it is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"{target}: cannot write the report: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"{target}: cannot write the report: permission denied in {folder}")
    if target.exists() and not os.access(target, os.W_OK) and not os.access(folder, os.W_OK):
        raise BadInput(f"{target}: cannot write the report: permission denied")
    return target


def write_report(path, workload, *, catalog=None, devices: list[str] | None = None, page_size: str = "A4",
                 machine=None, probe=None, calibrations=None, options=None, owned=None, prices=None) -> Path:
    """Write the recommendation report for `workload` as a PDF at `path` (atomically).

    Args:
        path: the PDF to write; an unwritable path raises BadInput and leaves nothing behind.
        workload: a `Workload`, or the path of a workload file.
        catalog: the catalog (default: built-in + the user's overlay).
        devices: catalog ids or names to compare in addition to the top candidates.
        page_size: "A4" or "Letter".
        machine: `MachineInfo` of this machine (default: detected, fast path).
        probe: a probe report dict (default: this machine's newest stored run; {} for none).
        calibrations: device id -> Calibration (default: the stored probe history).
        options, owned, prices: the "What to buy" plans, as `plan --option/--own/--price` take them.

    Returns the path written.
    """
    return write_report_info(path, workload, catalog=catalog, devices=devices, page_size=page_size,
                             machine=machine, probe=probe, calibrations=calibrations, options=options,
                             owned=owned, prices=prices)[0]


def write_report_info(path, workload, **kw) -> tuple[Path, int]:
    """`write_report`, also returning the number of pages."""
    from advisor.atomic import atomic_path

    target = check_output_path(path)
    size, size_name = _page_size(kw.pop("page_size", "A4"))
    data = build_data(workload, **kw)
    ensure_app()
    mode = _file_mode(target)
    with atomic_path(target) as tmp:
        pages = _render(data, tmp, size, size_name)
        os.chmod(tmp, mode)  # the temporary file is private (0600); a report is for sharing
    return target, pages


def _file_mode(target: Path) -> int:
    """The replaced file's permissions, or what a new file gets under the umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _render(d: ReportData, out: Path, page_size, size_name: str) -> int:
    from PySide6.QtCore import QMarginsF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QPageLayout, QPainter, QPdfWriter, QPen

    from advisor import __version__

    writer = QPdfWriter(str(out))
    writer.setResolution(DPI)
    writer.setPageSize(page_size)
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Millimeter)
    wl = d.workload
    writer.setTitle(f"Hardware advice: {wl.name or 'workload'}")
    writer.setCreator(f"hwadvisor {__version__}")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot open {out} for writing")
    try:
        width, height = float(writer.width()), float(writer.height())
        font = QFont("DejaVu Sans") if "DejaVu Sans" in QFontDatabase.families() else QFont()
        font.setPointSizeF(FONT_PT)
        pages = layout_pages(d, Blocks(width, font, writer, size_name), height - HEADER_PX - FOOTER_PX)
        total = len(pages)
        small = QFont(font)
        small.setPointSizeF(7.5)
        header_left = f"Hardware advisor · {wl.name or 'workload'}"
        for n, page in enumerate(pages, start=1):
            if n > 1:
                writer.newPage()
            painter.setFont(small)
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(0, 0, width * 0.7, HEADER_PX - 10), Qt.AlignLeft | Qt.AlignBottom,
                             painter.fontMetrics().elidedText(header_left, Qt.ElideRight, int(width * 0.7)))
            painter.drawText(QRectF(width * 0.5, 0, width * 0.5, HEADER_PX - 10), Qt.AlignRight | Qt.AlignBottom,
                             d.created.strftime("%Y-%m-%d"))
            painter.setPen(QPen(QColor(RULE), 0.8))
            painter.drawLine(0, HEADER_PX - 6, width, HEADER_PX - 6)
            painter.drawLine(0, height - FOOTER_PX + 6, width, height - FOOTER_PX + 6)
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(0, height - FOOTER_PX + 10, width * 0.7, FOOTER_PX - 10),
                             Qt.AlignLeft | Qt.AlignTop, f"hwadvisor {__version__} · model estimates with low–high ranges")
            painter.drawText(QRectF(width * 0.5, height - FOOTER_PX + 10, width * 0.5, FOOTER_PX - 10),
                             Qt.AlignRight | Qt.AlignTop, f"Page {n} of {total}")
            for block, y in page:
                block.paint(painter, 0.0, HEADER_PX + y)
    finally:
        painter.end()
    writer = None  # drops the writer: closes the file before it is renamed
    return total


def layout_pages(d: ReportData, b: Blocks, body_height: float) -> list[list[tuple[object, float]]]:
    """Every section's blocks placed on pages: [[(block, y in the body), ...] per page]."""
    layout = Layout(body_height)
    for section in SECTIONS:
        for block in section(d, b):
            layout.add(block)
    return layout.finish()


# ---- for benchmarks/run.py ------------------------------------------------------------------
def time_report(workload=None, *, page_size: str = "A4", catalog=None) -> float:
    """Seconds to write one full report (default: the lifecycle preset: both phases, every
    chart) to a temporary file, in this process. For `benchmarks/run.py --json` (report_pdf_s)."""
    if workload is None:
        from advisor.presets import get_preset

        workload = get_preset("lifecycle_2m_training_18m_serving").workload
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_report(Path(tmp) / "report.pdf", workload, catalog=catalog, page_size=page_size)
        return time.perf_counter() - t0
