"""The spec catalog: schema over every row, headline figures, name resolution, overlays."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from advisor.errors import BadInput
from hardware_db import COLUMNS, CatalogError, load_catalog
from hardware_db.loader import _builtin_rows, apply_overlay


@pytest.fixture(scope="module")
def cat():
    return load_catalog(user_overlay=False)


def test_size_and_coverage(cat):
    kinds = Counter(r["kind"] for r in cat.rows)
    assert len(cat) >= 100
    assert kinds["cpu"] >= 15 and kinds["accelerator"] >= 8
    vendors = {r["vendor"] for r in cat.rows}
    assert {"NVIDIA", "AMD", "Intel", "Apple", "Google", "AWS"} <= vendors


def test_every_row_has_a_source_and_valid_fields(cat):
    for r in cat.rows:
        assert r["source"].strip(), r["id"]
        assert set(COLUMNS) <= set(r), r["id"]
        for col in ("memory_bandwidth_gbps", "bf16_tflops", "fp32_tflops"):
            v = r[col]
            assert math.isnan(v) or v > 0
        if not math.isnan(r["bf16_tflops"]) and not math.isnan(r["fp32_tflops"]):
            assert r["bf16_tflops"] >= r["fp32_tflops"], r["id"]


def test_ids_unique(cat):
    ids = [r["id"] for r in cat.rows]
    assert len(ids) == len(set(ids))


# (id, column, datasheet value): dense figures as the vendors publish them.
HEADLINE = [
    ("h100-sxm5-80gb", "bf16_tflops", 989.4),  # H100 datasheet: 1979 with sparsity
    ("h100-sxm5-80gb", "memory_bandwidth_gbps", 3350),
    ("h100-sxm5-80gb", "tdp_w", 700),
    ("h200-sxm-141gb", "memory_gb", 141),
    ("h200-sxm-141gb", "memory_bandwidth_gbps", 4800),
    ("a100-sxm4-80gb", "bf16_tflops", 312),
    ("a100-sxm4-80gb", "memory_bandwidth_gbps", 2039),
    ("a100-sxm4-40gb", "memory_bandwidth_gbps", 1555),
    ("l4", "tdp_w", 72),
    ("l4", "memory_bandwidth_gbps", 300),
    ("tesla-t4", "tdp_w", 70),
    ("tesla-t4", "fp16_tflops", 65),
    ("tesla-t4", "int8_tops", 130),
    ("tesla-v100-sxm2-32gb", "fp16_tflops", 125),
    ("rtx-4090", "memory_bandwidth_gbps", 1008),
    ("rtx-4090", "fp8_tflops", 330.3),
    ("rtx-4090", "launch_price_usd", 1599),
    ("rtx-3090", "memory_bandwidth_gbps", 936),
    ("rtx-5090", "memory_bandwidth_gbps", 1792),
    ("mi300x", "memory_gb", 192),
    ("mi300x", "memory_bandwidth_gbps", 5300),
    ("mi300x", "bf16_tflops", 1307.4),
    ("m2-ultra", "memory_bandwidth_gbps", 800),
    ("tpu-v5e", "bf16_tflops", 197),
    ("tpu-v5e", "memory_bandwidth_gbps", 819),
]


@pytest.mark.parametrize("device, column, value", HEADLINE)
def test_headline_figures_match_datasheets(cat, device, column, value):
    assert cat.row(device)[column] == pytest.approx(value, rel=0.005)


@pytest.mark.parametrize("query, expected", [
    ("h100 sxm", "h100-sxm5-80gb"),
    ("H100 SXM5 80GB", "h100-sxm5-80gb"),
    ("NVIDIA H100 80GB HBM3", "h100-sxm5-80gb"),
    ("a100 80gb sxm", "a100-sxm4-80gb"),
    ("NVIDIA A100-SXM4-40GB", "a100-sxm4-40gb"),
    ("RTX-4090", "rtx-4090"),
    ("rtx4090", "rtx-4090"),
    ("RTX 3090", "rtx-3090"),
    ("rtx 3090 ti", "rtx-3090-ti"),
    ("L4", "l4"),
    ("l40", "l40"),
    ("A10", "a10"),
    ("Tesla T4", "tesla-t4"),
    ("NVIDIA GeForce RTX 4090", "rtx-4090"),
    ("mi300x", "mi300x"),
    ("sxm h100", "h100-sxm5-80gb"),
])
def test_resolve_what_a_person_types(cat, query, expected):
    assert cat.resolve(query)["id"] == expected


def test_ambiguous_and_unknown_names_list_candidates(cat):
    with pytest.raises(BadInput, match=r"^--device: 'mi300' is ambiguous: Instinct MI300A \(mi300a\), Instinct MI300X \(mi300x\)$"):
        cat.resolve("mi300")
    with pytest.raises(BadInput, match=r"^--device: no catalog device matches 'no such gpu 123'"):
        cat.resolve("no such gpu 123")
    with pytest.raises(BadInput, match=r"closest: .*RTX 4090"):
        cat.resolve("RTX 4009")


HEADER = ",".join(COLUMNS)


def _overlay(tmp_path, text):
    f = tmp_path / "overlay.csv"
    f.write_text(text)
    return f


def test_overlay_adds_and_overrides(tmp_path):
    f = _overlay(tmp_path, "id,name,vendor,kind,segment,source,memory_gb,memory_bandwidth_gbps,cloud_usd_per_hour,cloud_price_seen\n"
                           "my-card,My Card,Acme,gpu,workstation,https://example.com/card,32,900,,\n"
                           "rtx-4090,,,,,,,,0.45,2026-11\n")
    cat = load_catalog(f, user_overlay=False)
    assert cat.row("my-card")["memory_gb"] == 32
    assert cat.row("rtx-4090")["cloud_usd_per_hour"] == 0.45
    assert cat.row("rtx-4090")["memory_bandwidth_gbps"] == 1008  # untouched cells stay


@pytest.mark.parametrize("body, message", [
    ("id,name,vendor,kind,segment,source\nx,X,A,gpu,consumer,\n", "overlay.csv:2: source: required"),
    ("id,name,vendor,kind,segment,source\nx,X,A,tpu,consumer,http://a\n", "overlay.csv:2: kind: 'tpu' is not one of accelerator, cpu, gpu"),
    ("id,memory_gb\nrtx-4090,lots\n", "overlay.csv:2: memory_gb: not a number: 'lots'"),
    ("id,memory_gb\nrtx-4090,1e9\n", "overlay.csv:2: memory_gb: 1e9 is outside the plausible range 0.5..4096"),
    ("id,bf16_tflops\nrtx-4090,1\n", "overlay.csv:2: bf16_tflops: 1 is below fp32_tflops 82.58 (a dense/sparse or unit slip?)"),
    ("id,memory_bandwidth_gbps\nh100-sxm5-80gb,33500\n", "overlay.csv:2: memory_bandwidth_gbps: 33500 is implausible for HBM3 (100..12000)"),
    ("id,cloud_usd_per_hour\nrtx-4060,1.0\n", "overlay.csv:2: cloud_price_seen: want the month the price was seen as YYYY-MM, got ''"),
    ("id,colour\nrtx-4090,red\n", "overlay.csv:1: header: unknown column 'colour'"),
    ("name\nX\n", "overlay.csv:1: header: an overlay needs an 'id' column"),
    ("id,aliases\nrtx-3090,RTX 4090\n", "overlay.csv:2: aliases: 'RTX 4090' is the id or name of rtx-4090"),
    ("id,memory_gb\nrtx-4090,24,extra\n", "overlay.csv:2: row: 3 cells, the header has 2"),
])
def test_bad_overlay_rows_fail_with_file_line_field(tmp_path, body, message):
    f = _overlay(tmp_path, body)
    with pytest.raises(CatalogError) as e:
        apply_overlay([dict(r) for r in _builtin_rows()], f)
    assert str(e.value).replace(str(tmp_path) + "/", "") == message


def test_bad_user_overlay_is_a_warning_and_builtin_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("HWADVISOR_CONFIG_DIR", str(tmp_path))
    (tmp_path / "catalog_overlay.csv").write_text("id,memory_gb\nrtx-4090,-3\n")
    cat = load_catalog()
    assert len(cat) == len(_builtin_rows())
    assert cat.warnings and "catalog overlay skipped" in cat.warnings[0] and "memory_gb" in cat.warnings[0]


@pytest.mark.parametrize("text, want", [
    ("8x A100 80GB", (8, "A100 80GB")), ("RTX 4090 x 2", (2, "RTX 4090")), ("2 x rtx 4090", (2, "rtx 4090")),
    ("3\u00d7 H100", (3, "H100")), ("4*L4", (4, "L4")), ("RTX 4090", (None, "RTX 4090")),
    ("B200", (None, "B200")), ("x 4090", (None, "x 4090")),
])
def test_split_count_reads_counts_but_never_model_numbers(text, want):
    from hardware_db.loader import split_count

    assert split_count(text) == want


def test_bare_chip_name_takes_the_default_variant_with_a_note(cat):
    found = cat.resolve_name("h100")
    assert found.row["id"] == "h100-sxm5-80gb"
    assert found.note == ("'h100' taken as H100 SXM5 80GB (h100-sxm5-80gb), the catalog's default variant; "
                          "also: H100 NVL (per GPU), H100 PCIe 80GB")
    # a name that picks one variant says nothing
    assert cat.resolve_name("H100 NVL").note is None
    assert cat.resolve_name("h100 pcie").row["id"] == "h100-pcie-80gb"


@pytest.mark.parametrize("query, expected", [
    ("A10", "a10"), ("L4", "l4"), ("RTX 3090", "rtx-3090"), ("rtx 4060", "rtx-4060"),
    ("M2", "m2"), ("M3 Max 30-core", "m3-max-30c"), ("A100 40GB", "a100-sxm4-40gb"), ("H100 94GB", "h100-nvl"),
])
def test_strict_where_it_matters(cat, query, expected):
    assert cat.resolve(query)["id"] == expected


@pytest.mark.parametrize("query, expected", [
    ("MacBook Pro 16 M4 Max 40-core 128GB", "m4-max-40c"), ("GeForce RTX 4090 Founders Edition", "rtx-4090"),
    ("ASUS ROG Strix RTX 4090 OC", "rtx-4090"), ("RTX PRO 6000 Blackwell Server Edition", None),
])
def test_product_and_partner_words_are_ignored(cat, query, expected):
    if expected is None:  # "Server" still has to match: there is no Server Edition row
        with pytest.raises(BadInput):
            cat.resolve(query)
    else:
        assert cat.resolve(query)["id"] == expected


@pytest.mark.parametrize("query", ["RTX 3080 20GB", "H20 141GB", "A100 120GB", "M1 Max 48-core", "a1000", "l41"])
def test_figures_that_contradict_every_variant_are_not_stretched(cat, query):
    with pytest.raises(BadInput, match=r"^--device: no catalog device matches"):
        cat.resolve(query)


def test_count_in_the_name_comes_back_separately(cat):
    found = cat.resolve_name("8x A100 80GB")
    assert (found.row["id"], found.count) == ("a100-sxm4-80gb", 8)
    assert cat.resolve_name("RTX 4090 x 2").count == 2
    assert cat.resolve_name("rtx 4090").count is None


def test_a_default_variant_belongs_to_one_row(tmp_path):
    f = _overlay(tmp_path, "id,default_variant\nh100-pcie-80gb,H100\n")
    with pytest.raises(CatalogError, match=r"default_variant: 'H100' is also the default of") as e:
        apply_overlay([dict(r) for r in _builtin_rows()], f)
    assert "overlay.csv:2" in str(e.value)


@pytest.mark.parametrize("body, message", [
    ("id,street_price_usd_low\nl40s,7000\n", "overlay.csv:2: street_price_usd_high: give both ends of the range (equal when one figure)"),
    ("id,street_price_usd_low,street_price_usd_high,street_price_seen,street_price_basis\nl40s,9000,8000,2025-01,street\n",
     "overlay.csv:2: street_price_usd_low: 9000 is above street_price_usd_high 8000"),
    ("id,street_price_usd_low,street_price_usd_high\nl40s,7000,8000\n",
     "overlay.csv:2: street_price_seen: want the month the price was seen as YYYY-MM, got ''"),
    ("id,street_price_usd_low,street_price_usd_high,street_price_seen,street_price_basis\nl40s,7000,8000,2025-01,rumour\n",
     "overlay.csv:2: street_price_basis: 'rumour' is not one of list, report, street"),
])
def test_bad_default_variant_and_street_price_cells(tmp_path, body, message):
    f = _overlay(tmp_path, body)
    with pytest.raises(CatalogError) as e:
        apply_overlay([dict(r) for r in _builtin_rows()], f)
    assert str(e.value).replace(str(tmp_path) + "/", "") == message


def test_listing_rule_says_what_an_unranked_row_lacks(cat):
    from hardware_db.loader import not_ranked_because

    assert not_ranked_because(cat.row("h100-sxm5-80gb")) == []
    assert not_ranked_because(cat.row("a800-sxm4-80gb")) == ["no memory bandwidth"]
    assert not_ranked_because(cat.row("intel-n150")) == ["no peak compute figure"]
    assert not_ranked_because(cat.row("epyc-9654")) == []  # a CPU needs no memory size
    blank = {"kind": "gpu", "memory_gb": math.nan, "memory_bandwidth_gbps": math.nan}
    assert not_ranked_because(blank) == ["no peak compute figure", "no memory bandwidth", "no memory size"]


def test_every_ranked_row_gives_a_finite_estimate(cat):
    """The listing rule is the model's real requirement: a row it calls ranked must estimate."""
    import numpy as np

    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table
    from advisor.workload import workload_from_dict
    from hardware_db.loader import not_ranked_because

    wl = workload_from_dict({"model": {"params_b": 1}, "inference": {"precision": "fp16", "requests_per_day": 100,
                                                                      "prompt_tokens": 64, "output_tokens": 64}})
    table = device_table(cat)
    est = estimate_table(wl, table, count=1)
    latency = est.point["request_latency_ms"]
    for i, r in enumerate(table.rows):
        assert bool(np.isfinite(latency[i])) == (not not_ranked_because(r)), (r["id"], not_ranked_because(r))


def test_purchase_price_is_labelled(cat):
    from hardware_db.loader import purchase_price

    assert purchase_price(cat.row("rtx-4090")) == (1599, "launch list price")
    assert purchase_price(cat.row("b200-hgx")) == (35000, "report figure 2024-10: $30,000-$40,000")
    assert purchase_price(cat.row("gaudi3")) == (15625, "list price 2024-06: $15,625")
    usd, what = purchase_price(cat.row("tpu-v4"))
    assert math.isnan(usd) and what == ""


def test_whole_computer_rows_are_marked_and_their_price_says_so(cat):
    from hardware_db.loader import is_system, purchase_price

    apple = [r for r in cat.rows if r["vendor"] == "Apple"]
    assert apple and all(is_system(r) for r in apple)
    assert is_system(cat.row("gb10-dgx-spark")) and is_system(cat.row("raspberry-pi-5"))
    assert not any(is_system(cat.row(i)) for i in ("rtx-4090", "h100-sxm5-80gb", "epyc-9654", "ryzen-9-7950x"))
    assert purchase_price(cat.row("gb10-dgx-spark")) == (3999, "launch list price, whole computer")
    assert purchase_price(cat.row("m2-ultra-60c"))[1] == "launch list price, whole computer"


@pytest.mark.parametrize("cell, want", [("true", True), ("TRUE", True), ("false", False), ("False", False)])
def test_system_cell_reads_true_or_false(tmp_path, cell, want):
    rows = apply_overlay([dict(r) for r in _builtin_rows()], _overlay(tmp_path, f"id,system\nl40s,{cell}\n"))
    assert next(r for r in rows if r["id"] == "l40s")["system"] is want


@pytest.mark.parametrize("cell", ["yes", "1", "whole", "tru"])
def test_bad_system_cell_names_the_field(tmp_path, cell):
    with pytest.raises(CatalogError) as e:
        apply_overlay([dict(r) for r in _builtin_rows()], _overlay(tmp_path, f"id,system\nl40s,{cell}\n"))
    assert str(e.value).replace(str(tmp_path) + "/", "") == f"overlay.csv:2: system: want true, false or empty, got '{cell}'"
