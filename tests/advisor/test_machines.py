"""Machines side by side and machines as options, from a real history file."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.history import History
from advisor.machines import MACHINE_PREFIX, machine_options, side_by_side, sparkline
from advisor.model.devices import DeviceTable
from advisor.model.estimate import estimate_table
from advisor.workload import workload_from_dict
from hardware_db import load_catalog
from tests.advisor.test_calibration_state import h100_import, local_report


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


def colleague_h100() -> dict:
    rep = h100_import(bf16=700.0, bw=3000.0)
    rep["gpus"][0].update({"power_w_under_matmul": 650.0, "energy_j_per_tflop": 0.93, "host_to_device_gbps": 50.0,
                           "efficiency": {"bf16": 0.7075, "memory_bandwidth": 0.8955},
                           "latency_by_batch": {"1": {"latency_ms": 0.1}, "8": {"latency_ms": 0.11}}})
    return rep


def test_sparkline():
    assert sparkline([1.0, 2.0, 3.0]) == "▁▅█" and sparkline([5.0]) == "" and sparkline([2.0, 2.0]) == "▄▄"


def test_every_figure_of_every_machine_with_trends(tmp_path, catalog):
    f = tmp_path / "colleague.json"
    import json

    f.write_text(json.dumps(colleague_h100()))
    with History() as h:
        for fp32, m in ((5000.0, 30), (5200.0, 20), (5100.0, 10)):
            h.add_run(local_report(fp32, 300.0, minutes_ago=m, lat1=0.2))
        h.import_file(f)
        runs = h.runs()
    data = side_by_side(runs, catalog)
    here, there = data["columns"]
    assert here["this_machine"] and not here["imported"] and len(here["runs"]) == 3
    assert there["imported"] and there["hostname"] == "colleague" and "H100" in there["label"]
    rows = {r["key"]: r for r in data["rows"]}
    fp32 = rows["cpu.matmul_fp32_gflops"]
    assert fp32["values"] == [5100.0, None]  # this machine: the median of its runs
    assert fp32["history"][0] == [5000.0, 5200.0, 5100.0] and fp32["trend"][0] == "▁█▅"  # (5100 - 5000) / 200 x 7 = 3.5 -> 4
    assert rows["gpus[0].matmul_tflops.bf16"]["values"] == [None, 700.0]
    assert rows["gpus[0].matmul_tflops.bf16"]["efficiency"] == [None, 0.7075]
    for key in ("gpus[0].memory_bandwidth_gbps", "gpus[0].power_w_under_matmul", "gpus[0].energy_j_per_tflop",
                "gpus[0].host_to_device_gbps", "gpus[0].latency_by_batch.8.latency_ms",
                "cpu.latency_by_batch.1.latency_ms", "cpu.memory_bandwidth_gbps"):
        assert key in rows, key


def test_an_imported_machine_is_an_option_priced_with_its_own_figures(tmp_path, catalog):
    import json

    f = tmp_path / "colleague.json"
    f.write_text(json.dumps(colleague_h100()))
    with History() as h:
        h.import_file(f)
        runs = h.runs()
    ((mid, (row, cal)),) = machine_options(runs, catalog).items()
    assert mid.startswith(MACHINE_PREFIX) and row["id"] == mid and row["memory_bandwidth_gbps"] == 3350
    assert cal.device_id == mid and cal.compute_efficiency["bf16"] == pytest.approx(700 / 989.4, abs=1e-4)
    wl = workload_from_dict({"model": {"params_b": 6.74}, "inference": {
        "precision": "bf16", "requests_per_day": 1e5, "prompt_tokens": 256, "output_tokens": 128}})
    measured = estimate_table(wl, DeviceTable.from_rows([row]), calibrations={mid: cal})
    datasheet = estimate_table(wl, DeviceTable.from_rows([row]))
    assert measured.record(0)["calibrated"] and not datasheet.record(0)["calibrated"]
    # decode streams weights: 3000 / 3350 measured against the default 0.85 efficiency
    ratio = datasheet.point["tpot_ms"][0] / measured.point["tpot_ms"][0]
    assert np.isfinite(ratio) and ratio != 1.0


def test_a_history_machine_is_a_plan_option(tmp_path, capsys):
    import json

    from advisor.cli import run as cli_run

    f = tmp_path / "colleague.json"
    f.write_text(json.dumps(colleague_h100()))
    with History() as h:
        h.import_file(f)
    wl = tmp_path / "w.toml"
    wl.write_text('name = "chat"\n[model]\nparams_b = 6.74\n[inference]\nprecision = "bf16"\n'
                  'requests_per_day = 1e6\nprompt_tokens = 256\noutput_tokens = 128\n')
    assert cli_run(["plan", "--workload", str(wl), "--option", "machine:colleague", "--option", "h100 sxm",
                    "--json"]) == 0
    measured, datasheet = json.loads(capsys.readouterr().out)["options"]
    assert measured["device"].startswith(MACHINE_PREFIX) and "colleague (measured" in measured["label"]
    assert measured["calibrated"] and not datasheet["calibrated"]
    assert measured["request_latency_ms"] != datasheet["request_latency_ms"]
    assert cli_run(["plan", "--workload", str(wl), "--option", "machine:nobody"]) == 2
    assert capsys.readouterr().err.startswith("error: --option: no machine in the probe history match "
                                              "'machine:nobody'; known: machine:colleague")


def test_an_imported_machines_efficiency_is_computed_here(tmp_path, catalog):
    """The file's own `efficiency` (someone else's arithmetic, or missing) is not shown: the
    percentages come from the catalog row, as for this machine's runs."""
    import json

    rep = colleague_h100()
    rep["gpus"][0]["efficiency"] = {"bf16": 5.0}  # a file that claims 500%
    f = tmp_path / "colleague.json"
    f.write_text(json.dumps(rep))
    with History() as h:
        h.import_file(f)
        runs = h.runs()
    rows = {r["key"]: r for r in side_by_side(runs, catalog)["rows"]}
    row = catalog.row("h100-sxm5-80gb")
    assert rows["gpus[0].matmul_tflops.bf16"]["efficiency"] == [pytest.approx(700.0 / row["bf16_tflops"], abs=1e-4)]
    assert rows["gpus[0].memory_bandwidth_gbps"]["efficiency"] == [
        pytest.approx(3000.0 / row["memory_bandwidth_gbps"], abs=1e-4)]
    assert runs[0].report["gpus"][0]["efficiency"] == {"bf16": 5.0}  # the stored run is left as it came
