"""`probe`: measure this machine (CPU, and GPUs when a GPU library is present), store the run
in the history, or import another machine's `probe --json` output for comparison."""

from __future__ import annotations

import argparse
import sys
import threading

from advisor.cli.common import examples


def register(sub) -> None:
    p = sub.add_parser(
        "probe", help="measure this machine with short on-device probes",
        description="Run short on-device probes (matmul throughput, memory bandwidth, latency by batch; "
                    "GPUs too when PyTorch or CuPy is installed). Each run is saved in the probe history "
                    "unless --no-save.",
        epilog=examples("hwadvisor probe --quick", "hwadvisor probe --json > workstation-a.json",
                        "hwadvisor probe --import workstation-a.json",
                        "hwadvisor probe --apply 7 --device rtx-4090", "hwadvisor probe --machines"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="short probes (about 10 s) instead of the full run (about 60 s)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--import", dest="import_file", metavar="FILE",
                   help="store another machine's `probe --json` output in the history instead of probing")
    p.add_argument("--apply", dest="apply_run", type=int, metavar="RUN",
                   help="let imported run RUN calibrate the catalog device --device (imports never calibrate "
                        "until applied; only their plausible figures do)")
    p.add_argument("--unapply", dest="unapply_run", type=int, metavar="RUN",
                   help="stop imported run RUN from calibrating (--device: only that device)")
    p.add_argument("--device", metavar="DEV", help="the catalog device for --apply / --unapply")
    p.add_argument("--machines", action="store_true",
                   help="show every machine in the probe history side by side (this one's figures combined over "
                        "its recent runs, each with its spread and trend) instead of probing")
    p.add_argument("--no-save", action="store_true", help="do not store this run in the history")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="give up on probes still running after S seconds (default: 30 quick, 150 full)")
    p.set_defaults(func=run)


def _fmt(v, digits: int = 1, unit: str = "") -> str:
    if not isinstance(v, (int, float)) or v != v:
        return "-"
    return f"{v:,.{digits}f}{unit}"


def _pct(eff: dict, key: str) -> str:
    v = eff.get(key)
    return f"  ({v * 100:.0f}% of peak)" if isinstance(v, (int, float)) else ""


def _spread(cpu: dict, key: str) -> str:
    from advisor.probes.repeatability import describe_spread

    text = describe_spread((cpu.get("measurements") or {}).get(key))
    return f" {text}" if text else ""


def print_summary(report: dict, out=None) -> None:
    out = out or sys.stdout
    cpu = report.get("cpu") or {}
    eff = cpu.get("efficiency") or {}
    w = out.write
    w(f"CPU  {((report.get('machine') or {}).get('cpu') or {}).get('brand', '')}\n")
    w(f"  matmul fp32       {_fmt(cpu.get('matmul_fp32_gflops'))} GFLOP/s{_spread(cpu, 'matmul_fp32_gflops')}"
      f"{_pct(eff, 'fp32')}\n")
    w(f"  matmul fp64       {_fmt(cpu.get('matmul_fp64_gflops'))} GFLOP/s{_spread(cpu, 'matmul_fp64_gflops')}"
      f"{_pct(eff, 'fp64')}\n")
    w(f"  memory bandwidth  {_fmt(cpu.get('memory_bandwidth_gbps'))} GB/s (read + write)"
      f"{_spread(cpu, 'memory_bandwidth_gbps')}{_pct(eff, 'memory_bandwidth')}\n")
    if cpu.get("peak_source") and eff:
        w(f"  % of peak against: {cpu['peak_source']}\n")
    cond = next(iter((cpu.get("conditions") or {}).values()), None)
    if isinstance(cond, dict):
        w(f"  ran on {cond.get('threads', '?')} threads at {cond.get('clock_ghz', '?')} GHz (reported clock)\n")
    lat = cpu.get("latency_by_batch") or {}
    if lat:
        from advisor.probes.repeatability import stated_spread

        w("  MLP block   batch   latency ms   ±stated   samples/s   utilisation\n")
        for batch, e in lat.items():
            util = e.get("utilisation")
            s = stated_spread((cpu.get("measurements") or {}).get(f"latency_by_batch.{batch}.latency_ms"))
            w(f"              {batch:>5} {_fmt(e.get('latency_ms'), 2):>12} "
              f"{(f'±{s * 100:.0f}%' if s is not None else '-'):>9} {_fmt(e.get('samples_per_s'), 0):>11}"
              f" {(f'{util * 100:.0f}%' if isinstance(util, (int, float)) else '-'):>13}\n")
    for g in report.get("gpus") or []:
        geff = g.get("efficiency") or {}
        w(f"GPU {g.get('index', '')}  {g.get('name', '')}  ({g.get('library', '')})\n")
        for prec, tf in (g.get("matmul_tflops") or {}).items():
            w(f"  matmul {prec:<5}      {_fmt(tf)} TFLOP/s{_pct(geff, prec)}\n")
        w(f"  memory bandwidth  {_fmt(g.get('memory_bandwidth_gbps'), 0)} GB/s{_pct(geff, 'memory_bandwidth')}\n")
        w(f"  host-to-device    {_fmt(g.get('host_to_device_gbps'))} GB/s\n")
        if g.get("energy_j_per_tflop") is not None:
            w(f"  energy            {_fmt(g.get('energy_j_per_tflop'), 2)} J/TFLOP at {_fmt(g.get('power_w_under_matmul'), 0)} W\n")
    for f in report.get("plausibility") or []:
        w(f"  implausible, not used to calibrate: {f.get('figure')}: {f.get('reason')}\n")
    for e in report.get("errors") or []:
        w(f"  {e.get('kind', 'error')}: {e.get('probe')}: {e.get('message')}\n")
    w(f"{'quick ' if report.get('quick') else ''}probe took {_fmt(report.get('duration_s'))} s"
      f"{' (cancelled)' if report.get('cancelled') else ''}\n")


def _stderr_progress(fraction: float, message: str) -> None:
    write = getattr(sys.stderr, "write_control", sys.stderr.write)  # our own \r, not file text
    write(f"\r{fraction * 100:3.0f}%  {message[:60]:<60}")
    sys.stderr.flush()


def _apply(args) -> int:
    from advisor.cli import print_json
    from advisor.errors import BadInput
    from advisor.history import History, HistoryError

    run_id = args.apply_run if args.apply_run is not None else args.unapply_run
    device_id = None
    if args.device:
        from advisor.cli.common import load_catalog_for

        device_id = load_catalog_for(args).resolve(args.device)["id"]
    elif args.apply_run is not None:
        raise BadInput("--apply: needs --device DEV, the catalog device the run was measured on")
    try:
        with History() as history:
            if args.apply_run is not None:
                history.apply_run(run_id, device_id)
            else:
                if history.run(run_id) is None:
                    raise BadInput(f"--unapply: no run {run_id} in the probe history")
                history.unapply_run(run_id, device_id)
            record = history.run(run_id)
    except HistoryError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print_json({"run_id": run_id, "applied_to": list(record.applied_to)})
    elif args.apply_run is not None:
        print(f"run {run_id} ({record.label}) now calibrates {device_id} with its plausible figures")
    else:
        print(f"run {run_id} ({record.label}) calibrates: {', '.join(record.applied_to) or 'nothing'}")
    return 0


def _machines(args) -> int:
    """The history's machines side by side (`advisor.machines.side_by_side`), as the GUI's
    Machine view shows them."""
    from advisor.cli import print_json
    from advisor.cli.common import load_catalog_for
    from advisor.history import History, HistoryError
    from advisor.machines import side_by_side

    catalog = load_catalog_for(args)
    try:
        with History() as history:
            for w in history.warnings:
                print(f"warning: {w}", file=sys.stderr)
            data = side_by_side(history.runs(), catalog)
    except HistoryError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    cols, rows = data["columns"], data["rows"]
    if args.json:
        print_json({"columns": [{k: c[k] for k in ("id", "label", "hostname", "this_machine", "imported",
                                                   "newest", "applied_to")}
                                | {"runs": [r.id for r in c["runs"]],
                                   "combined_from": c["report"].get("combined_from")} for c in cols],
                    "rows": [{k: r[k] for k in ("key", "label", "unit", "values", "spread", "efficiency",
                                                "flagged", "history")} for r in rows]})
        return 0
    if not cols:
        print("No probe runs yet: run `hwadvisor probe --quick`, or import a colleague's with --import FILE.")
        return 0
    for i, c in enumerate(cols, start=1):
        how = "imported" if c["imported"] else "measured here"
        basis = (f"; figures: median of runs {', '.join(map(str, c['report']['combined_from']))}"
                 if c["report"].get("combined_from") else "")
        applied = f"; calibrates {', '.join(c['applied_to'])}" if c["applied_to"] else ""
        print(f"[{i}] {c['label']}: {how}, {len(c['runs'])} run(s), newest {c['newest']}{basis}{applied}")
    width = max([len(f"{r['label']} ({r['unit']})") for r in rows] + [6])
    print(f"{'figure':<{width}}" + "".join(f"  {f'[{i}]':>26}" for i in range(1, len(cols) + 1)))
    for r in rows:
        cells = []
        for c in range(len(cols)):
            v, sp, e = r["values"][c], r["spread"][c], r["efficiency"][c]
            if v is None:
                cells.append("-")
                continue
            text = _fmt(v, 2 if abs(v) < 10 else 1) + (f" ±{sp * 100:.0f}%" if sp is not None else "")
            text += f" {e * 100:.0f}%pk" if e is not None else ""
            text += f" {r['trend'][c]}" if r["trend"][c] else ""
            cells.append(text + (" IMPLAUSIBLE" if r["flagged"][c] else ""))
        print(f"{r['label'] + ' (' + r['unit'] + ')':<{width}}" + "".join(f"  {x:>26}" for x in cells))
    print("±: the spread the newest run states (its own or the machine's run to run, whichever is larger); "
          "%pk: of the datasheet or theoretical peak; trend: oldest to newest run; IMPLAUSIBLE: never calibrates")
    return 0


def _annotate_without_saving(data: dict) -> None:
    """Run-to-run spreads from the history when there is one, without creating or writing it."""
    from advisor.history import FILE_NAME, History
    from advisor.paths import data_dir
    from advisor.probes.repeatability import annotate, annotate_from_history

    annotate(data, [])  # the priors' ranges, kept when there is no readable history
    if (data_dir() / FILE_NAME).is_file():
        try:
            with History() as history:
                annotate_from_history(data, history)
        except Exception:  # --no-save: the run is shown all the same, with the priors' ranges
            pass


def run(args) -> int:
    from advisor.cli import print_json
    from advisor.history import History, HistoryError
    from advisor.probes.repeatability import annotate, annotate_from_history

    if args.machines:
        return _machines(args)
    if args.apply_run is not None or args.unapply_run is not None:
        return _apply(args)
    if args.import_file:
        try:
            history = History()
        except HistoryError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        with history:
            for w in history.warnings:
                print(f"warning: {w}", file=sys.stderr)
            try:
                run_id = history.import_file(args.import_file)  # BadInput -> exit 2 at the boundary
            except HistoryError as e:  # locked, disk full: nothing was stored
                print(f"error: {e}", file=sys.stderr)
                return 1
            record = next(r for r in history.runs() if r.id == run_id)
        if args.json:
            print_json({"run_id": run_id, "fingerprint": record.fingerprint, "machine": record.label,
                        "created_at": record.created_at, "source": record.source})
        else:
            print(f"imported {args.import_file} as run {run_id} ({record.label}, {record.created_at})")
        return 0

    from advisor.probes import run_probes

    if args.timeout is not None and not (args.timeout > 0):
        from advisor.errors import BadInput

        raise BadInput("--timeout: must be a number of seconds > 0")
    timeout = args.timeout if args.timeout is not None else (30.0 if args.quick else 150.0)
    show_progress = sys.stderr.isatty()
    cancel = threading.Event()
    report = run_probes(quick=args.quick, progress=_stderr_progress if show_progress else None,
                        cancel=cancel, timeout_s=timeout)
    if show_progress:
        getattr(sys.stderr, "write_control", sys.stderr.write)("\r" + " " * 70 + "\r")
    data = report.to_dict()
    if args.no_save:
        _annotate_without_saving(data)
    else:
        annotate(data, [])  # the priors' ranges, kept if the history cannot be opened
        try:
            with History() as history:
                for w in history.warnings:
                    print(f"warning: {w}", file=sys.stderr)
                annotate_from_history(data, history)  # ranges that take in this machine's run-to-run spread
                data["history_run_id"] = history.add_run(data)
        except HistoryError as e:
            from advisor.history import keep_unsaved_run

            kept = keep_unsaved_run(data)
            print(f"warning: {e}" + (f"; the run is kept in {kept} (store it later with probe --import)"
                                     if kept else ""), file=sys.stderr)
    if args.json:
        print_json(data)
    else:
        print_summary(data)
    for e in data["errors"]:
        if args.json:
            print(f"warning: probe {e['probe']}: {e['message']}", file=sys.stderr)
    measured = any(isinstance(v, (int, float)) for v in data["cpu"].values()) or data["gpus"]
    return 0 if measured else 1
