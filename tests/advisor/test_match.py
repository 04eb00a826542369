"""GPU/CPU name matching rules, each pinned by a case only that rule decides (advisor/detect/match.py).

The hand-made catalogs below differ in one figure at a time, so each test fails when the
rule it names is dropped or bent (mutation testing found these rules untested).
"""

from __future__ import annotations

import math

import pytest

from advisor.detect.match import MEMORY_TOLERANCE, Measured, _fmt, match_device, memory_fit, squash, words
from tests.advisor.test_detect_gpus import SMALL, make_catalog

GIB = 2**30


class RowsOnly:
    """Any object with `rows` is a catalog to match_device; these rows lack optional columns."""

    def __init__(self, *rows: dict) -> None:
        self.rows = list(rows)


# ---- memory read as GiB or GB ---------------------------------------------------------------------

def test_memory_fit_reads_the_row_as_gib_or_gb_whichever_is_closer():
    # NVML reports bytes; datasheets say "80 GB" and mean either 80 GiB or 80e9 bytes.
    assert memory_fit(80 * GIB, 80) == 0.0           # GiB reading exact (GB reading: 85.9 vs 80 = 7.4% off)
    assert memory_fit(80e9, 80) == 0.0               # GB reading exact (GiB reading: 74.5 vs 80 = 6.9% off)
    # The real H200: 150,754,820,096 bytes = 140.40 GiB = 150.75 GB against a 141 GB row.
    assert memory_fit(150754820096, 141) == pytest.approx(abs(150754820096 / 2**30 - 141) / 141)
    assert memory_fit(150754820096, 141) == pytest.approx(0.00424, abs=1e-5)
    # 24 GiB card (RTX 4090: 25,757,220,864 bytes) against a 24 GB row: 0.0 on GiB, 7.3% on GB.
    assert memory_fit(25757220864, 24) == pytest.approx(abs(25757220864 / 2**30 - 24) / 24)
    # 16e9 bytes against a 16 GB row is 0 only on the GB reading (14.9 GiB is 6.9% off).
    assert memory_fit(16e9, 16) == 0.0
    assert memory_fit(0.5 * GIB, 0.5) == 0.0          # small rows count (Jetson-class memory)


@pytest.mark.parametrize(("memory_bytes", "row_gb"), [
    (math.nan, 80), (80e9, math.nan), (80e9, 0.0), (80e9, -8.0), (math.inf, 80)])
def test_memory_fit_is_unknown_without_both_sizes(memory_bytes, row_gb):
    assert math.isnan(memory_fit(memory_bytes, row_gb))


def test_a_card_read_as_gib_is_not_rejected_and_gb_only_would_reject_it():
    # 72 GiB measured against a 72 GB row: GiB reading 0% off; GB reading 77.3 vs 72 = 7.4%.
    # 60 GiB against a 64 GB row: GiB 6.25% off, GB 64.4 vs 64 = 0.6%: both readings are kept.
    cat = make_catalog({"id": "x-72", "name": "X9 72GB", "memory_gb": 72},
                       {"id": "x-64", "name": "X9 64GB", "memory_gb": 64})
    got = match_device(cat, "X9", measured=Measured(memory_bytes=68 * GIB))
    # 68 GiB = 73.0 GB: GiB reading 5.6% from 72, 6.25% from 64; GB reading 1.4% from 72, 14% from 64.
    assert got.id == "x-72"
    assert "memory 68.0 GiB ~ 72 GB" in got.reason


def test_memory_exactly_at_the_tolerance_is_accepted():
    assert MEMORY_TOLERANCE == 0.12
    cat = make_catalog({"id": "big", "name": "Z1 100GB", "memory_gb": 100})
    # 88e9 bytes = 88 GB: 12% below 100 GB exactly (the GiB reading, 82 GiB, is further off).
    assert match_device(cat, "Z1", measured=Measured(memory_bytes=88e9)).id == "big"
    just_over = match_device(cat, "Z1", measured=Measured(memory_bytes=87.9e9))
    assert just_over.id is None
    assert just_over.reason == "'Z1' matches no catalog row with its measured specs (ruled out: big (100 GB))"


def test_the_closer_memory_size_wins_when_both_are_within_tolerance():
    cat = make_catalog({"id": "a-88", "name": "Q7 88GB", "memory_gb": 88},
                       {"id": "b-80", "name": "Q7 80GB", "memory_gb": 80})
    # 80e9 bytes: 0% from 80 GB, 9.1% from 88 GB. Same power, no bandwidth: memory alone decides.
    assert match_device(cat, "Q7", measured=Measured(memory_bytes=80e9)).id == "b-80"
    assert match_device(cat, "Q7", measured=Measured(memory_bytes=88e9)).id == "a-88"


def test_check_memory_false_keeps_a_row_whose_memory_is_a_maximum():
    cat = make_catalog({"id": "m2-ultra", "name": "Apple M2 Ultra", "memory_gb": 192, "kind": "gpu"})
    measured = Measured(memory_bytes=64 * GIB)
    assert match_device(cat, "Apple M2 Ultra", measured=measured).id is None
    got = match_device(cat, "Apple M2 Ultra", measured=measured, check_memory=False)
    assert got.id == "m2-ultra" and got.reason == "exact name 'Apple M2 Ultra'"


# ---- power limit and bandwidth ----------------------------------------------------------------------

TWO_BOARDS = make_catalog(
    {"id": "k-a", "name": "K80X 48GB", "memory_gb": 48, "memory_bandwidth_gbps": 1000, "tdp_w": 300},
    {"id": "k-b", "name": "K80X 48GB", "memory_gb": 48, "memory_bandwidth_gbps": 1000, "tdp_w": 600},
)


@pytest.mark.parametrize(("power", "expected"), [(300, "k-a"), (600, "k-b"), (560, "k-b"), (330, "k-a")])
def test_power_limit_alone_picks_the_board(power, expected):
    got = match_device(TWO_BOARDS, "K80X", measured=Measured(memory_bytes=48e9, power_limit_w=power))
    assert got.id == expected
    row_tdp = 300 if expected == "k-a" else 600
    assert f"power limit {power:.0f} W vs TDP {row_tdp} W" in got.reason


@pytest.mark.parametrize(("bw", "expected"), [(1000, "k-lo"), (2000, "k-hi"), (1900, "k-hi")])
def test_bandwidth_alone_picks_the_board(bw, expected):
    cat = make_catalog(
        {"id": "k-lo", "name": "K90", "memory_gb": 48, "memory_bandwidth_gbps": 1000, "tdp_w": 400},
        {"id": "k-hi", "name": "K90", "memory_gb": 48, "memory_bandwidth_gbps": 2000, "tdp_w": 400},
    )
    got = match_device(cat, "K90", measured=Measured(memory_bytes=48e9, power_limit_w=400, bandwidth_gbps=bw))
    assert got.id == expected
    assert f"bandwidth {bw:,.0f} vs {1000 if expected == 'k-lo' else 2000:,} GB/s" in got.reason


def test_fit_adds_memory_power_and_bandwidth_distances():
    # Row "aa" is 0.5% off on memory but 2x off on power; row "bb" is 9% off on memory, exact on
    # power and bandwidth. Summed log/relative distances: aa = 0.005 + ln 2 = 0.698; bb = 0.091.
    cat = make_catalog(
        {"id": "aa", "name": "P5", "memory_gb": 80.4, "memory_bandwidth_gbps": 2000, "tdp_w": 700},
        {"id": "bb", "name": "P5", "memory_gb": 88, "memory_bandwidth_gbps": 2000, "tdp_w": 350},
    )
    got = match_device(cat, "P5", measured=Measured(memory_bytes=80e9, power_limit_w=350, bandwidth_gbps=2000))
    assert got.id == "bb"
    # Power equal, bandwidth 2x off for "bb": aa = 0.005 + 0, bb = 0.091 + ln 2.
    cat2 = make_catalog(
        {"id": "aa", "name": "P5", "memory_gb": 80.4, "memory_bandwidth_gbps": 2000, "tdp_w": 350},
        {"id": "bb", "name": "P5", "memory_gb": 88, "memory_bandwidth_gbps": 4000, "tdp_w": 350},
    )
    got2 = match_device(cat2, "P5", measured=Measured(memory_bytes=80e9, power_limit_w=350, bandwidth_gbps=2000))
    assert got2.id == "aa"
    # Memory alone would pick "aa"; the power term (1 vs ln(700/350)) must be added to it, not replace it.
    cat3 = make_catalog(
        {"id": "aa", "name": "P5", "memory_gb": 80.0, "tdp_w": 700},
        {"id": "bb", "name": "P5", "memory_gb": 88, "tdp_w": 700},
    )
    assert match_device(cat3, "P5", measured=Measured(memory_bytes=80e9, power_limit_w=700)).id == "aa"
    cat4 = make_catalog(
        {"id": "aa", "name": "P5", "memory_gb": 88.0, "memory_bandwidth_gbps": 2000, "tdp_w": 700},
        {"id": "bb", "name": "P5", "memory_gb": 80, "memory_bandwidth_gbps": 2000, "tdp_w": 700},
    )
    assert match_device(cat4, "P5", measured=Measured(memory_bytes=80e9, power_limit_w=700,
                                                       bandwidth_gbps=2000)).id == "bb"


def test_tiny_and_zero_power_or_bandwidth_figures():
    # A 1 W device is a real figure (edge accelerators); a 0 W or 0 GB/s cell means unknown, not a crash.
    cat = make_catalog(
        {"id": "e-1w", "name": "E1", "memory_gb": 1, "memory_bandwidth_gbps": 1, "tdp_w": 1},
        {"id": "e-9w", "name": "E1", "memory_gb": 1, "memory_bandwidth_gbps": 9, "tdp_w": 9},
    )
    assert match_device(cat, "E1", measured=Measured(power_limit_w=1)).id == "e-1w"
    assert match_device(cat, "E1", measured=Measured(bandwidth_gbps=1)).id == "e-1w"
    assert match_device(cat, "E1", measured=Measured(bandwidth_gbps=8)).id == "e-9w"
    zero = make_catalog({"id": "z", "name": "E2", "memory_bandwidth_gbps": 0.0, "tdp_w": 0.0})
    got = match_device(zero, "E2", measured=Measured(power_limit_w=100, bandwidth_gbps=100))
    assert got.id == "z" and got.reason == "exact name 'E2'"
    # A measured bandwidth of 0 is a failed reading: ignored, not a log(0).
    got = match_device(cat, "E1", measured=Measured(bandwidth_gbps=0.0, power_limit_w=9))
    assert got.id == "e-9w" and "bandwidth" not in got.reason
    # Unknown power limit: the TDP is not used.
    got = match_device(cat, "E1", measured=Measured(bandwidth_gbps=1.0))
    assert "power limit" not in got.reason


def test_rows_without_optional_columns_match_by_name():
    cat = RowsOnly({"id": "bare", "name": "B7", "kind": "gpu"})
    got = match_device(cat, "B7", measured=Measured(memory_bytes=8e9, power_limit_w=100, bandwidth_gbps=100))
    assert got.id == "bare" and got.reason == "exact name 'B7'"


# ---- names --------------------------------------------------------------------------------------

def test_an_exact_name_beats_a_better_fitting_model_words_match():
    cat = make_catalog(
        {"id": "h100-sxm", "name": "H100 SXM5 80GB", "aliases": ["NVIDIA H100 80GB HBM3"], "memory_gb": 80,
         "memory_bandwidth_gbps": 3350, "tdp_w": 700},
        {"id": "h100-pcie", "name": "H100 PCIe 80GB", "memory_gb": 80, "memory_bandwidth_gbps": 2000, "tdp_w": 350},
    )
    # Power and bandwidth fit the PCIe row, but NVML's exact name is the SXM board's alias.
    got = match_device(cat, "NVIDIA H100 80GB HBM3", measured=Measured(80 * GIB, 350, 2000))
    assert got.id == "h100-sxm"
    assert got.reason.startswith("exact name 'NVIDIA H100 80GB HBM3'; memory 80.0 GiB ~ 80 GB; power limit 350 W "
                                 "vs TDP 700 W; bandwidth 2,000 vs 3,350 GB/s; closest of 2 candidates (h100-pcie next)")


def test_reason_lists_the_next_three_candidates_only():
    rows = [{"id": f"c{i}", "name": "C5", "memory_gb": 40 + i} for i in range(6)]
    cat = make_catalog(*rows)
    got = match_device(cat, "C5", measured=Measured(memory_bytes=40e9))
    assert got.id == "c0"
    assert got.reason == ("exact name 'C5'; memory 37.3 GiB ~ 40 GB; closest of 6 candidates (c1, c2, c3 next)")
    one = match_device(make_catalog(rows[0]), "NVIDIA C5")
    assert one.reason == "model words 'NVIDIA C5'"


def test_name_with_no_model_words():
    got = match_device(SMALL, "NVIDIA GPU")
    assert got.id is None and got.reason == "'NVIDIA GPU' names no model"


def test_form_factor_words():
    # "PCI" (no e) is the PCIe family; a form factor may come before the model word.
    cat = make_catalog(
        {"id": "s", "name": "A100 SXM4 80GB", "memory_gb": 80},
        {"id": "p", "name": "A100 PCIe 80GB", "memory_gb": 80},
    )
    assert match_device(cat, "NVIDIA A100 PCI 80GB", measured=Measured(80 * GIB)).id == "p"
    assert match_device(cat, "NVIDIA PCIe A100 80GB", measured=Measured(80 * GIB)).id == "p"
    assert match_device(cat, "NVIDIA SXM A100", measured=Measured(80 * GIB)).id == "s"
    got = match_device(cat, "NVIDIA A100 OAM", measured=Measured(80 * GIB))
    assert got.id is None
    assert got.reason == "'NVIDIA A100 OAM' matches no catalog row with its measured specs (ruled out: s (sxm, name says oam), p (pcie, name says oam))"


def test_squash_and_words():
    assert squash("NVIDIA GeForce RTX-4090 (D)") == "nvidiageforcertx4090d"
    assert squash("H100_SXM/80GB") == "h100sxm80gb"
    assert words("Intel(R) Xeon(R) Platinum 8480+ @ 2.00GHz") == ["intel", "xeon", "platinum", "8480+"]
    assert words("AMD EPYC 9654 96-Core Processor") == ["amd", "epyc", "9654", "processor"]


@pytest.mark.parametrize(("x", "text"), [(10, "10"), (9.96, "10.0"), (9.5, "9.5"), (10.5, "10"), (1234.0, "1,234"),
                                         (0.25, "0.2")])
def test_figures_in_reasons(x, text):
    assert _fmt(x) == text


def test_a_measured_bandwidth_below_one_gb_s_still_counts():
    cat = make_catalog(
        {"id": "t-half", "name": "T0", "memory_gb": 1, "memory_bandwidth_gbps": 0.5, "tdp_w": 5},
        {"id": "t-nine", "name": "T0", "memory_gb": 1, "memory_bandwidth_gbps": 9, "tdp_w": 5},
    )
    assert match_device(cat, "T0", measured=Measured(bandwidth_gbps=0.5)).id == "t-half"
    assert match_device(cat, "T0", measured=Measured(bandwidth_gbps=8.0)).id == "t-nine"
