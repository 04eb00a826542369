"""Measurement discipline: warm-up, repeat until the spread settles, median and spread; the
plausibility check against the physics with injected outliers. Durations are fed in, so
nothing here depends on how fast this machine is."""

from __future__ import annotations

import itertools

import pytest

from advisor.probes.measure import (
    SETTLED_SPREAD,
    agree,
    repeat_until_settled,
    robust_spread,
    stated_range,
)
from advisor.probes.plausibility import BOOST_ALLOWANCE, check_report, flagged_figures
from hardware_db import load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


class FakeCtx:
    """A probe context whose clock never runs out unless told (no timing in these tests)."""

    def __init__(self, time_left: float = 1e9):
        self._left = time_left
        self.checks = 0

    def check(self):
        self.checks += 1

    def time_left(self):
        return self._left


def durations(values):
    it = iter(values)
    return lambda: next(it)


def test_median_not_best_and_outliers_do_not_move_it():
    # 1 s of work per repetition; warm-up (2 slow calls) is not timed; one stray 10x-slow rep.
    seq = [5.0, 5.0] + [1.0, 1.01, 0.99, 10.0, 1.0, 1.02, 0.98, 1.0, 1.0, 1.01]
    s = repeat_until_settled(FakeCtx(), durations(seq), 100.0, warmup_s=0.0, warmup_reps=2, max_reps=10)
    # settled after 8 timed repetitions: rates 100, 99, 101, 10, 100, 98.04, 102.04, 100
    assert s.settled and s.reps == 8 and s.median == pytest.approx(100.0)
    assert s.low == pytest.approx(10.0) and s.high == pytest.approx(100 / 0.98)
    assert s.spread < 0.03  # the stray repetition does not inflate the robust spread


def test_stops_once_settled_and_keeps_going_while_noisy():
    steady = itertools.repeat(0.5)
    s = repeat_until_settled(FakeCtx(), lambda: next(steady), 1.0, warmup_s=0.0, max_reps=400)
    assert s.settled and s.reps == 8 and s.spread == 0.0 and s.median == 2.0
    noisy = itertools.cycle([0.5, 1.0, 0.7, 1.3])
    s = repeat_until_settled(FakeCtx(), lambda: next(noisy), 1.0, warmup_s=0.0, max_reps=40)
    assert not s.settled and s.reps == 40 and s.spread > SETTLED_SPREAD


def test_spent_budget_still_times_a_few_repetitions():
    calls = itertools.repeat(0.1)
    s = repeat_until_settled(FakeCtx(time_left=0.0), lambda: next(calls), 1.0, warmup_s=1.0, warmup_reps=5)
    assert s.reps == 3  # HARD_MIN_REPS, after a single warm-up call


def test_spread_and_agreement_arithmetic():
    # MAD of [9, 10, 11] around 10 is 1 -> 1.4826 * 1 / 10
    assert robust_spread([9.0, 10.0, 11.0]) == pytest.approx(0.14826)
    assert stated_range(100.0, 0.05) == pytest.approx((90.0, 110.0))
    assert stated_range(100.0, 0.0) == pytest.approx((98.0, 102.0))  # at least 1% spread is stated
    assert agree({"median": 100, "spread": 0.05}, {"median": 118, "spread": 0.05})  # 110 >= 106.2
    assert not agree({"median": 100, "spread": 0.02}, {"median": 120, "spread": 0.02})


def _cpu_report(fp32=200.0, fp64=100.0, bw=30.0, lat=None, machine_cpu=None, catalog_id=None, measurements=None):
    cpu = {"matmul_fp32_gflops": fp32, "matmul_fp64_gflops": fp64, "memory_bandwidth_gbps": bw,
           "latency_by_batch": lat or {"1": {"latency_ms": 1.0, "gflops": 33.6}, "8": {"latency_ms": 1.2, "gflops": 224.0}}}
    if catalog_id:
        cpu["catalog_id"] = catalog_id
    if measurements:
        cpu["measurements"] = measurements
    hw = machine_cpu or {"brand": "AMD EPYC", "peak_gflops_fp32": 166.2, "max_ghz": None,
                         "peak_clock_source": "highest reported clock"}
    return {"cpu": cpu, "gpus": [], "machine": {"hostname": "h", "cpu": hw}}


def test_boost_allowance_when_the_os_hides_the_boost_clock(catalog):
    # 240 GFLOP/s on a VM reporting 2.6 GHz: the cores boost; within 1.1 x 1.6 x 166.2
    assert "cpu.matmul_fp32_gflops" not in flagged_figures(_cpu_report(fp32=240.0), catalog)
    # the same figure with a reported 2.6 GHz max clock is impossible
    hw = {"brand": "x", "peak_gflops_fp32": 166.2, "max_ghz": 2.6, "peak_clock_source": "max boost"}
    flags = check_report(_cpu_report(fp32=240.0, machine_cpu=hw), catalog)
    (f,) = [f for f in flags if f["figure"] == "cpu.matmul_fp32_gflops"]
    assert f["kind"] == "above_peak" and f["limit"] == pytest.approx(166.2 * 1.1)
    too_fast = 166.2 * BOOST_ALLOWANCE * 1.1 + 1
    assert "cpu.matmul_fp32_gflops" in flagged_figures(_cpu_report(fp32=too_fast), catalog)


def test_below_two_percent_and_unsettled_are_flagged(catalog):
    flags = check_report(_cpu_report(fp32=2.8, measurements={"matmul_fp64_gflops": {"median": 100, "spread": 0.6}}),
                         catalog)
    kinds = {f["figure"]: f["kind"] for f in flags}
    assert kinds["cpu.matmul_fp32_gflops"] == "below_floor"  # 2.8 < 2% of 166.2
    assert kinds["cpu.matmul_fp64_gflops"] == "unsettled"


def test_bigger_batch_faster_than_a_smaller_one_contradicts_itself(catalog):
    # the quick run: batch 8 took 150 ms, batch 1 12 ms ... and the reverse
    lat = {"1": {"latency_ms": 12.0, "gflops": 2.8}, "8": {"latency_ms": 4.2, "gflops": 64.0},
           "32": {"latency_ms": 5.0, "gflops": 215.0}}
    flagged = flagged_figures(_cpu_report(lat=lat), catalog)
    assert {"cpu.latency_by_batch.1.latency_ms", "cpu.latency_by_batch.8.latency_ms"} <= flagged
    assert "cpu.latency_by_batch.32.latency_ms" not in flagged
    # a batch whose FLOP rate beats the peak is faster per sample than physics allows
    lat = {"1": {"latency_ms": 1.0, "gflops": 30.0}, "256": {"latency_ms": 1.1, "gflops": 7000.0}}
    assert "cpu.latency_by_batch.256.latency_ms" in flagged_figures(_cpu_report(lat=lat), catalog)


def test_bandwidth_above_the_memory_peak_is_flagged(catalog):
    row = catalog.row("epyc-9654")
    rep = _cpu_report(fp32=5000.0, fp64=2500.0, bw=row["memory_bandwidth_gbps"] * 1.3, catalog_id="epyc-9654")
    assert "cpu.memory_bandwidth_gbps" in flagged_figures(rep, catalog)


def test_gpu_figures_against_the_datasheet(catalog):
    row = catalog.row("h200-sxm-141gb")
    gpu = {"name": "NVIDIA H200", "catalog_id": "h200-sxm-141gb",
           "matmul_tflops": {"bf16": 791.0, "fp16": row["fp16_tflops"] * 2, "fp32": 0.1},
           "memory_bandwidth_gbps": 4270.7, "power_w_under_matmul": row["tdp_w"] * 2,
           "latency_by_batch": {"1": {"latency_ms": 0.073, "tflops": 1.8}, "8": {"latency_ms": 0.0735, "tflops": 14.6}}}
    flags = {f["figure"]: f["kind"] for f in check_report({"cpu": {}, "gpus": [gpu]}, catalog)}
    assert flags == {"gpus[0].matmul_tflops.fp16": "above_peak", "gpus[0].matmul_tflops.fp32": "below_floor",
                     "gpus[0].power_w_under_matmul": "above_tdp"}


class FakeClock:
    """Stands in for the CPU probe module's `time`: each reading is `step` s after the last, so
    every timed call "takes" `step` and the figure follows from the probe's arithmetic."""

    def __init__(self, step: float):
        self.step, self.now = step, 0.0

    def perf_counter(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("probe", ["matmul_fp64", "memory_bandwidth"])
def test_quick_and_full_measure_the_same_problem(monkeypatch, probe):
    """Quick and full runs differ only in repetitions: same sizes, same median on a steady clock."""
    from advisor.probes import Probe, cpu, run_probes

    monkeypatch.setattr(cpu, "STREAM_ARRAY_BYTES", 8 * 2**20)
    monkeypatch.setattr(cpu, "MAX_MATMUL_N", 256)  # real work stays small; the clock is fake
    out = {}
    for quick in (True, False):
        monkeypatch.setattr(cpu, "time", FakeClock(0.02))
        fn = getattr(cpu, f"probe_{probe}")
        report = run_probes(quick, probes=[Probe(f"cpu.{probe}", fn, 0.3)])
        assert report.errors == []
        out[quick] = report.cpu
    key = "matmul_fp64_gflops" if probe == "matmul_fp64" else "memory_bandwidth_gbps"
    assert out[True][key] == out[False][key] and out[True]["measurements"][key]["spread"] == 0.0
    if probe == "matmul_fp64":
        assert out[True]["matmul_fp64_size"] == out[False]["matmul_fp64_size"] == 256
        assert out[True][key] == round(2 * 256**3 / 0.02 / 1e9, 2)
    assert "threads" in out[True]["conditions"][probe]


def test_figures_measured_on_a_busy_machine_are_flagged(catalog):
    rep = _cpu_report()
    rep["cpu"]["conditions"] = {"matmul_fp32": {"threads": 2, "load_avg_1min": 8.3},
                                "memory_bandwidth": {"threads": 2, "load_avg_1min": 3.4},
                                "latency_by_batch": {"threads": 2, "load_avg_1min": 9.0}}
    flags = {f["figure"]: f for f in check_report(rep, catalog) if f["kind"] == "busy"}
    assert set(flags) == {"cpu.matmul_fp32_gflops", "cpu.latency_by_batch.1.latency_ms",
                          "cpu.latency_by_batch.8.latency_ms"}  # 3.4 <= 2 + 1.5: not busy
    assert flags["cpu.matmul_fp32_gflops"]["reason"] == "measured while the machine was busy (load 8.3 on 2 threads)"


def test_too_few_repetitions_are_unsettled(catalog):
    rep = _cpu_report(measurements={"latency_by_batch.256.latency_ms": {"median": 300.0, "spread": 0.0, "reps": 1}})
    (f,) = [f for f in check_report(rep, catalog) if f["kind"] == "unsettled"]
    assert f["figure"] == "cpu.latency_by_batch.256.latency_ms" and "only 1 repetition" in f["reason"]


def test_a_spent_budget_still_times_one_repetition_when_asked():
    calls = itertools.repeat(0.1)
    s = repeat_until_settled(FakeCtx(time_left=0.0), lambda: next(calls), 1.0, floor_reps=1)
    assert s.reps == 1


# ---- the arithmetic of measure.py, by hand ----------------------------------------------------

def test_sample_as_a_record():
    from advisor.probes.measure import Sample

    s = Sample(median=1.23456, spread=0.012345, reps=7, low=1.14449, high=2.5, settled=True, warmup_s=0.12345)
    assert s.to_dict() == {"median": 1.235, "spread": 0.0123, "reps": 7, "min": 1.144, "max": 2.5, "settled": True,
                           "warmup_s": 0.123}
    assert s.to_dict(1)["median"] == 1.2 and s.to_dict(1)["min"] == 1.1 and s.to_dict(1)["spread"] == 0.0123


def test_robust_spread_edges():
    assert robust_spread([9.0, 11.0]) == pytest.approx(0.14826)  # median 10, MAD 1
    assert robust_spread([0.9, 1.0, 1.1]) == pytest.approx(0.14826)  # a median of 1 is an ordinary median
    assert robust_spread([5.0]) == 0.0 and robust_spread([]) == 0.0
    assert robust_spread([-1.0, 0.0, 1.0]) == 0.0  # a zero median: no relative spread


def test_agreement_edges():
    from advisor.probes.measure import Sample

    def sample(median, spread):
        return Sample(median=median, spread=spread, reps=9, low=median, high=median, settled=True, warmup_s=0.0)

    assert agree(sample(100.0, 0.05), sample(118.0, 0.05)) and not agree(sample(100.0, 0.02), sample(120.0, 0.02))
    assert agree(sample(100.0, 0.05), {"median": 118.0, "spread": 0.05})
    # no spread given: the 1% floor, so 100 and 105 do not agree (98-102 vs 102.9-107.1)
    assert not agree({"median": 100.0}, {"median": 105.0})
    # ranges that touch agree: 50-150 and 150-450, whichever comes first
    assert agree({"median": 100.0, "spread": 0.25}, {"median": 300.0, "spread": 0.25})
    assert agree({"median": 300.0, "spread": 0.25}, {"median": 100.0, "spread": 0.25})


class StepClock:
    """`time` for measure.py whose clock moves only when a repetition runs (by its duration)."""

    def __init__(self, start: float = 100.0):
        self.now = start

    def perf_counter(self) -> float:
        return self.now


def _reps(monkeypatch, durations, **kw):
    """repeat_until_settled on a clock that each call advances by its duration; returns the
    Sample and the number of calls (warm-up included)."""
    from advisor.probes import measure

    clock = StepClock()
    monkeypatch.setattr(measure, "time", clock)
    it = iter(durations)
    calls = []

    def run_once():
        d = next(it)
        clock.now += d
        calls.append(d)
        return d

    ctx = kw.pop("ctx", FakeCtx())
    s = repeat_until_settled(ctx, run_once, 1.0, **kw)
    return s, len(calls)


def test_warm_up_runs_until_both_its_reps_and_its_time_are_done(monkeypatch):
    # 0.1 s a call: 2 reps take 0.2 s, past the default 0.15 s; then 8 steady timed reps settle
    s, n = _reps(monkeypatch, itertools.repeat(0.1))
    assert (s.reps, n, s.warmup_s) == (8, 10, pytest.approx(0.2))
    # 0.35 s of warm-up: 4 calls (0.4 s), more than the 2 reps asked
    s, n = _reps(monkeypatch, itertools.repeat(0.1), warmup_s=0.35)
    assert (n - s.reps, s.warmup_s) == (4, pytest.approx(0.4))
    # 3 reps asked, 0 s: 3 calls; none asked: still 1 untimed call
    s, n = _reps(monkeypatch, itertools.repeat(0.1), warmup_s=0.0, warmup_reps=3)
    assert n - s.reps == 3
    s, n = _reps(monkeypatch, itertools.repeat(0.1), warmup_s=0.0, warmup_reps=0)
    assert n - s.reps == 1
    # warm-up time is up when it is reached, not passed: 0.125 + 0.125 = 0.25 s
    s, n = _reps(monkeypatch, itertools.repeat(0.125), warmup_s=0.25, warmup_reps=0)
    assert n - s.reps == 2
    # a probe whose time is spent warms up with one call only
    s, n = _reps(monkeypatch, itertools.repeat(0.1), ctx=FakeCtx(time_left=0.0), warmup_s=1.0, warmup_reps=5)
    assert n - s.reps == 1
    # a probe with half a second left still warms up fully
    s, n = _reps(monkeypatch, itertools.repeat(0.1), ctx=FakeCtx(time_left=0.5), warmup_s=0.35)
    assert n - s.reps == 4


NOISY = [0.1, 0.2, 0.13, 0.3]  # never settles


def test_the_budget_ends_timing_after_min_reps(monkeypatch):
    # exact binary steps: 4 timed reps of 0.125 s reach a 0.5 s budget exactly: stop there
    seq = itertools.chain([0.125, 0.125], itertools.cycle([0.125, 0.125 * 2, 0.125 * 3]))
    s, _ = _reps(monkeypatch, seq, warmup_s=0.0, budget_s=0.5, min_reps=2)
    assert s.reps == 3 and s.settled is False  # 0.125 + 0.25 + 0.375 >= 0.5 after three
    s, _ = _reps(monkeypatch, itertools.repeat(0.125), warmup_s=0.0, budget_s=0.5, min_reps=4)
    assert s.reps == 4 and s.settled is False
    # the budget is the smaller of budget_s and the probe's time left
    s, _ = _reps(monkeypatch, itertools.cycle(NOISY), warmup_s=0.0, budget_s=10.0, min_reps=5,
                 ctx=FakeCtx(time_left=0.5))
    assert s.reps == 5
    s, _ = _reps(monkeypatch, itertools.cycle(NOISY), warmup_s=0.0, budget_s=0.3)
    assert s.reps == 5  # the default minimum, though the budget ran out after two
    # without a budget nor settling, max_reps (400 by default) ends it
    s, _ = _reps(monkeypatch, itertools.cycle(NOISY), warmup_s=0.0)
    assert s.reps == 400 and not s.settled


def test_zero_durations_are_left_out_of_the_figure(monkeypatch):
    s, _ = _reps(monkeypatch, [0.1, 0.1] + [0.5, 0.0] * 10, max_reps=10)
    assert s.median == 2.0 and s.low == s.high == 2.0  # the zero-length calls are not a figure
    s, _ = _reps(monkeypatch, [0.1] * 2 + [0.0] * 10, max_reps=10)
    assert s.median == 0.0 and s.low == 0.0 and s.high == 0.0
