"""The slow jobs the GUI runs in worker threads (`ui.workers.run_task`), as plain functions
`job(progress, cancel, ...)`. They only call `advisor`; they never touch a widget."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def detect_job(progress, cancel, catalog, complete: bool):
    """Detection: the fast pass, or `complete_cpu` on top of it (py-cpuinfo, ~1 s)."""
    from advisor.detect import complete_cpu, detect_machine

    progress(0.1, "detecting hardware")
    machine = detect_machine(catalog, fast=True)
    if complete and not cancel.is_set():
        progress(0.5, "reading the CPU brand")
        machine = complete_cpu(machine, catalog)
    progress(1.0, "detected")
    return machine


def history_job(progress, cancel, catalog):
    """The probe history: runs (newest first), calibrations and this machine's combined report
    (`advisor.calibrations`, the state the CLI and the PDF read too), and any warning."""
    out = {"runs": [], "report": None, "calibrations": {}, "warnings": [], "available": True}
    try:
        from advisor.calibrations import state_from_runs
        from advisor.history import History
    except ImportError as e:  # probes/history not installed in this tree
        out["available"] = False
        out["warnings"].append(f"Probe history is not available in this build ({e.name}).")
        return out
    try:
        with History() as h:
            out["warnings"] += list(getattr(h, "warnings", []))
            out["runs"] = h.runs()
        state = state_from_runs(out["runs"], catalog)
        out["calibrations"] = state.calibrations
        out["report"] = state.machine_report
        from advisor.machines import machine_options, side_by_side

        out["side_by_side"] = side_by_side(out["runs"], catalog)
        out["machine_options"] = machine_options(out["runs"], catalog)
    except Exception as e:  # a broken history never stops the app
        out["warnings"].append(f"Probe history could not be read: {e}")
        return out
    return out


def apply_job(progress, cancel, run_id: int, device_id: str, catalog, undo: bool = False):
    """Let an imported run calibrate a catalog device (or stop it), then re-read the history."""
    from advisor.history import History

    with History() as h:
        if undo:
            h.unapply_run(run_id, device_id)
        else:
            h.apply_run(run_id, device_id)  # BadInput -> the task's one-line failure
    return history_job(progress, cancel, catalog)


def probe_job(progress, cancel, quick: bool, catalog, probes=None):
    """Run the probes, store the run in the history, and return (report dict, history dict)."""
    from advisor.probes import run_probes

    report = run_probes(quick=quick, progress=progress, cancel=cancel, probes=probes, catalog=catalog,
                        timeout_s=30.0 if quick else 150.0)
    data = report.to_dict()
    warnings = []
    if not report.cancelled:
        from advisor.probes.repeatability import annotate, annotate_from_history

        annotate(data, [], catalog)  # the priors' ranges, kept if the history cannot be opened
        try:
            from advisor.history import History

            with History() as h:
                annotate_from_history(data, h, catalog)  # ranges that take in this machine's run-to-run spread
                data["history_run_id"] = h.add_run(data)
        except Exception as e:
            from advisor.history import keep_unsaved_run

            kept = keep_unsaved_run(data)
            warnings.append(f"Run not saved to the history: {e}"
                            + (f"; it is kept in {kept} (Import probe file stores it later)" if kept else ""))
    hist = history_job(lambda *_: None, cancel, catalog)
    hist["warnings"] = warnings + hist["warnings"]
    return data, hist


def import_job(progress, cancel, path: str, catalog):
    """Import another machine's `probe --json` file into the history."""
    from advisor.history import History

    with History() as h:
        h.import_file(path)  # BadInput -> the task's one-line failure
    return history_job(progress, cancel, catalog)


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...),
# =cmd|...); a tab or carriage return can smuggle one in after a blank start (OWASP "CSV
# injection"). Device names and reasons come from other people's overlays.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text: text starting like a formula gets a leading
    apostrophe (the spreadsheet convention for "this is text"); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_job(progress, cancel, path: str, header: list[str], rows: list[list]):
    import csv
    import io

    from advisor.atomic import write_text_atomic

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([csv_cell(h) for h in header])
    for k, row in enumerate(rows):
        if cancel.is_set():
            return None
        w.writerow([csv_cell(v) for v in row])
        if k % 50 == 0:
            progress(k / max(1, len(rows)), "writing CSV")
    write_text_atomic(path, buf.getvalue())
    return path
