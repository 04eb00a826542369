"""This machine: detected CPU, memory and GPUs with their catalog match and theoretical peaks;
quick or full probes with progress and Cancel; measured against datasheet figures; the probe
history, with imported machines side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.charts import fmt_num
from ui.plain import escape, plain_label, tip


def _card(title: str) -> tuple[QFrame, QLabel]:
    f = QFrame()
    f.setProperty("role", "card")
    lay = QVBoxLayout(f)
    lay.setContentsMargins(12, 10, 12, 10)
    t = QLabel(title)
    t.setProperty("role", "headline")
    lay.addWidget(t)
    body = QLabel("Detecting…")
    body.setWordWrap(True)
    body.setTextFormat(Qt.RichText)  # its text is built with escape() around every detected/imported value
    body.setTextInteractionFlags(Qt.TextSelectableByMouse)
    body.setAlignment(Qt.AlignTop | Qt.AlignLeft)
    lay.addWidget(body, 1)
    return f, body


def _kv(rows: list[tuple[str, str]]) -> str:
    return "<table cellspacing=0 cellpadding=1>" + "".join(
        f"<tr><td style='padding-right:10px; color:gray'>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _fig(v, unit="", digits=1):
    return "—" if v is None else (f"{v:,.{digits}f} {unit}".strip() if isinstance(v, (int, float)) else str(v))


class MachineView(QWidget):
    probe_requested = Signal(bool)  # quick?
    cancel_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(10)

        self.status = plain_label(QLabel("Detecting this machine…"))
        self.status.setProperty("role", "muted")
        self.status.setObjectName("detect-status")
        lay.addWidget(self.status)
        cards = QGridLayout()
        cards.setSpacing(10)
        self.cpu_card, self.cpu = _card("CPU")
        self.mem_card, self.mem = _card("Memory")
        self.gpu_card, self.gpu = _card("GPUs")
        cards.addWidget(self.cpu_card, 0, 0)
        cards.addWidget(self.mem_card, 0, 1)
        cards.addWidget(self.gpu_card, 0, 2)
        cards.setColumnStretch(0, 5)
        cards.setColumnStretch(1, 3)
        cards.setColumnStretch(2, 5)
        lay.addLayout(cards)
        self.warnings = plain_label(QLabel())
        self.warnings.setWordWrap(True)
        self.warnings.setProperty("role", "muted")
        self.warnings.setObjectName("detect-warnings")
        lay.addWidget(self.warnings)

        # -- probes
        probe_box = QFrame()
        probe_box.setProperty("role", "card")
        pl = QVBoxLayout(probe_box)
        pl.setContentsMargins(12, 10, 12, 10)
        head = QHBoxLayout()
        t = QLabel("Probes: what this machine really reaches")
        t.setProperty("role", "headline")
        head.addWidget(t, 1)
        self.quick_btn = QPushButton("Quick probe (~10 s)")
        self.quick_btn.setObjectName("quick-probe")
        self.quick_btn.setToolTip("Short matmul, memory-bandwidth and latency-by-batch measurements (Ctrl+R).")
        self.full_btn = QPushButton("Full probe (~1 min)")
        self.full_btn.setObjectName("full-probe")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setObjectName("cancel-probe")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.setToolTip("Stop the probe (Esc); it stops within half a second.")
        for b, text in ((self.quick_btn, "Short matmul, memory-bandwidth and latency-by-batch measurements."),
                        (self.full_btn, "The same measurements, longer, for steadier figures."),
                        (self.cancel_btn, "Stop the running probe.")):
            b.setAccessibleName(b.text().split(" (")[0])
            b.setAccessibleDescription(text)
            head.addWidget(b)
        pl.addLayout(head)
        self.progress = QProgressBar()
        self.progress.setObjectName("probe-progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        pl.addWidget(self.progress)
        self.probe_status = plain_label(QLabel("Probes measure matrix-multiply speed and memory bandwidth, then "
                                               "calibrate the estimates for this machine's rows."))
        self.probe_status.setWordWrap(True)
        self.probe_status.setProperty("role", "muted")
        self.probe_status.setObjectName("probe-status")
        pl.addWidget(self.probe_status)
        self.measured = QTableWidget(0, 4)
        self.measured.setObjectName("measured-table")
        self.measured.setAccessibleName("Measured figures")
        self.measured.setAccessibleDescription("What the probes measured next to the datasheet figures.")
        self.measured.setHorizontalHeaderLabels(["Figure", "Measured", "Datasheet / theoretical", "Efficiency"])
        self._table_style(self.measured)
        self.measured.setMinimumHeight(150)
        pl.addWidget(self.measured)
        lay.addWidget(probe_box)

        # -- history
        hist_box = QFrame()
        hist_box.setProperty("role", "card")
        hl = QVBoxLayout(hist_box)
        hl.setContentsMargins(12, 10, 12, 10)
        head = QHBoxLayout()
        t = QLabel("Probe history and other machines")
        t.setProperty("role", "headline")
        head.addWidget(t, 1)
        self.import_btn = QPushButton("Import a probe file…")
        self.import_btn.setToolTip("Add another machine's `probe --json` output to compare it with this one.")
        self.import_btn.setAccessibleName("Import a probe file")
        self.import_btn.setAccessibleDescription(self.import_btn.toolTip())
        head.addWidget(self.import_btn)
        hl.addLayout(head)
        self.history_tabs = QTabWidget()
        self.history_tabs.setDocumentMode(True)
        self.runs = QTableWidget(0, 6)
        self.runs.setObjectName("history-table")
        self.runs.setAccessibleName("Probe history")
        self.runs.setAccessibleDescription("Every probe run kept, this machine's and imported ones.")
        self.runs.setHorizontalHeaderLabels(["When", "Machine", "Run", "Source", "FP32 matmul", "Memory bandwidth"])
        self._table_style(self.runs)
        self.side = QTableWidget(0, 0)
        self.side.setObjectName("side-by-side")
        self.side.setAccessibleName("Machines side by side")
        self.side.setAccessibleDescription("The probed machines' figures in columns.")
        self._table_style(self.side)
        self.history_tabs.addTab(self.runs, "Runs")
        self.history_tabs.addTab(self.side, "Machines side by side")
        self.runs.setMinimumHeight(170)
        self.side.setMinimumHeight(170)
        hl.addWidget(self.history_tabs)
        lay.addWidget(hist_box)
        lay.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll)

        self.quick_btn.clicked.connect(lambda: self.probe_requested.emit(True))
        self.full_btn.clicked.connect(lambda: self.probe_requested.emit(False))
        self.cancel_btn.clicked.connect(self.cancel_requested)
        self.import_btn.clicked.connect(self.import_requested)

    @staticmethod
    def _table_style(t: QTableWidget) -> None:
        t.setEditTriggers(QAbstractItemView.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectRows)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(22)
        t.horizontalHeader().setStretchLastSection(True)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        t.setAlternatingRowColors(True)

    # ---- detection ----------------------------------------------------------------------
    def set_machine(self, m) -> None:
        cpu = m.cpu
        match = (f"<b>{escape(cpu.catalog_name)}</b>" if cpu.catalog_name else
                 f"<i>no catalog row</i> ({escape(cpu.match_reason or 'not matched')}); shown as "
                 "<b>This machine</b> in the table")
        self.cpu.setText(_kv([
            ("Model", escape(cpu.brand) if cpu.brand else "<i>reading the brand…</i>"),
            ("Architecture", escape(f"{cpu.arch}, {cpu.isa.upper() if cpu.isa else '—'}")),
            ("Cores / threads", f"{cpu.cores or '?'} / {cpu.threads or '?'}"),
            ("Clock", _fig(cpu.peak_clock_ghz or cpu.max_ghz or cpu.base_ghz, "GHz", 2)),
            ("Peak FP32", _fig(cpu.peak_gflops_fp32, "GFLOP/s")),
            ("Peak BF16", _fig(cpu.peak_gflops_bf16, "GFLOP/s")),
            ("Peak INT8", _fig(cpu.peak_gops_int8, "GOP/s")),
            ("ML flags", escape(", ".join(cpu.flags) or "—")),
            ("Catalog match", match),
        ]))
        self.mem.setText(_kv([("Installed", _fig(m.memory_gb, "GiB")), ("Available", _fig(m.memory_available_gb, "GiB")),
                              ("Detection", f"{m.detect_ms:.0f} ms" if m.detect_ms else "—")]))
        if m.gpus:
            parts = []
            for g in m.gpus:
                parts.append(f"<b>GPU {g.index}: {escape(g.name)}</b>" + _kv([
                    ("Memory", _fig(g.memory_gb, "GiB")),
                    ("Catalog match", escape(g.catalog_name) if g.catalog_name else
                     f"<i>none</i> ({escape(g.match_reason or 'not matched')})"),
                    ("Peak bandwidth", _fig(g.peak_bandwidth_gbps, "GB/s", 0)
                     + (f" ({escape(g.bandwidth_source)})" if g.bandwidth_source else "")),
                    ("Power limit", _fig(g.power_limit_w, "W", 0)),
                    ("Architecture", escape(" ".join(x for x in (g.architecture, g.compute_capability and f"sm {g.compute_capability}") if x) or "—")),
                ]))
            self.gpu.setText("<br>".join(parts))
        else:
            self.gpu.setText("<b>No GPU detected.</b> The advisor works CPU-only here.<br>" + _kv(
                [(vendor.upper() if vendor == "amd" else vendor.capitalize(), escape(status)) for vendor, status in m.gpu_backends]))
        self.warnings.setText("\n".join(f"⚠ {w}" for w in m.warnings))
        self.warnings.setVisible(bool(m.warnings))
        state = "complete" if m.complete else "fast pass; reading the CPU brand in the background"
        self.status.setText(f"Detected in {m.detect_ms or 0:.0f} ms ({state}).")

    def set_detect_failed(self, message: str) -> None:
        self.status.setText(f"Detection failed: {message}")
        for label in (self.cpu, self.mem, self.gpu):
            if label.text() == "Detecting…":
                label.setText("<i>unknown</i>")

    # ---- probes -------------------------------------------------------------------------
    def set_probing(self, running: bool, quick: bool = True) -> None:
        self.quick_btn.setEnabled(not running)
        self.full_btn.setEnabled(not running)
        self.cancel_btn.setEnabled(running)
        if running:
            self.progress.setValue(0)
            self.progress.setFormat(f"{'quick' if quick else 'full'} probe: starting… %p%")
            self.probe_status.setText("Measuring. The window stays usable; Cancel stops within half a second.")

    def set_probe_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{message} — %p%")

    def set_probe_done(self, report: dict | None, message: str) -> None:
        self.set_probing(False)
        self.progress.setFormat("done" if report and not report.get("cancelled") else "cancelled" if report else "failed")
        if report and not report.get("cancelled"):
            self.progress.setValue(1000)
        self.probe_status.setText(message)

    def set_probe_report(self, report: dict | None, machine=None) -> None:
        """Measured figures against the datasheet/theoretical ones."""
        rows = []
        if report:
            cpu = report.get("cpu") or {}
            eff = cpu.get("efficiency") or {}
            theo32 = machine.cpu.peak_gflops_fp32 if machine is not None else None
            peak_src = cpu.get("peak_source") or ("theoretical peak from detection" if theo32 else "")
            for key, label, unit, ek, theo in (
                ("matmul_fp32_gflops", "CPU matmul FP32", "GFLOP/s", "fp32", theo32),
                ("matmul_fp64_gflops", "CPU matmul FP64", "GFLOP/s", "fp64", None),
                ("memory_bandwidth_gbps", "CPU memory bandwidth", "GB/s", "memory_bandwidth", None),
            ):
                v = cpu.get(key)
                if v is None:
                    continue
                e = eff.get(ek)
                ref = (v / e) if e else theo
                rows.append((label, _fig(v, unit), (_fig(ref, unit) + (f"  ({peak_src})" if ref and peak_src else ""))
                             if ref else "—", f"{e:.0%}" if e else ("—" if not ref else f"{v / ref:.0%}")))
            lat = cpu.get("latency_by_batch")
            if isinstance(lat, dict) and lat:
                parts = []
                for b, v in list(lat.items())[:4]:
                    ms = v.get("latency_ms") if isinstance(v, dict) else v
                    parts.append(f"b{b}: {ms:.1f} ms" if isinstance(ms, (int, float)) else f"b{b}")
                rows.append(("CPU latency by batch (MLP block)", ", ".join(parts), "—", "—"))
            for g in report.get("gpus") or []:
                geff = g.get("efficiency") or {}
                for prec, tf in (g.get("matmul_tflops") or {}).items():
                    e = geff.get(prec)
                    rows.append((f"{g.get('name', 'GPU')} matmul {prec.upper()}", _fig(tf, "TFLOP/s"),
                                 _fig(tf / e, "TFLOP/s") if e else "—", f"{e:.0%}" if e else "—"))
                if g.get("memory_bandwidth_gbps"):
                    e = geff.get("memory_bandwidth")
                    rows.append((f"{g.get('name', 'GPU')} memory bandwidth", _fig(g["memory_bandwidth_gbps"], "GB/s"),
                                 _fig(g["memory_bandwidth_gbps"] / e, "GB/s") if e else "—", f"{e:.0%}" if e else "—"))
            when = report.get("timestamp", "")
            mode = "quick" if report.get("quick") else "full"
            errs = report.get("errors") or []
            self.probe_status.setText(f"Latest {mode} probe of this machine: {when}, {report.get('duration_s', 0):.1f} s"
                                      + (f"; {len(errs)} probe(s) reported problems: "
                                         + "; ".join(f"{e['probe']}: {e['message']}" for e in errs[:3]) if errs else "")
                                      + ". Its figures calibrate this machine's rows.")
        self.measured.setRowCount(len(rows))
        for r, vals in enumerate(rows):
            for c, v in enumerate(vals):
                item = QTableWidgetItem(v)
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.measured.setItem(r, c, item)
        if not rows:
            self.measured.setRowCount(1)
            self.measured.setItem(0, 0, QTableWidgetItem("No probe yet: run a quick probe to measure this machine."))

    def set_probes_unavailable(self, message: str) -> None:
        for b in (self.quick_btn, self.full_btn, self.import_btn):
            b.setEnabled(False)
            b.setToolTip(tip(message))
        self.probe_status.setText(message)

    # ---- history ------------------------------------------------------------------------
    def set_history(self, runs: list) -> None:
        self.runs.setRowCount(len(runs))
        for r, run in enumerate(runs):
            cpu = run.report.get("cpu") or {}
            vals = [run.created_at.replace("T", " ").replace("+00:00", " UTC"), run.label,
                    "quick" if run.quick else "full", run.source,
                    _fig(cpu.get("matmul_fp32_gflops"), "GFLOP/s"), _fig(cpu.get("memory_bandwidth_gbps"), "GB/s")]
            for c, v in enumerate(vals):
                item = QTableWidgetItem(v)
                if c >= 4:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.runs.setItem(r, c, item)
        # Side by side: the newest run of each machine.
        latest, seen = [], set()
        for run in runs:
            if run.fingerprint not in seen:
                seen.add(run.fingerprint)
                latest.append(run)
        figures = [("cpu", "matmul_fp32_gflops", "CPU matmul FP32 (GFLOP/s)"),
                   ("cpu", "matmul_fp64_gflops", "CPU matmul FP64 (GFLOP/s)"),
                   ("cpu", "memory_bandwidth_gbps", "CPU memory bandwidth (GB/s)")]
        self.side.clear()
        self.side.setColumnCount(1 + len(latest))
        self.side.setHorizontalHeaderLabels(["Figure"] + [f"{run.hostname}\n{run.created_at[:10]}" for run in latest])
        self.side.setRowCount(len(figures) + 2)
        self.side.setItem(0, 0, QTableWidgetItem("Machine"))
        self.side.setItem(1, 0, QTableWidgetItem("GPUs"))
        for c, run in enumerate(latest, start=1):
            machine = run.report.get("machine") or {}
            self.side.setItem(0, c, QTableWidgetItem((machine.get("cpu") or {}).get("brand") or run.label))
            gpus = [g.get("name", "GPU") for g in run.report.get("gpus") or [] if isinstance(g, dict)]
            self.side.setItem(1, c, QTableWidgetItem(", ".join(gpus) or "none probed"))
        for r, (section, key, label) in enumerate(figures, start=2):
            self.side.setItem(r, 0, QTableWidgetItem(label))
            for c, run in enumerate(latest, start=1):
                v = (run.report.get(section) or {}).get(key)
                item = QTableWidgetItem(fmt_num(v) if isinstance(v, (int, float)) else "—")
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.side.setItem(r, c, item)
        if not runs:
            self.runs.setRowCount(1)
            self.runs.setItem(0, 0, QTableWidgetItem("No probe runs yet."))
