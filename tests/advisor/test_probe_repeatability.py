"""Run-to-run spreads: a run states a range that takes in how far this machine's figures move
from one run to the next, not just how steady they were during the run. Figures are fed in;
nothing here times anything."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest

from advisor.history import History
from advisor.probes.measure import MIN_STATED_SPREAD, agree, stated_range
from advisor.probes.repeatability import (
    HISTORY_RUNS,
    MIN_HISTORY_RUNS,
    RUN_TO_RUN_PRIOR,
    annotate,
    annotate_from_history,
    describe_spread,
    earlier_local_reports,
    figure_kind,
    run_to_run_spread,
    spread_of_runs,
    stated_spread,
)
from hardware_db import load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


def _m(median: float, spread: float = 0.01, reps: int = 20) -> dict:
    return {"median": median, "spread": spread, "reps": reps}


def _report(bw=30.0, fp32=200.0, lat1=1.0, within=0.01, host="h", fp="fp-a", uid=None) -> dict:
    """A CPU probe report as `ProbeReport.to_dict()` gives it (the fields these rules read)."""
    return {
        "cpu": {"matmul_fp32_gflops": fp32, "memory_bandwidth_gbps": bw,
                "latency_by_batch": {"1": {"latency_ms": lat1, "gflops": 33.6}},
                "measurements": {"matmul_fp32_gflops": _m(fp32, within), "memory_bandwidth_gbps": _m(bw, within),
                                 "latency_by_batch.1.latency_ms": _m(lat1, within)}},
        "gpus": [], "machine": {"hostname": host,
                                "cpu": {"brand": "AMD EPYC", "peak_gflops_fp32": 166.2, "max_ghz": None,
                                        "peak_clock_source": "highest reported clock"}},
        "fingerprint": fp, "run_uid": uid or f"uid-{random.random()}", "quick": True,
    }


def test_spread_of_runs_by_hand():
    # median 10, deviations -10%, 0, +10%: sqrt((0.01 + 0 + 0.01) / 2) = 0.1
    assert spread_of_runs([9.0, 10.0, 11.0]) == pytest.approx(0.1)
    assert spread_of_runs([5.0]) == 0.0 and spread_of_runs([]) == 0.0 and spread_of_runs([0.0, 0.0]) == 0.0
    # a machine that lands in a second mode in 2 runs of 10 (memory copies 26 vs 33-34 GB/s):
    # the MAD ignores the mode (0%), the runs' spread takes it in (13.6%), so a run in it agrees
    runs = [26.0] * 8 + [33.0, 34.0]
    assert spread_of_runs(runs) == pytest.approx(math.sqrt(((7 / 26) ** 2 + (8 / 26) ** 2) / 9))
    from advisor.probes.measure import robust_spread

    assert robust_spread(runs) == 0.0
    assert agree({"median": 26.0, "stated_spread": spread_of_runs(runs)}, {"median": 33.0, "spread": 0.01})


def test_kinds_of_figure():
    assert figure_kind("matmul_fp32_gflops") == "compute"
    assert figure_kind("matmul_tflops.bf16") == "compute"
    assert figure_kind("memory_bandwidth_gbps") == "bandwidth"
    assert figure_kind("host_to_device_gbps") == "bandwidth"
    assert figure_kind("latency_by_batch.8.latency_ms") == "latency"


def test_first_run_states_the_prior_when_its_own_spread_is_smaller(catalog):
    rep = annotate(_report(within=0.01), [], catalog)
    m = rep["cpu"]["measurements"]
    assert m["matmul_fp32_gflops"]["stated_spread"] == RUN_TO_RUN_PRIOR["compute"]
    assert m["memory_bandwidth_gbps"]["stated_spread"] == RUN_TO_RUN_PRIOR["bandwidth"]
    assert m["latency_by_batch.1.latency_ms"]["stated_spread"] == RUN_TO_RUN_PRIOR["latency"]
    assert m["memory_bandwidth_gbps"]["run_to_run_basis"].startswith("prior for bandwidth figures")
    assert m["memory_bandwidth_gbps"]["spread"] == 0.01  # the run's own spread is kept as measured
    # a run noisier than the prior states its own spread
    noisy = annotate(_report(within=0.3), [], catalog)["cpu"]["measurements"]
    assert noisy["matmul_fp32_gflops"]["stated_spread"] == 0.3


def test_the_machines_own_record_replaces_the_prior(catalog):
    bws = [30.0, 33.0, 27.0, 31.0, 29.0, 36.0, 24.0]  # newest first
    earlier = [_report(bw=b) for b in bws]
    m = annotate(_report(bw=30.0), earlier, catalog)["cpu"]["measurements"]["memory_bandwidth_gbps"]
    assert m["run_to_run_spread"] == pytest.approx(spread_of_runs(bws), abs=1e-4)
    assert m["stated_spread"] == pytest.approx(max(spread_of_runs(bws), 0.01), abs=1e-4)
    assert m["run_to_run_basis"] == "7 earlier runs here"
    # a steady machine's record narrows the range below the prior, but never below the floor
    steady = [_report(fp32=200.0) for _ in range(MIN_HISTORY_RUNS)]
    f = annotate(_report(fp32=200.0), steady, catalog)["cpu"]["measurements"]["matmul_fp32_gflops"]
    assert f["run_to_run_spread"] == 0.0 and f["stated_spread"] == max(0.01, MIN_STATED_SPREAD)


def test_too_few_runs_keep_the_prior_unless_they_already_spread_wider():
    assert run_to_run_spread("memory_bandwidth_gbps", [30.0, 30.1, 29.9]) == (
        RUN_TO_RUN_PRIOR["bandwidth"], "prior for bandwidth figures (3 earlier runs here)")
    wide, basis = run_to_run_spread("memory_bandwidth_gbps", [20.0, 30.0, 40.0])
    assert wide == pytest.approx(spread_of_runs([20.0, 30.0, 40.0])) and basis == "3 earlier runs here"
    # only the newest HISTORY_RUNS count: an old, noisy era does not widen today's range forever
    old_noise = [200.0] * HISTORY_RUNS + [50.0, 400.0, 10.0]
    assert run_to_run_spread("matmul_fp32_gflops", old_noise)[0] == 0.0


def test_implausible_earlier_figures_are_not_evidence(catalog):
    # an injected outlier: 2.8 GFLOP/s (under 2% of the 166 GFLOP/s peak) is flagged in its run
    earlier = [_report(fp32=v) for v in (200.0, 2.8, 204.0, 196.0, 2.8, 200.0, 198.0, 202.0)]
    m = annotate(_report(), earlier, catalog)["cpu"]["measurements"]["matmul_fp32_gflops"]
    assert m["run_to_run_basis"] == "6 earlier runs here"
    assert m["run_to_run_spread"] == pytest.approx(spread_of_runs([200.0, 204.0, 196.0, 200.0, 198.0, 202.0]), abs=1e-4)


def test_agreement_uses_the_stated_spread():
    a, b = _m(100.0, 0.01), _m(115.0, 0.01)
    assert not agree(a, b)  # the runs' own spreads: 98-102 vs 112.7-117.3
    a["stated_spread"] = b["stated_spread"] = 0.05  # this machine moves 5% run to run
    assert agree(a, b)  # 90-110 vs 103.5-126.5
    assert stated_spread(a) == 0.05 and stated_spread({"median": 1, "spread": 0.02}) == 0.02
    assert stated_spread(None) is None


def test_runs_of_a_noisy_machine_land_inside_the_ranges_they_state(catalog):
    """A machine whose bandwidth moves 8% run to run but only 1% within a run. Ranges from the
    run's own spread: consecutive runs rarely agree. Ranges that take in the record: they agree
    (overlap, as `agree` asks: about 99% for a right spread) and the next run lands inside the
    previous run's range (+/- 2 spreads around one noisy run: about 84% for a right spread)."""
    rng = random.Random(18)
    history: list[dict] = []
    n = 60
    inside = agree_stated = agree_own = 0
    for _ in range(n):
        rep = annotate(_report(bw=30.0 * (1 + rng.gauss(0, 0.08)), within=0.01), history, catalog)
        m = rep["cpu"]["measurements"]["memory_bandwidth_gbps"]
        if history:
            prev = history[0]["cpu"]["measurements"]["memory_bandwidth_gbps"]
            lo, hi = stated_range(prev["median"], prev["stated_spread"])
            inside += lo <= m["median"] <= hi
            agree_stated += agree(prev, m)
            agree_own += agree({"median": prev["median"], "spread": prev["spread"]},
                               {"median": m["median"], "spread": m["spread"]})
        history.insert(0, rep)
    assert agree_stated >= 0.9 * (n - 1), agree_stated
    assert inside >= 0.7 * (n - 1), inside
    assert agree_own <= 0.4 * (n - 1), agree_own


def test_earlier_local_runs_are_this_machines_own(tmp_path):
    with History(tmp_path / "h.sqlite3") as h:
        mine = _report(bw=31.0, host="here", fp="fp-a", uid="u1")
        h.add_run(mine)
        h.add_run(_report(bw=99.0, host="elsewhere", fp="fp-c", uid="u2"))  # another host
        h.add_run(_report(bw=98.0, host="here", fp="fp-b", uid="u3"))  # other hardware here
        h.add_run(_report(bw=97.0, host="here", fp="fp-a", uid="u4"), source="import:colleague.json")
        new = _report(bw=30.0, host="here", fp="fp-a", uid="u5")
        reports = earlier_local_reports(h.runs(), new, host="here")
        assert [r["cpu"]["memory_bandwidth_gbps"] for r in reports] == [31.0]
        h.add_run(new)  # the run itself is not its own history
        assert [r["run_uid"] for r in earlier_local_reports(h.runs(), new, host="here")] == ["u1"]


class BrokenHistory:
    def runs(self):
        raise OSError("disk gone")


def test_an_unreadable_history_leaves_the_priors(catalog):
    m = annotate_from_history(_report(), BrokenHistory(), catalog)["cpu"]["measurements"]["matmul_fp32_gflops"]
    assert m["stated_spread"] == RUN_TO_RUN_PRIOR["compute"]


def test_the_spread_as_people_read_it(catalog):
    m = annotate(_report(within=0.02), [], catalog)["cpu"]["measurements"]["memory_bandwidth_gbps"]
    assert describe_spread(m) == ("±8% (run to run: prior for bandwidth figures (0 earlier runs here); "
                                  "this run ±2% over 20 reps)")
    assert describe_spread(_m(5.0, 0.02)) == "±2% over 20 reps"  # a run stored before stated spreads
    assert describe_spread({"median": 5.0}) == "" and describe_spread("junk") == ""


def test_malformed_stored_measurements_are_skipped(catalog):
    bad = _report()
    bad["cpu"]["measurements"] = {"matmul_fp32_gflops": "fast", "memory_bandwidth_gbps": {"median": "x"},
                                  "latency_by_batch.1.latency_ms": {"median": float("nan")}}
    rep = annotate(_report(), [bad, "not a report", {"cpu": []}], catalog)
    assert rep["cpu"]["measurements"]["matmul_fp32_gflops"]["run_to_run_basis"].startswith("prior")


def _fake_probes(values):
    """Probes for the real CLI path: this host, one fp32 figure per run taken from `values`."""
    import platform

    from advisor.probes.runner import Probe

    it = iter(values)

    def machine(ctx):
        return {"hostname": platform.node(), "cpu": {"brand": "Test CPU", "cores": 2}}

    def matmul(ctx):
        v = next(it)
        return {"matmul_fp32_gflops": v, "measurements": {"matmul_fp32_gflops": _m(v, 0.005, 12)}}

    return lambda quick: [Probe("detect", machine, 1.0, target="machine"), Probe("cpu.matmul_fp32", matmul, 1.0)]


def test_the_probe_command_states_and_stores_the_run_to_run_range(monkeypatch, capsys):
    """`hwadvisor probe`: the first run states the prior; from the sixth on, this machine's own
    spread; the stored run keeps what it stated; --no-save reads the record but adds nothing."""
    import json

    import main
    from advisor.probes import runner

    values = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0, 100.0]
    monkeypatch.setattr(runner, "default_probes", _fake_probes(values))
    stated = []
    for _ in range(6):
        assert main.main(["probe", "--quick", "--json"]) == 0
        m = json.loads(capsys.readouterr().out)["cpu"]["measurements"]["matmul_fp32_gflops"]
        stated.append((m["stated_spread"], m["run_to_run_basis"]))
    assert stated[0] == (RUN_TO_RUN_PRIOR["compute"], "prior for compute figures (0 earlier runs here)")
    own = round(spread_of_runs([95.0, 105.0, 90.0, 110.0, 100.0]), 4)
    assert stated[5] == (own, "5 earlier runs here")
    with History() as h:
        runs = h.runs()
        assert len(runs) == 6
        assert runs[0].report["cpu"]["measurements"]["matmul_fp32_gflops"]["stated_spread"] == own
    assert main.main(["probe", "--quick", "--no-save"]) == 0
    out = capsys.readouterr().out
    six = spread_of_runs([100.0, 95.0, 105.0, 90.0, 110.0, 100.0])
    assert f"±{six * 100:.0f}% (run to run: 6 earlier runs here; this run ±0% over 12 reps)" in out
    with History() as h:
        assert len(h.runs()) == 6


def test_share_watch_sees_cpu_time_taken_by_others(monkeypatch):
    """The counters are fed in: 2 CPUs over 1 s = 2 CPU-s; we used 1.0, the CPUs were busy 1.6
    and 0.3 s was stolen: others took (1.6 - 1.0 + 0.3) / 2 = 45%."""
    from advisor.probes import cpu

    clock = iter([10.0, 11.0])
    own = iter([5.0, 6.0])
    counters = iter([[cpu._CpuTime(busy=100.0, steal=1.0), cpu._CpuTime(busy=200.0, steal=2.0)],
                     [cpu._CpuTime(busy=100.9, steal=1.2), cpu._CpuTime(busy=200.7, steal=2.1)]])
    monkeypatch.setattr(cpu, "time", SimpleNamespace(perf_counter=lambda: next(clock)))  # this module's clock only
    monkeypatch.setattr(cpu, "_own_cpu_s", lambda: next(own))
    monkeypatch.setattr(cpu, "_cpu_times", lambda: next(counters))
    w = cpu.CpuShareWatch()
    assert w.shares() == {"others_cpu_share": 0.45, "steal_share": 0.15}


def test_share_watch_says_nothing_without_counters(monkeypatch):
    from advisor.probes import cpu

    monkeypatch.setattr(cpu, "_cpu_times", lambda: None)
    assert cpu.CpuShareWatch().shares() == {}
    assert "others_cpu_share" not in cpu.run_conditions(cpu.CpuShareWatch())


def test_cpu_times_of_the_usable_cpus_add_up():
    from advisor.probes import cpu

    times = cpu._cpu_times()
    if times is None:
        pytest.skip("no per-CPU counters here")
    assert all(t.busy >= 0 and t.steal >= 0 for t in times)


def test_figures_measured_while_others_took_the_cpus_are_flagged(catalog):
    from advisor.probes.plausibility import BUSY_OTHERS_SHARE, check_report

    rep = _report()
    rep["cpu"]["conditions"] = {
        "matmul_fp32": {"threads": 2, "load_avg_1min": 0.5, "others_cpu_share": 0.32, "steal_share": 0.0},
        "memory_bandwidth": {"threads": 2, "load_avg_1min": 0.5, "others_cpu_share": 0.40, "steal_share": 0.35},
        "latency_by_batch": {"threads": 2, "load_avg_1min": 0.5, "others_cpu_share": BUSY_OTHERS_SHARE}}
    flags = {f["figure"]: f["reason"] for f in check_report(rep, catalog) if f["kind"] == "busy"}
    assert flags == {
        "cpu.matmul_fp32_gflops": "measured while other programs used 32% of this machine's CPU time",
        "cpu.memory_bandwidth_gbps": "measured while the hypervisor gave to other guests 40% of this machine's CPU time"}


def test_a_run_far_off_this_machines_record_is_noted_not_flagged(catalog):
    earlier = [_report(fp32=v) for v in (196.0, 201.0, 193.0, 199.0, 197.0, 200.0)]
    m = annotate(_report(fp32=102.8), earlier, catalog)["cpu"]["measurements"]["matmul_fp32_gflops"]
    assert m["unusual"] == "unusual for this machine: 48% below the median of its last 6 runs (198); run it again"
    assert "run it again" in describe_spread(m)
    # it still counts in the record (a machine that really changed must not freeze its history)
    later = annotate(_report(fp32=200.0), [_report(fp32=102.8)] + earlier, catalog)
    assert later["cpu"]["measurements"]["matmul_fp32_gflops"]["run_to_run_basis"] == "7 earlier runs here"
    # an ordinary run, and a run with too little record, get no note
    assert "unusual" not in annotate(_report(fp32=204.0), earlier, catalog)["cpu"]["measurements"]["matmul_fp32_gflops"]
    assert "unusual" not in annotate(_report(fp32=102.8), earlier[:4], catalog)["cpu"]["measurements"][
        "matmul_fp32_gflops"]


def test_gpu_figures_take_their_own_record(catalog):
    """GPU figures are matched by path (gpus[i].matmul_tflops.bf16), not mixed with the CPU's."""
    def gpu_report(bf16):
        rep = _report()
        rep["gpus"] = [{"index": 0, "name": "NVIDIA H200", "catalog_id": "h200-sxm-141gb",
                        "matmul_tflops": {"bf16": bf16}, "memory_bandwidth_gbps": 4270.0,
                        "measurements": {"matmul_tflops.bf16": _m(bf16, 0.004, 30),
                                         "memory_bandwidth_gbps": _m(4270.0, 0.002, 30)}}]
        return rep

    earlier = [gpu_report(v) for v in (760.0, 790.0, 745.0, 800.0, 770.0)]
    rep = annotate(gpu_report(781.0), earlier, catalog)
    m = rep["gpus"][0]["measurements"]["matmul_tflops.bf16"]
    assert m["run_to_run_basis"] == "5 earlier runs here"
    assert m["run_to_run_spread"] == pytest.approx(spread_of_runs([760.0, 790.0, 745.0, 800.0, 770.0]), abs=1e-4)
    bw = rep["gpus"][0]["measurements"]["memory_bandwidth_gbps"]
    assert bw["stated_spread"] == MIN_STATED_SPREAD and bw["run_to_run_spread"] == 0.0
    from advisor.probes.repeatability import measurement_for

    assert measurement_for(rep, "gpus[0].matmul_tflops.bf16") is m
    assert measurement_for(rep, "gpus[3].matmul_tflops.bf16") is None
    assert measurement_for(rep, "cpu.matmul_fp32_gflops")["median"] == 200.0
    assert measurement_for(rep, "machine.x") is None and measurement_for({}, "cpu.x") is None


# ---- edges, by hand -----------------------------------------------------------------------------

def test_run_counts_and_small_figures():
    assert run_to_run_spread("matmul_fp32_gflops", [200.0])[1] == "prior for compute figures (1 earlier run here)"
    assert run_to_run_spread("matmul_fp32_gflops", [200.0, 201.0])[1] == "prior for compute figures (2 earlier runs here)"
    # latencies under 1 ms are figures like any other; zeros, negatives and gaps are not
    lat = [0.70, 0.90, 0.75, 0.85, 0.80]
    assert run_to_run_spread("latency_by_batch.1.latency_ms", lat) == (pytest.approx(spread_of_runs(lat)),
                                                                       "5 earlier runs here")
    assert spread_of_runs(lat) > 0.05
    assert run_to_run_spread("latency_by_batch.1.latency_ms", [0.8, 0.0, None, -1.0, 0.9])[1].endswith(
        "(2 earlier runs here)")
    assert spread_of_runs([9.0, 11.0]) == pytest.approx(math.sqrt(0.02))  # two runs: n - 1 = 1


def test_annotation_rounds_and_skips_what_is_not_a_measurement(catalog):
    earlier = [_report(bw=b) for b in (30.0, 33.0, 27.0, 31.0, 29.0, 36.0)]
    rep = _report(bw=30.0)
    ms = rep["cpu"]["measurements"]
    ms.clear()
    ms.update({"junk": "x", "no_median": {"spread": 0.02}, "memory_bandwidth_gbps": {"median": 30.0, "reps": 3}})
    annotate(rep, earlier, catalog)
    m = ms["memory_bandwidth_gbps"]
    assert m["run_to_run_spread"] == round(spread_of_runs([30.0, 33.0, 27.0, 31.0, 29.0, 36.0]), 4)  # exactly
    assert m["stated_spread"] == m["run_to_run_spread"]  # no within-run spread given: counts as 0, not 100%
    assert ms["no_median"] == {"spread": 0.02} and ms["junk"] == "x"


def test_a_gpu_without_measurements_and_an_old_note(catalog):
    rep = _report()
    rep["gpus"] = [{"name": "GPU without a measurements record"}, "junk"]
    rep["cpu"]["measurements"]["matmul_fp32_gflops"]["unusual"] = "unusual for this machine: old note"
    earlier = [_report(fp32=v) for v in (196.0, 201.0, 193.0, 199.0, 197.0, 200.0)]
    m = annotate(rep, earlier, catalog)["cpu"]["measurements"]["matmul_fp32_gflops"]
    assert "unusual" not in m  # an ordinary run now: the note goes


def test_earlier_runs_are_read_past_bad_entries(catalog):
    good = [_report(bw=b) for b in (30.0, 33.0, 27.0, 31.0, 29.0)]
    mixed = _report(fp32=2.8, bw=32.0)  # its fp32 is flagged (under 2% of peak), its bandwidth is fine
    mixed["cpu"]["measurements"] = {"matmul_fp32_gflops": _m(2.8), "not_a_record": 5,
                                    "memory_bandwidth_gbps": _m(32.0)}
    from advisor.probes.repeatability import earlier_medians

    med = earlier_medians(["not a report", mixed, *good], catalog)
    assert med["cpu.memory_bandwidth_gbps"] == [32.0, 30.0, 33.0, 27.0, 31.0, 29.0]
    assert med["cpu.matmul_fp32_gflops"] == [200.0] * 5


def test_flag_paths_match_whole_names_only():
    from advisor.probes.repeatability import _is_flagged

    assert _is_flagged("cpu.latency_by_batch.8.latency_ms", {"cpu.latency_by_batch"})
    assert _is_flagged("cpu.matmul_fp32_gflops", {"cpu.matmul_fp32_gflops"})
    assert not _is_flagged("cpu.matmul_fp32_gflops", {"cpu.matmul_fp32"})


def test_measurement_paths_that_lead_nowhere():
    from advisor.probes.repeatability import measurement_for

    rep = _report()
    rep["gpus"] = [{"measurements": {"matmul_tflops.bf16": _m(700.0), "odd": "text"}}]
    assert measurement_for(rep, "gpus[0].matmul_tflops.bf16")["median"] == 700.0
    for path in ("gpus[1].matmul_tflops.bf16", "gpus[a].x", "abcde12.matmul", "gpus[0].odd", "cpu.nothing"):
        assert measurement_for(rep, path) is None, path
    assert measurement_for("junk", "cpu.matmul_fp32_gflops") is None
    assert measurement_for(None, "gpus[0].matmul_tflops.bf16") is None


def test_how_a_spread_reads_when_fields_are_missing():
    assert describe_spread({"median": 1.0, "spread": 0.02, "stated_spread": 0.9}) == (
        "±90% (run to run: ?; this run ±2% over ? reps)")
    long_note = "unusual for this machine: " + "x" * 300
    text = describe_spread({"median": 1.0, "spread": 0.02, "reps": 9, "stated_spread": 0.05,
                            "run_to_run_basis": "6 earlier runs here", "unusual": long_note})
    assert text == "±5% (run to run: 6 earlier runs here; this run ±2% over 9 reps); " + long_note[:200]


def test_unusual_either_way_and_at_its_edges():
    from advisor.probes.repeatability import unusual_for_this_machine

    record = [0.80, 0.82, 0.78, 0.81, 0.79]  # five runs of a sub-millisecond latency
    assert unusual_for_this_machine(1.6, record, 0.02) == (
        "unusual for this machine: 100% above the median of its last 5 runs (0.8); run it again")
    assert unusual_for_this_machine(0.4, record, 0.02).startswith("unusual for this machine: 50% below")
    assert unusual_for_this_machine(0.4, record[:4], 0.02) is None  # four runs are not a record yet
    assert unusual_for_this_machine(0.0, record, 0.02) is None  # nothing measured: nothing to compare
    assert unusual_for_this_machine(0.4, [*record, 0.0, -1.0, None], 0.02).endswith("last 5 runs (0.8); run it again")
    # two earlier runs far apart are not yet the machine's own spread: the prior speaks
    assert run_to_run_spread("memory_bandwidth_gbps", [100.0, 200.0]) == (
        RUN_TO_RUN_PRIOR["bandwidth"], "prior for bandwidth figures (2 earlier runs here)")
