"""Catalog files at their rules' edges: the last accepted value and the first rejected one,
file-level problems, and the Catalog object's accessors (hardware_db/loader.py)."""

from __future__ import annotations

import math

import pytest

from advisor.errors import BadInput
from hardware_db import COLUMNS, CatalogError
from hardware_db.loader import (
    BANDWIDTH_BY_MEMORY,
    NUMERIC_COLUMNS,
    Catalog,
    _builtin_rows,
    _load_files,
    apply_overlay,
    load_catalog,
    not_ranked_because,
    purchase_price,
)

GOOD = {"id": "x-1", "name": "X One", "vendor": "Acme", "kind": "gpu", "segment": "consumer",
        "source": "https://example.com/x1"}


def csv_file(tmp_path, *rows: dict, name="cards.csv", header=COLUMNS) -> object:
    lines = [",".join(header)]
    for r in rows:
        lines.append(",".join(str(r.get(c, "")) for c in header))
    f = tmp_path / name
    f.write_text("\n".join(lines) + "\n")
    return f


def load_error(tmp_path, *rows: dict) -> str:
    with pytest.raises(CatalogError) as e:
        _load_files([csv_file(tmp_path, *rows)])
    return str(e.value)


def test_a_minimal_row_loads_with_unknowns_as_nan(tmp_path):
    (row,) = _load_files([csv_file(tmp_path, {**GOOD, "aliases": " X1 | x one card |", "memory_gb": "1_024"})])
    assert row["aliases"] == ("X1", "x one card") and row["memory_gb"] == 1024.0
    assert math.isnan(row["tdp_w"]) and row["file"] == "cards.csv:2" and row["default_variant"] == ()


@pytest.mark.parametrize("col", ["memory_gb", "tdp_w", "cloud_usd_per_hour", "release_year"])
def test_numeric_bounds_are_inclusive(tmp_path, col):
    lo, hi = NUMERIC_COLUMNS[col]
    extra = {"cloud_price_seen": "2025-01"} if col == "cloud_usd_per_hour" else {}
    for ok in (lo, hi):
        (row,) = _load_files([csv_file(tmp_path, {**GOOD, col: f"{ok:g}", **extra})])
        assert row[col] == ok
    below = load_error(tmp_path, {**GOOD, col: f"{lo * 0.99:g}" if lo else "-1", **extra})
    assert below.startswith(f"cards.csv:2: {col}: ") and f"is outside the plausible range {lo:g}..{hi:g}" in below
    above = load_error(tmp_path, {**GOOD, col: f"{hi * 1.01:g}", **extra})
    assert f"is outside the plausible range {lo:g}..{hi:g}" in above
    assert load_error(tmp_path, {**GOOD, col: "inf", **extra}) == (
        f"cards.csv:2: {col}: inf is outside the plausible range {lo:g}..{hi:g}")


def test_memory_technology_bandwidth_bounds(tmp_path):
    lo, hi = BANDWIDTH_BY_MEMORY["gddr"]
    assert (lo, hi) == (40, 2500)
    for ok in (lo, hi):
        (row,) = _load_files([csv_file(tmp_path, {**GOOD, "memory_type": "GDDR6X", "memory_bandwidth_gbps": ok})])
        assert row["memory_bandwidth_gbps"] == ok
    assert load_error(tmp_path, {**GOOD, "memory_type": "GDDR6X", "memory_bandwidth_gbps": 2501}) == (
        "cards.csv:2: memory_bandwidth_gbps: 2501 is implausible for GDDR6X (40..2500)")
    assert load_error(tmp_path, {**GOOD, "memory_type": "LPDDR5X", "memory_bandwidth_gbps": 9}) == (
        "cards.csv:2: memory_bandwidth_gbps: 9 is implausible for LPDDR5X (10..1200)")
    # "lpddr" is checked before "ddr": LPDDR5X at 1,100 GB/s is plausible; unknown types are not checked.
    _load_files([csv_file(tmp_path, {**GOOD, "memory_type": "LPDDR5X", "memory_bandwidth_gbps": 1100})])
    _load_files([csv_file(tmp_path, {**GOOD, "memory_type": "unified", "memory_bandwidth_gbps": 50000})])
    _load_files([csv_file(tmp_path, {**GOOD, "memory_type": "HBM3e"})])  # no bandwidth: nothing to check


def test_bf16_may_equal_fp32_but_not_fall_below(tmp_path):
    _load_files([csv_file(tmp_path, {**GOOD, "bf16_tflops": 20, "fp32_tflops": 20})])
    assert load_error(tmp_path, {**GOOD, "bf16_tflops": 19.5, "fp32_tflops": 20}) == (
        "cards.csv:2: bf16_tflops: 19.5 is below fp32_tflops 20 (a dense/sparse or unit slip?)")


@pytest.mark.parametrize(("cells", "message"), [
    ({"id": "X-1"}, "id: 'X-1' is not a lower-case slug (a-z, 0-9, '-', '.')"),
    ({"id": "-x"}, "id: '-x' is not a lower-case slug (a-z, 0-9, '-', '.')"),
    ({"segment": "laptop"}, "segment: 'laptop' is not one of cloud, consumer, datacenter, edge, workstation"),
    ({"source": "the datasheet"}, "source: 'the datasheet' names no page (want a URL)"),
    ({"vendor": ""}, "vendor: required"),
    ({"cloud_price_seen": "2025-13"}, "cloud_price_seen: want YYYY-MM, got '2025-13'"),
    ({"cloud_usd_per_hour": 1, "cloud_price_seen": "1899-12"},
     "cloud_price_seen: want the month the price was seen as YYYY-MM, got '1899-12'"),
    ({"street_price_seen": "2025-1"}, "street_price_seen: want YYYY-MM, got '2025-1'"),
    ({"street_price_basis": "guess"}, "street_price_basis: 'guess' is not one of list, report, street"),
    ({"street_price_usd_low": 5, "street_price_usd_high": 5, "street_price_seen": "2025-02"},
     "street_price_basis: '' is not one of list, report, street"),
    ({"memory_gb": "eighty"}, "memory_gb: not a number: 'eighty'"),
])
def test_row_rules(tmp_path, cells, message):
    assert load_error(tmp_path, {**GOOD, **cells}) == "cards.csv:2: " + message


def test_ids_and_sources_that_are_fine(tmp_path):
    rows = _load_files([csv_file(tmp_path, {**GOOD, "id": "9.x-2", "source": "hardware_db/notes/x.md",
                                             "cloud_usd_per_hour": 1, "cloud_price_seen": "2099-12",
                                             "street_price_usd_low": 5, "street_price_usd_high": 6,
                                             "street_price_seen": "1990-01", "street_price_basis": "report"})])
    assert rows[0]["id"] == "9.x-2" and rows[0]["street_price_usd_high"] == 6


def test_names_must_be_unique_across_rows(tmp_path):
    second = {**GOOD, "id": "x-2", "name": "X Two"}
    assert load_error(tmp_path, GOOD, {**second, "id": "x-1"}) == "cards.csv:3: id: 'x-1' already defined at cards.csv:2"
    assert load_error(tmp_path, GOOD, {**second, "name": "x-one"}) == (
        "cards.csv:3: name: 'x-one' is also the id or name of x-1")
    assert load_error(tmp_path, GOOD, {**second, "aliases": "X One"}) == (
        "cards.csv:3: aliases: 'X One' is the id or name of x-1")
    assert load_error(tmp_path, GOOD, {**second, "default_variant": "(-)"}) == (
        "cards.csv:3: default_variant: '(-)' has no words")
    # an alias shared by two variants is allowed, and a row's own name as its alias
    rows = _load_files([csv_file(tmp_path, {**GOOD, "aliases": "X|x one"}, {**second, "aliases": "X"})])
    assert [r["aliases"] for r in rows] == [("X", "x one"), ("X",)]


def test_file_problems(tmp_path):
    with pytest.raises(CatalogError) as e:
        _load_files([tmp_path / "missing.csv"])
    assert str(e.value) == f"{tmp_path / 'missing.csv'}: file not found"
    empty = tmp_path / "empty.csv"
    empty.write_text("# only a comment\n\n")
    with pytest.raises(CatalogError) as e:
        _load_files([empty])
    assert str(e.value) == f"{empty}:1: file is empty (want a header row: id,name,aliases,vendor,...)"
    short = csv_file(tmp_path, GOOD, header=COLUMNS[:-1], name="short.csv")
    with pytest.raises(CatalogError) as e:
        _load_files([short])
    assert str(e.value) == f"{short}:1: header: columns differ from hardware_db/HEADER.csv"
    quoted = tmp_path / "q.csv"
    quoted.write_text(",".join(COLUMNS) + '\n"x-1,"oops\n')
    with pytest.raises(CatalogError) as e:
        _load_files([quoted])
    assert str(e.value).startswith(f"{quoted}:2: row: ")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x80")
    with pytest.raises(CatalogError) as e:
        _load_files([binary])
    assert str(e.value).startswith(f"{binary}: cannot read: ")
    # A BOM (spreadsheets) and comment lines are fine; line numbers count them.
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf# a comment\n" + csv_file(tmp_path, GOOD).read_bytes())
    (row,) = _load_files([bom])
    assert row["file"] == "bom.csv:3"


def test_overlay_merges_cells_and_keeps_order(tmp_path):
    base = [dict(r) for r in _builtin_rows()]
    f = tmp_path / "o.csv"
    f.write_text("id,name,vendor,kind,segment,source,tdp_w\n"
                 "zz-new,ZZ New,Acme,gpu,edge,https://example.com/zz,15\n"
                 "rtx-4090,,,,,,460\n")
    rows = apply_overlay(base, f)
    assert [r["id"] for r in rows][:-1] == [r["id"] for r in base] and rows[-1]["id"] == "zz-new"
    merged = next(r for r in rows if r["id"] == "rtx-4090")
    assert merged["tdp_w"] == 460 and merged["name"] == "GeForce RTX 4090" and merged["file"] == f"{f}:3"
    assert math.isnan(rows[-1]["memory_gb"]) and rows[-1]["aliases"] == ()
    assert next(r for r in base if r["id"] == "rtx-4090")["tdp_w"] == 450  # the input rows are not changed


def test_catalog_accessors():
    cat = load_catalog(user_overlay=False)
    assert cat.ids() == [r["id"] for r in cat.rows] and len(cat) == len(cat.rows)
    assert cat.row("rtx-4090")["name"] == "GeForce RTX 4090"
    frame = cat.frame
    assert frame is cat.frame  # built once
    assert list(frame.index) == cat.ids() and frame.loc["rtx-4090", "tdp_w"] == 450
    assert tuple(frame.columns) == (*COLUMNS, "file")
    small = Catalog([dict(GOOD)])
    assert small.ids() == ["x-1"] and small.warnings == []


@pytest.mark.parametrize(("query", "message"), [("", "--device: empty device name"),
                                                ("   ", "--device: empty device name"),
                                                ("2 x nvidia", "--device: no device name in '2 x nvidia'"),
                                                ("80GB", "--device: no device name in '80GB'")])
def test_empty_device_names(query, message):
    with pytest.raises(BadInput) as e:
        load_catalog(user_overlay=False).resolve(query)
    assert str(e.value) == message


def test_listing_rule_peaks():
    row = {"kind": "gpu", "memory_gb": 8.0, "memory_bandwidth_gbps": 100.0, "fp32_tflops": math.nan,
           "fp16_tflops": math.nan, "bf16_tflops": math.nan, "int8_tops": 50.0, "fp8_tflops": math.nan}
    assert not_ranked_because(row) == ["no fp16/bf16/fp32 peak (only int8)"]
    for col in ("fp32_tflops", "fp16_tflops", "bf16_tflops"):
        assert not_ranked_because({**row, col: 1.0}) == [], col
    assert not_ranked_because({**row, "memory_gb": "8"}) == ["no fp16/bf16/fp32 peak (only int8)", "no memory size"]
    assert not_ranked_because({**row, "kind": "cpu", "memory_gb": math.nan, "fp32_tflops": 2.0}) == []


def test_purchase_price_rules():
    assert purchase_price({"launch_price_usd": 1599.0}) == (1599.0, "launch list price")
    one = {"street_price_usd_low": 7000.0, "street_price_usd_high": 7000.0, "street_price_seen": "2025-03",
           "street_price_basis": "street"}
    assert purchase_price(one) == (7000.0, "street price 2025-03: $7,000")
    assert purchase_price({**one, "street_price_usd_high": 9000.0, "street_price_basis": "list"}) == (
        8000.0, "list price 2025-03: $7,000-$9,000")
    assert purchase_price({**one, "street_price_basis": "", "street_price_seen": ""}) == (7000.0, "price: $7,000")
    usd, what = purchase_price({"launch_price_usd": math.nan, "street_price_usd_low": 5.0,
                                "street_price_usd_high": math.nan})
    assert math.isnan(usd) and what == ""
    usd, what = purchase_price({})
    assert math.isnan(usd) and what == ""
