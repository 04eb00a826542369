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


def _batches(lat) -> list[tuple[str, dict]]:
    """(batch, entry) of a latency-by-batch section with a latency, smallest batch first."""
    if not isinstance(lat, dict):
        return []
    items = [(str(b), e) for b, e in lat.items() if str(b).isdigit() and isinstance(e, dict)
             and isinstance(e.get("latency_ms"), (int, float))]
    return sorted(items, key=lambda kv: int(kv[0]))


def _row_keys(report: dict) -> list[str]:
    """The figure path of each row `set_probe_report` builds, in the same order."""
    keys = []
    cpu = report.get("cpu") or {}
    for key in ("matmul_fp32_gflops", "matmul_fp64_gflops", "memory_bandwidth_gbps"):
        if cpu.get(key) is not None:
            keys.append(f"cpu.{key}")
    for b, _e in _batches(cpu.get("latency_by_batch")):
        keys.append(f"cpu.latency_by_batch.{b}.latency_ms")
    for i, g in enumerate(report.get("gpus") or []):
        keys += [f"gpus[{i}].matmul_tflops.{p}" for p in (g.get("matmul_tflops") or {})]
        if g.get("memory_bandwidth_gbps"):
            keys.append(f"gpus[{i}].memory_bandwidth_gbps")
    return keys


def _note(report: dict, key: str) -> str:
    """'±3% over 40 reps; median of runs 4, 7, 9' or 'implausible: ...' for one figure."""
    for f in report.get("plausibility") or []:
        if f.get("figure") == key or str(f.get("figure", "")).startswith(key + "."):
            return f"implausible, not used: {f.get('reason', '')}"
    parts = []
    section, _, name = key.partition(".")
    if section == "cpu":
        m = ((report.get("cpu") or {}).get("measurements") or {}).get(name)
    else:
        idx = int(section[5:-1])
        gpus = report.get("gpus") or []
        m = ((gpus[idx] if idx < len(gpus) else {}).get("measurements") or {}).get(name)
    from advisor.probes.repeatability import describe_spread

    if text := describe_spread(m):
        parts.append(text)
    c = (report.get("combined_figures") or {}).get(key)
    if isinstance(c, dict) and c.get("runs"):
        parts.append(f"median of run(s) {', '.join(map(str, c['runs']))}")
    return "; ".join(parts) or "—"


class MachineView(QWidget):
    probe_requested = Signal(bool)  # quick?
    cancel_requested = Signal()
    import_requested = Signal()
    compare_machine_requested = Signal(str)  # "machine:<fingerprint>"
    apply_requested = Signal(int, str, bool)  # run id, catalog device id, undo?

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
        self.measured = QTableWidget(0, 5)
        self.measured.setObjectName("measured-table")
        self.measured.setAccessibleName("Measured figures")
        self.measured.setAccessibleDescription("What the probes measured next to the datasheet figures.")
        self.measured.setHorizontalHeaderLabels(["Figure", "Measured", "Datasheet / theoretical", "Efficiency",
                                                 "Spread and runs"])
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
        self.side.setMinimumHeight(240)
        hl.addWidget(self.history_tabs)
        side_buttons = QHBoxLayout()
        self.side_note = QLabel("Pick a machine's column, then compare it on the current workload or let an "
                                "imported run calibrate its catalog row.")
        self.side_note.setWordWrap(True)
        self.side_note.setProperty("role", "muted")
        side_buttons.addWidget(self.side_note, 1)
        self.compare_machine_btn = QPushButton("Add machine to Compare")
        self.compare_machine_btn.setObjectName("compare-machine")
        self.compare_machine_btn.setAccessibleName("Add the selected machine to Compare")
        self.compare_machine_btn.setToolTip("Price the current workload on the selected machine, with its own measured "
                                            "figures, as a column of the Compare tab.")
        self.apply_btn = QPushButton("Apply to its catalog row")
        self.apply_btn.setObjectName("apply-import")
        self.apply_btn.setAccessibleName("Let the selected imported machine calibrate its catalog row")
        self.apply_btn.setToolTip("Let the selected imported machine's plausible figures calibrate the catalog row "
                                  "of its device, for every estimate (press again to stop).")
        for b in (self.compare_machine_btn, self.apply_btn):
            b.setEnabled(False)
            side_buttons.addWidget(b)
        hl.addLayout(side_buttons)
        self._side_columns: list[dict] = []
        self.side.currentCellChanged.connect(lambda *_: self._on_side_selection())
        self.compare_machine_btn.clicked.connect(self._on_compare_machine)
        self.apply_btn.clicked.connect(self._on_apply)
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
        tips: dict[tuple[int, int], str] = {}
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
                # the cell names the source in short; the whole of it (which clock) is its tooltip
                short = peak_src.split(" at the reported")[0]
                rows.append((label, _fig(v, unit), (_fig(ref, unit) + (f"  ({short})" if ref and short else ""))
                             if ref else "—", f"{e:.0%}" if e else ("—" if not ref else f"{v / ref:.0%}")))
                if ref and peak_src:
                    tips[(len(rows) - 1, 2)] = peak_src
            for b, e in _batches(cpu.get("latency_by_batch")):  # one row each: each has its own spread
                util = e.get("utilisation")
                rows.append((f"CPU MLP block latency, batch {b}", _fig(e["latency_ms"], "ms", 2), "—",
                             f"{util:.0%} of peak" if isinstance(util, (int, float)) else "—"))
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
            combined = report.get("combined_from") or []
            basis = (f"Figures: the median of {len(combined)} recent plausible run(s) of this machine "
                     f"(history runs {', '.join(map(str, combined))}); they calibrate this machine's rows."
                     if combined else "Its figures calibrate this machine's rows.")
            self.probe_status.setText(f"Latest {mode} probe of this machine: {when}, {report.get('duration_s', 0):.1f} s"
                                      + (f"; {len(errs)} probe(s) reported problems: "
                                         + "; ".join(f"{e['probe']}: {e['message']}" for e in errs[:3]) if errs else "")
                                      + ". " + basis)
        if report:
            rows = [(*vals, _note(report, key)) for vals, key in zip(rows, _row_keys(report))]
        self.measured.setRowCount(len(rows))
        for r, vals in enumerate(rows):
            for c, v in enumerate(vals):
                item = QTableWidgetItem(v)
                item.setToolTip(tip(tips.get((r, c), v)))  # a narrow column's whole text
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
        if not any(True for _ in self._side_columns):
            from advisor.machines import side_by_side

            self.set_side_by_side(side_by_side(runs))
        if not runs:
            self.runs.setRowCount(1)
            self.runs.setItem(0, 0, QTableWidgetItem("No probe runs yet."))

    def set_side_by_side(self, data: dict) -> None:
        """Every measured figure of every machine (`advisor.machines.side_by_side`): value,
        efficiency against the datasheet, and its trend over that machine's runs."""
        cols, rows = data.get("columns", []), data.get("rows", [])
        self._side_columns = list(cols)
        self.side.clear()
        self.side.setColumnCount(1 + len(cols))
        self.side.setHorizontalHeaderLabels(
            ["Figure"] + [f"{c['label']}\n{'imported' if c['imported'] else 'measured here'}, {len(c['runs'])} run(s)"
                          for c in cols])
        self.side.setRowCount(len(rows) + 1)
        self.side.setItem(0, 0, QTableWidgetItem("Newest run"))
        for c, col in enumerate(cols, start=1):
            note = col["newest"].replace("T", " ")[:16]
            if col["applied_to"]:
                note += f"; calibrates {', '.join(col['applied_to'])}"
            self.side.setItem(0, c, QTableWidgetItem(note))
        for r, row in enumerate(rows, start=1):
            self.side.setItem(r, 0, QTableWidgetItem(f"{row['label']} ({row['unit']})"))
            for c in range(len(cols)):
                v, e, trend = row["values"][c], row["efficiency"][c], row["trend"][c]
                sp = (row.get("spread") or [None] * len(cols))[c]
                if v is None:
                    text = "—"
                else:
                    text = (fmt_num(v) + (f" ±{sp * 100:.0f}%" if sp is not None else "")
                            + (f"  {e:.0%}" if e is not None else "") + (f"  {trend}" if trend else ""))
                    if row["flagged"][c]:
                        text += "  (implausible: not used)"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                hist = [x for x in row["history"][c] if x is not None]
                if hist:
                    item.setToolTip(f"{len(hist)} run(s), oldest to newest: " + ", ".join(fmt_num(x) for x in hist)
                                    + ("; ±: the spread the newest run states (its own, or this machine's run to run)"
                                       if sp is not None else "")
                                    + ("; percentage: efficiency against the datasheet or theoretical peak" if e else ""))
                self.side.setItem(r, c + 1, item)
        self._on_side_selection()

    def _selected_machine(self) -> dict | None:
        c = self.side.currentColumn() - 1
        return self._side_columns[c] if 0 <= c < len(self._side_columns) else None

    def _on_side_selection(self) -> None:
        col = self._selected_machine()
        self.compare_machine_btn.setEnabled(col is not None)
        self.apply_btn.setEnabled(bool(col and col["imported"] and self._apply_target(col)))
        if col and col["imported"] and col["applied_to"]:
            self.apply_btn.setText("Stop calibrating its catalog row")
        else:
            self.apply_btn.setText("Apply to its catalog row")

    @staticmethod
    def _apply_target(col: dict) -> str | None:
        from advisor.probes.calibrate import measured_device_ids

        ids = measured_device_ids(col["runs"][-1].report)
        return ids[0] if ids else None

    def _on_compare_machine(self) -> None:
        col = self._selected_machine()
        if col is not None:
            self.compare_machine_requested.emit(col["id"])

    def _on_apply(self) -> None:
        col = self._selected_machine()
        target = self._apply_target(col) if col else None
        if col is None or target is None:
            return
        self.apply_requested.emit(col["runs"][-1].id, target, bool(col["applied_to"]))
