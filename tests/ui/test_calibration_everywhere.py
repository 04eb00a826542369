"""One calibration state: the CLI, the GUI (live, without a restart) and the PDF report show
the same calibrated numbers and the same combined figures of this machine."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advisor.cli import run as cli_run
from advisor.history import History
from tests.advisor.test_calibration_state import h100_import, local_report

WORKLOAD = """
name = "chat"
[model]
params_b = 6.74
[inference]
precision = "bf16"
requests_per_day = 1e5
prompt_tokens = 256
output_tokens = 128
"""
FIGURES = ("tpot_ms", "ttft_ms", "request_latency_ms", "energy_wh_per_request")


def cli_record(path, device: str, capsys) -> dict:
    capsys.readouterr()
    assert cli_run(["estimate", "--workload", str(path), "--device", device, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def pdf_data(path):
    from ui.report import build_data

    return build_data(str(path), machine=None)


def record_in(est, device_id: str) -> dict:
    return est.record(int(np.flatnonzero(est.table.ids == device_id)[0]))


@pytest.fixture
def history_and_workload(tmp_path):
    with History() as h:
        for fp32, bw, m in [(5000.0, 300.0, 50), (5200.0, 320.0, 40), (2100.0, 140.0, 30)]:
            h.add_run(local_report(fp32, bw, minutes_ago=m, lat1=0.2))
    wl = tmp_path / "chat.toml"
    wl.write_text(WORKLOAD)
    return wl


def test_cli_gui_and_pdf_show_the_same_calibrated_numbers(history_and_workload, qtbot, fast_detect, tmp_path, capsys):
    from advisor.workload import load_workload
    from tests.ui.conftest import built_window

    wl_path = history_and_workload
    window = built_window(qtbot)
    window.state.set_workload(load_workload(wl_path), immediate=True)
    window.state.flush()

    def three(device_id, device_words):
        cli = cli_record(wl_path, device_words, capsys)
        gui = record_in(window.state.results.estimates, device_id)
        pdf = record_in(pdf_data(wl_path).estimates, device_id)
        return cli, gui, pdf

    cli, gui, pdf = three("epyc-9654", "epyc 9654")
    assert cli["calibrated"] and gui["calibrated"] and pdf["calibrated"]
    assert cli["calibrated_figures"] == gui["calibrated_figures"] == pdf["calibrated_figures"]
    for key in FIGURES:
        c, g, p = (r["inference"][key] for r in (cli, gui, pdf))
        assert c == pytest.approx(g, rel=1e-12) and g == pytest.approx(p, rel=1e-12), key
    assert json.dumps(cli["range"], sort_keys=True) == json.dumps(gui["range"], sort_keys=True)
    # this machine's figures: the median of the three runs, everywhere
    assert window.state.probe_report["cpu"]["memory_bandwidth_gbps"] == 300.0
    table = window.machine.measured
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "CPU memory bandwidth")
    assert table.item(row, 1).text() == "300.0 GB/s" and table.item(row, 4).text().startswith("median of run(s) ")
    data = pdf_data(wl_path)
    assert data.probe["cpu"]["memory_bandwidth_gbps"] == 300.0
    from ui.report.sections.machine import probe_html

    assert "median of the 3 most recent plausible probe run(s)" in probe_html(data)

    # An import changes nothing until applied, then the GUI follows at once (no restart).
    f = tmp_path / "h100.json"
    f.write_text(json.dumps(h100_import(bf16=700.0, bw=3000.0)))
    task = window.import_probe(str(f))
    qtbot.waitUntil(lambda: task not in window.tasks, timeout=10000)
    window.state.flush()
    before = record_in(window.state.results.estimates, "h100-sxm5-80gb")
    assert not before["calibrated"] and not cli_record(wl_path, "h100 sxm", capsys)["calibrated"]
    with History() as h:
        run_id = next(r.id for r in h.runs() if r.imported)
    task = window.apply_import(run_id, "h100-sxm5-80gb")
    qtbot.waitUntil(lambda: task not in window.tasks, timeout=10000)
    window.state.flush()
    cli, gui, pdf = three("h100-sxm5-80gb", "h100 sxm")
    assert gui["calibrated"] and gui["inference"]["tpot_ms"] != before["inference"]["tpot_ms"]
    for key in FIGURES:
        c, g, p = (r["inference"][key] for r in (cli, gui, pdf))
        assert c == pytest.approx(g, rel=1e-12) and g == pytest.approx(p, rel=1e-12), key
    assert json.dumps(cli["range"], sort_keys=True) == json.dumps(gui["range"], sort_keys=True)
    from ui import workers

    workers.shutdown()
