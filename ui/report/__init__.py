"""The PDF recommendation report: what the advisor says about one workload, on paper.

    from ui.report import write_report
    write_report("advice.pdf", workload, devices=["rtx 4090"], page_size="Letter")

The same report comes from `python main.py report ...` and the GUI's Export button. Every
figure is the model's (`Estimates.record`, `advisor.recommend`), formatted as the GUI formats
it, with its low-high range. The charts are drawn by `ui.charts`, the GUI's own chart code,
into the PDF's painter as vector graphics; text is real text (selectable, searchable).

The parts, each doing one thing:
- `data`: gathers every figure from `advisor` (no Qt) into a `ReportData`;
- `text`: plain-language sentences and HTML pieces; `esc` for every text from a file;
- `sections/`: one module per section, in page order (`sections.SECTIONS`);
- `blocks`: text, chart, group and flow blocks of known height;
- `layout`: the page layout engine (which block goes on which page, where);
- `render`: the PDF writer, header and footer, atomic write.
"""

from __future__ import annotations

from ui.report.blocks import Chart as _Chart
from ui.report.data import ReportData, build_data, machine_summary
from ui.report.render import (
    PAGE_SIZES,
    check_output_path,
    ensure_app,
    time_report,
    write_report,
    write_report_info,
)
from ui.report.text import headline, workload_words

__all__ = [
    "PAGE_SIZES", "ReportData", "_Chart", "build_data", "check_output_path", "ensure_app", "headline",
    "machine_summary", "time_report", "workload_words", "write_report", "write_report_info",
]
