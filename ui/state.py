"""AppState: the one model behind every view.

It holds the current workload (always a valid one), the catalog's device table (plus a row for
this machine when the catalog has none), detection, the latest probe of this machine and the
calibrations, and the results computed from them. Views edit through it and redraw on its
signals; nothing here draws. Edits are validated at once (so the form can say what is wrong
as you type) and recomputed after a short debounce, so a burst of keystrokes costs one
recompute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from advisor.errors import BadInput
from advisor.machines import LOCAL_CPU_ID

log = logging.getLogger(__name__)

DEBOUNCE_MS = 30
MAX_COMPARE = 4
PLANNED_TOP = 25  # ranked devices whose purchase plan the recommendations table shows


def error_path(message: str) -> str:
    """The field a one-line BadInput names ('inference.batch_size'), or '' for the whole file."""
    text = message.split(": ", 1)[1] if ": " in message else message
    first = text.split(" ", 1)[0]
    from advisor.workload import SPEC_BY_PATH

    return first if first in SPEC_BY_PATH else ""


def short_error(message: str) -> str:
    """The BadInput line without its 'source: ' prefix (the form already says where)."""
    return message.split(": ", 1)[1] if ": " in message else message


@dataclass
class Results:
    """What one recompute produced (immutable by convention once emitted)."""

    workload: object
    estimates: object
    ranking: object
    make_charts: Callable[[], dict]  # the chart data, built on first use (a hidden chart costs nothing)
    focus: int | None  # the device the single-device charts (lifecycle, batch sweep) are about
    local: dict[int, str]  # device index -> "this machine" label
    compute_ms: float
    _reasons: dict = field(default_factory=dict)
    calibrations: dict | None = None
    _plans: dict = field(default_factory=dict)

    def plan(self, i: int) -> dict | None:
        """The purchase plan (advisor.plan) of device `i`, for the top PLANNED_TOP ranked devices
        (None for the rest: a plan takes a few milliseconds, the table has hundreds of rows)."""
        if i not in self._plans:
            pos = self.position(i)
            self._plans[i] = None
            if pos is not None and pos < PLANNED_TOP:
                from advisor.plan import Option, plan_option

                try:
                    self._plans[i] = plan_option(self.workload, self.estimates.table,
                                                 Option(str(self.estimates.table.ids[i])),
                                                 calibrations=self.calibrations)
                except (BadInput, ValueError, KeyError, ZeroDivisionError) as e:
                    log.warning("no plan for %s: %s", self.estimates.table.ids[i], e)
        return self._plans[i]

    @property
    def charts(self) -> dict:
        """The data of every chart (advisor.sweeps), computed once, when first drawn."""
        charts = getattr(self, "_charts", None)
        if charts is None:
            charts = self._charts = self.make_charts()
        return charts

    def position(self, i: int) -> int | None:
        pos = getattr(self, "_pos", None)
        if pos is None:
            pos = {int(j): k for k, j in enumerate(self.ranking.order)}
            self._pos = pos
        return pos.get(i)

    def reasons(self, i: int) -> list[str]:
        """Why this device ranks where it does (or why it is excluded)."""
        if i not in self._reasons:
            from advisor.recommend import reasons

            if i in self.ranking.excluded:
                self._reasons[i] = [self.ranking.excluded[i]]
            else:
                try:
                    self._reasons[i] = reasons(self.ranking, i, self.position(i))
                except (ValueError, KeyError) as e:  # a figure the model could not produce
                    self._reasons[i] = [f"no reasons available ({e})"]
        return self._reasons[i]


class AppState(QObject):
    workload_changed = Signal(object)  # a new valid Workload (from a file, a preset or the form)
    input_error = Signal(str, str)  # field path ('' = whole workload), one-line message ('' = fixed)
    results_changed = Signal(object)  # Results
    machine_changed = Signal(object)  # MachineInfo
    probe_changed = Signal(object)  # the latest probe report dict of this machine
    selection_changed = Signal(object)  # current device id (str) or None
    compare_changed = Signal(list)  # device ids picked for side-by-side comparison

    def __init__(self, parent: QObject | None = None, *, catalog=None):
        super().__init__(parent)
        self._catalog = catalog
        self._table = None
        self.workload = None
        self.results: Results | None = None
        self.machine = None
        self.probe_report: dict | None = None
        self.history_calibrations: dict = {}
        self.history_runs: tuple = ()
        self._local_cal_cache: tuple | None = None
        self.selected: str | None = None
        self.compare: list[str] = []
        self.last_error = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.recompute)

    # ---- inputs -----------------------------------------------------------------------
    @property
    def catalog(self):
        if self._catalog is None:
            from hardware_db import load_catalog

            self._catalog = load_catalog()
        return self._catalog

    @property
    def table(self):
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def set_workload(self, wl, *, immediate: bool = False) -> None:
        """Adopt a validated Workload (from a file or preset) and recompute."""
        self.workload = wl
        self.last_error = ""
        self.input_error.emit("", "")
        self.workload_changed.emit(wl)
        self._schedule(immediate)

    def submit_form(self, data: dict) -> bool:
        """Validate the form's dict; a valid one replaces the workload (recompute debounced).

        An invalid one emits `input_error(path, message)` and keeps the last valid results.
        """
        from advisor.workload import workload_from_dict

        try:
            wl = workload_from_dict(data, "workload")
        except BadInput as e:
            self.last_error = str(e)
            self.input_error.emit(error_path(str(e)), short_error(str(e)))
            return False
        self.last_error = ""
        self.input_error.emit("", "")
        self.workload = wl
        self._schedule(False)
        return True

    def _schedule(self, immediate: bool) -> None:
        if immediate:
            self._timer.stop()
            self.recompute()
        else:
            self._timer.start()

    def flush(self) -> None:
        """Run a pending recompute now (tests, screenshots)."""
        if self._timer.isActive():
            self._timer.stop()
            self.recompute()

    def set_machine(self, machine) -> None:
        self.machine = machine
        self._table = None
        self.machine_changed.emit(machine)
        self._schedule(True)

    def set_probe(self, report: dict | None, history_calibrations: dict | None = None, runs=None) -> None:
        """This machine's probe figures (the combined report of `advisor.calibrations`), the
        history's calibrations and runs; everything recomputes at once (no restart)."""
        self.probe_report = report
        if history_calibrations is not None:
            self.history_calibrations = history_calibrations
        if runs is not None:
            self.history_runs = tuple(runs)
        self._local_cal_cache = None
        self._table = None
        self.probe_changed.emit(report)
        self._schedule(True)

    def select(self, device_id: str | None) -> None:
        if device_id == self.selected:
            return
        self.selected = device_id
        self.selection_changed.emit(device_id)
        if self.workload is not None:
            self._schedule(False)  # the single-device charts follow the selection

    def set_compare(self, ids: list[str]) -> None:
        ids = list(dict.fromkeys(ids))[:MAX_COMPARE]
        if ids != self.compare:
            self.compare = ids
            self.compare_changed.emit(ids)

    def toggle_compare(self, device_id: str) -> bool:
        """Add or remove a device from the comparison; False when the comparison is full."""
        if device_id in self.compare:
            self.set_compare([d for d in self.compare if d != device_id])
            return True
        if len(self.compare) >= MAX_COMPARE:
            return False
        self.set_compare([*self.compare, device_id])
        return True

    # ---- this machine as rows of the table --------------------------------------------
    def local_cpu_row(self) -> dict | None:
        """A row for this machine's CPU when the catalog has no match for it: detected peaks,
        detected RAM and (once probed) the measured memory bandwidth."""
        from advisor.machines import detected_cpu_row

        measured_bw = (self.probe_report or {}).get("cpu", {}).get("memory_bandwidth_gbps")
        return detected_cpu_row(self.machine, measured_bw)

    def local_ids(self) -> dict[str, str]:
        """device id -> label for the rows that are this machine."""
        m = self.machine
        if m is None:
            return {}
        out = {}
        if m.cpu.catalog_id:
            out[m.cpu.catalog_id] = "this machine (CPU)"
        else:
            out[LOCAL_CPU_ID] = "this machine (CPU)"
        for g in m.gpus:
            if g.catalog_id:
                out[g.catalog_id] = f"this machine (GPU {g.index})"
        return out

    def _build_table(self):
        from advisor.model.devices import DeviceTable, device_table

        row = self.local_cpu_row()
        if row is None:
            return device_table(self.catalog)
        return DeviceTable.from_rows([*self.catalog.rows, row])

    def calibrations(self) -> dict:
        """The history's calibrations plus this machine's CPU row when the catalog has none,
        combined from the same runs the same way (`advisor.probes.calibrate`)."""
        cal = dict(self.history_calibrations)
        row = self.local_cpu_row()
        if row is None:
            return cal
        key = (id(self.history_runs), row.get("memory_bandwidth_gbps"), row.get("fp32_tflops"))
        if self._local_cal_cache is None or self._local_cal_cache[0] != key:
            local = None
            if self.history_runs:
                from advisor.calibrations import local_runs
                from advisor.probes.calibrate import calibrations_from_runs

                mine = local_runs(self.history_runs)
                local = calibrations_from_runs(mine, self.catalog, local_rows={LOCAL_CPU_ID: row},
                                               local_fingerprints={r.fingerprint for r in mine}).get(LOCAL_CPU_ID)
            elif self.probe_report and self.probe_report.get("cpu"):
                # no history (it could not be read, or tests): the one report there is
                from advisor.probes.calibrate import calibration_from_report

                try:
                    local = calibration_from_report(self.probe_report, row, self.catalog)
                except BadInput:
                    local = None
            self._local_cal_cache = (key, local)
        if self._local_cal_cache[1] is not None:
            cal[LOCAL_CPU_ID] = self._local_cal_cache[1]
        return cal

    def measured_point(self) -> dict | None:
        """The probe's figures as a roofline point (fp32 matmul rate and memory bandwidth)."""
        cpu = (self.probe_report or {}).get("cpu") or {}
        gf, bw = cpu.get("matmul_fp32_gflops"), cpu.get("memory_bandwidth_gbps")
        if not gf or not bw:
            return None
        return {"name": "this machine (measured)", "tflops": gf / 1000, "bandwidth_gbps": bw}

    # ---- compute ----------------------------------------------------------------------
    def recompute(self) -> Results | None:
        if self.workload is None:
            return None
        from advisor import sweeps
        from advisor.model.estimate import estimate_table
        from advisor.recommend import rank

        t0 = time.perf_counter()
        wl, table, cal = self.workload, self.table, self.calibrations()
        est = estimate_table(wl, table, calibrations=cal)
        rk = rank(est)
        ids = list(table.ids)
        focus = rk.best()
        if self.selected in ids and ids.index(self.selected) in set(int(i) for i in rk.order):
            focus = ids.index(self.selected)
        local = {ids.index(d): label for d, label in self.local_ids().items() if d in ids}
        measured = self.measured_point()

        def make_charts() -> dict:
            import numpy as np

            charts = sweeps.all_chart_data(wl, table, rk, calibrations=cal)
            # The roofline shows the top candidates, the focused device and this machine's rows.
            top = rk.order[:6]
            # This machine is one machine: it is suggested only where one of it would do (not
            # "This machine: AMD EPYC (x808)" for a training that would need 808 of them).
            p = est.point
            need = p["train_devices"] if wl.training is not None else p["inf_devices"]
            if wl.training is not None and wl.inference is not None:
                need = np.fmax(p["train_devices"], p["inf_devices"])
            usable = [i for i in local if np.isfinite(need[i]) and need[i] <= 1]
            extra = [i for i in [focus, *usable] if i is not None and i not in set(int(j) for j in top)]
            roof_idx = np.array([*map(int, top), *extra], dtype=int)
            charts["roofline"] = sweeps.roofline(est, roof_idx, measured)
            charts["memory"] = sweeps.memory_breakdown(est, roof_idx[:8])
            if focus is not None and focus != rk.best():
                if wl.training is not None and wl.inference is not None:
                    charts["lifecycle"] = sweeps.lifecycle(est, focus)
                if wl.inference is not None:
                    charts["batch"] = sweeps.batch_sweep(wl, table, focus, calibrations=cal)
            return charts

        ms = (time.perf_counter() - t0) * 1000
        self.results = Results(wl, est, rk, make_charts, focus, local, ms, calibrations=cal)
        self.results_changed.emit(self.results)
        return self.results
