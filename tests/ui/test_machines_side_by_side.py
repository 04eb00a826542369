"""The Machine view's side-by-side table and a machine as a Compare column, in the GUI."""

from __future__ import annotations

import json

from advisor.history import History
from tests.advisor.test_calibration_state import local_report
from tests.advisor.test_machines import colleague_h100

WORKLOAD = {"name": "chat", "model": {"params_b": 6.74},
            "inference": {"precision": "bf16", "requests_per_day": 1e5, "prompt_tokens": 256, "output_tokens": 128}}


def test_side_by_side_compare_column_and_apply(qtbot, fast_detect, tmp_path):
    from advisor.workload import workload_from_dict
    from tests.ui.conftest import built_window

    f = tmp_path / "colleague.json"
    f.write_text(json.dumps(colleague_h100()))
    with History() as h:
        for fp32, m in ((5000.0, 30), (5200.0, 20)):
            h.add_run(local_report(fp32, 300.0, minutes_ago=m))
        h.import_file(f)
    w = built_window(qtbot)
    w.state.set_workload(workload_from_dict(WORKLOAD), immediate=True)
    w.state.flush()
    side = w.machine.side
    headers = [side.horizontalHeaderItem(c).text() for c in range(side.columnCount())]
    assert headers[1].startswith("This machine") and "colleague" in headers[2] and "imported" in headers[2]
    labels = [side.item(r, 0).text() for r in range(side.rowCount())]
    for label in ("GPU 0 matmul BF16 (TFLOP/s)", "GPU 0 power under matmul (W)", "GPU 0 memory bandwidth (GB/s)",
                  "CPU matmul FP32 (GFLOP/s)", "GPU 0 MLP block latency, batch 8 (ms)"):
        assert label in labels, label
    bf16 = side.item(labels.index("GPU 0 matmul BF16 (TFLOP/s)"), 2).text()
    assert bf16.startswith("700") and "71%" in bf16

    # the colleague's machine as a Compare column, priced with its own figures
    side.setCurrentCell(1, 2)
    assert w.machine.compare_machine_btn.isEnabled() and w.machine.apply_btn.isEnabled()
    w.machine.compare_machine_btn.click()
    machine_id = w.machine._side_columns[1]["id"]
    assert machine_id in w.state.compare
    table = w.compare.table
    assert table.columnCount() == 1 and "colleague" in table.horizontalHeaderItem(0).text()
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    tpot = table.item(rows.index("Latency · TPOT"), 0).text()
    assert tpot and tpot != "n/a"

    # applying it calibrates the catalog's H100 row at once
    ids = list(w.state.results.estimates.table.ids)
    h100 = ids.index("h100-sxm5-80gb")
    assert not w.state.results.estimates.calibrated[h100]
    w.machine.apply_btn.click()
    qtbot.waitUntil(lambda: not w.tasks, timeout=10000)
    w.state.flush()
    assert w.state.results.estimates.calibrated[h100]
    from ui import workers

    workers.shutdown()


def test_cli_gui_and_pdf_state_the_same_spread(qtbot, fast_detect, tmp_path, capsys):
    """Runs stored the way `probe` stores them (annotated with this machine's run-to-run
    spread): the CLI's --machines, the GUI's side-by-side and measured-figures tables and the
    PDF's This machine page state the same spread for a figure."""
    from advisor.cli import run as cli_run
    from advisor.probes.repeatability import annotate, spread_of_runs
    from advisor.workload import workload_from_dict
    from tests.ui.conftest import built_window

    bws = [300.0, 330.0, 280.0, 310.0, 290.0, 350.0, 305.0]  # oldest first
    with History() as h:
        for i, bw in enumerate(bws):
            rep = local_report(5000.0, bw, minutes_ago=70 - i)
            rep["cpu"]["measurements"] = {"memory_bandwidth_gbps": {"median": bw, "spread": 0.01, "reps": 9}}
            earlier = [r.report for r in h.runs()]
            h.add_run(annotate(rep, earlier))
    spread = round(spread_of_runs(list(reversed(bws[:-1]))), 4)  # the six runs before the newest
    pct = f"±{spread * 100:.0f}%"

    capsys.readouterr()
    assert cli_run(["probe", "--machines", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["rows"] if r["key"] == "cpu.memory_bandwidth_gbps")
    assert row["spread"] == [spread]
    assert cli_run(["probe", "--machines"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("CPU memory bandwidth"))
    assert pct in line

    w = built_window(qtbot)
    w.state.set_workload(workload_from_dict(WORKLOAD), immediate=True)
    w.state.flush()
    side = w.machine.side
    labels = [side.item(r, 0).text() for r in range(side.rowCount())]
    assert pct in side.item(labels.index("CPU memory bandwidth (GB/s)"), 1).text()
    measured = w.machine.measured
    r = next(r for r in range(measured.rowCount()) if measured.item(r, 0).text() == "CPU memory bandwidth")
    assert measured.item(r, 4).text().startswith(f"{pct} (run to run: 6 earlier runs here")

    from ui.report import build_data
    from ui.report.sections.machine import probe_html

    wl = tmp_path / "chat.json"
    wl.write_text(json.dumps(WORKLOAD))
    html = probe_html(build_data(str(wl), machine=None))
    assert f"<td class='num'>{pct}</td>" in html
    from ui import workers

    workers.shutdown()
