"""File-level fuzzing of the three loaders that read what a user hands the app: workload
files, catalog overlays and probe reports from other machines. Whatever bytes are on disk,
the only exception is the project's `BadInput` (one line naming the file); and what is
accepted can be used (stored in the history, turned into calibrations) without an error.

The byte-level strategy mutates a valid file (flip, insert, delete, truncate, splice in
tokens that matter to the parser), so most examples get past the first line of the parser.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.errors import BadInput
from advisor.presets import PRESET_DIR

pytestmark = pytest.mark.slow

VALID_WORKLOAD_TOML = (PRESET_DIR / "lifecycle_2m_training_18m_serving.toml").read_bytes()
VALID_WORKLOAD_JSON = json.dumps({
    "name": "w", "model": {"params_b": 7, "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8},
    "inference": {"precision": "q4_k_m", "requests_per_day": 1e6, "batch_size": 4, "latency_slo_ms": 900},
    "training": {"precision": "bf16", "tokens": 1e9, "seq_len": 4096, "devices": 8},
    "economics": {"mode": "owned", "pue": 1.3}}).encode()
VALID_OVERLAY = (b"id,name,aliases,vendor,kind,segment,memory_gb,memory_type,memory_bandwidth_gbps,"
                 b"bf16_tflops,fp32_tflops,tdp_w,cloud_usd_per_hour,cloud_price_seen,source\n"
                 b"my-gpu,My GPU 48GB,mygpu|my 48,Acme,gpu,workstation,48,GDDR6,960,150,40,300,0.9,2024-05,"
                 b"https://example.com/my-gpu\n"
                 b"h100-sxm5-80gb,,,,,,,,,,,,,,\n"
                 b"rtx-4090,,,,,,,,,,,650,0.7,2024-06,\n")
VALID_REPORT = json.dumps({
    "cpu": {"matmul_fp32_gflops": 150.0, "matmul_fp64_gflops": 75.0, "memory_bandwidth_gbps": 20.0,
            "catalog_id": "epyc-9654", "latency_by_batch": {"1": {"latency_ms": 0.5, "samples_per_s": 2000}}},
    "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "catalog_id": "h100-sxm5-80gb",
              "matmul_tflops": {"bf16": 700.0, "fp8": 1200.0}, "memory_bandwidth_gbps": 2900.0}],
    "timestamp": "2024-06-01T12:00:00+00:00", "app_version": "0.1.0", "quick": True,
    "machine": {"hostname": "box", "cpu": {"brand": "EPYC", "threads": 8}, "memory_gb": 32,
                "gpus": [{"name": "NVIDIA H100 80GB HBM3", "memory_gb": 80}]}}).encode()

TOKENS = [b"[", b"]", b"{", b"}", b"\"", b"'", b"=", b",", b"\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"nan", b"inf",
          b"-", b"1e999", b"9" * 50, b"9" * 400, b"[[", b"\"\"\"", b"#", b"\\u0000", b"true", b"null", b"NaN", b"1979-05-27",
          b"\xc3\xa9", b"\xf0\x9f\x9a\x80", b"|", b"\r\n", b" " * 10]

mutation = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "token", "dup"]),
                     st.integers(min_value=0, max_value=1 << 16), st.binary(min_size=1, max_size=4),
                     st.sampled_from(TOKENS))


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for op, pos, blob, token in ops:
        i = pos % (len(buf) + 1)
        if op == "flip" and buf:
            buf[i % len(buf)] ^= blob[0] or 1
        elif op == "insert":
            buf[i:i] = blob
        elif op == "delete":
            del buf[i:i + len(blob)]
        elif op == "truncate":
            del buf[i:]
        elif op == "token":
            buf[i:i] = token
        elif op == "dup":
            buf[i:i] = buf[i:i + 64]
    return bytes(buf)


def file_bytes(*seeds: bytes):
    """A mutated seed, or raw random bytes."""
    return st.one_of(
        st.tuples(st.sampled_from(seeds), st.lists(mutation, min_size=1, max_size=6)).map(lambda t: mutate(*t)),
        st.binary(max_size=300),
    )


class _Scratch:
    """One temporary folder per test, reused by every example (hypothesis and function fixtures
    do not mix)."""

    def __enter__(self) -> Path:
        self._tmp = tempfile.TemporaryDirectory()
        return Path(self._tmp.name)

    def __exit__(self, *exc):
        self._tmp.cleanup()


def _one_line(e: BadInput, name: str) -> None:
    text = str(e)
    assert "\n" not in text and "\r" not in text, text
    assert name in text, text


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=file_bytes(VALID_WORKLOAD_TOML, VALID_WORKLOAD_JSON), suffix=st.sampled_from([".toml", ".json"]))
def test_fuzz_workload_file(data, suffix):
    from advisor.workload import dumps_toml, load_workload, parse_text

    with _Scratch() as d:
        path = d / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            wl = load_workload(path)
        except BadInput as e:
            _one_line(e, path.name)
            return
        # What loads can be saved and loads back the same.
        assert parse_text(dumps_toml(wl), "again", "toml") == wl


@SETTINGS
@given(data=file_bytes(VALID_OVERLAY))
def test_fuzz_catalog_overlay(data):
    from hardware_db import load_catalog

    with _Scratch() as d:
        path = d / "overlay.csv"
        path.write_bytes(data)
        try:
            cat = load_catalog(path, user_overlay=False)
        except BadInput as e:
            _one_line(e, str(path))
            return
        assert len(cat) > 0
        for r in cat.rows:  # an accepted row can be resolved by its id
            assert cat.resolve(r["id"])["id"] == r["id"]


json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
json_any = st.recursive(json_leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                        max_leaves=8) | st.lists(json_leaf, min_size=1, max_size=2)
def _paths(obj, prefix=()):
    """Every key path of a nested dict/list, for the one-field-at-a-time strategy."""
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


_REPORT = json.loads(VALID_REPORT)
_EXTRA = [("cpu", "efficiency"), ("gpus", 0, "index"), ("gpus", 0, "efficiency"), ("machine", "gpus", 0, "uuid"),
          ("fingerprint",), ("machine", "cpu", "catalog_id"), ("gpus", 0, "power_w_under_matmul")]
REPORT_PATHS = _paths(_REPORT) + _EXTRA


def _replace(report: dict, changes) -> dict:
    data = json.loads(json.dumps(report))
    for path, value in changes:
        obj = data
        try:
            for key in path[:-1]:
                obj = obj[key]
            obj[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent
    return data


# A valid report with one to three fields replaced by any JSON value: most examples get past
# the first checks, so the deep ones (and what uses an accepted report) are exercised.
report_like = st.lists(st.tuples(st.sampled_from(REPORT_PATHS), json_any), min_size=1, max_size=3).map(
    lambda changes: _replace(_REPORT, changes))


def _import_and_use(path: Path, db: Path) -> None:
    """Import `path`; what is accepted must be storable and usable for calibrations."""
    from advisor.history import History
    from advisor.probes.calibrate import calibrations_from_history
    from hardware_db import load_catalog

    with History(db) as h:
        try:
            h.import_file(path)
        except BadInput as e:
            _one_line(e, str(path))
            return
        runs = h.runs()
        assert runs
        h.latest_per_machine()
        h.compare([r.id for r in runs])
        calibrations_from_history(h, _catalog(load_catalog))


_CAT = []


def _catalog(load):
    if not _CAT:
        _CAT.append(load(user_overlay=False))
    return _CAT[0]


@SETTINGS
@given(data=file_bytes(VALID_REPORT))
def test_fuzz_probe_import_bytes(data):
    with _Scratch() as d:
        path = d / "report.json"
        path.write_bytes(data)
        _import_and_use(path, d / "history.sqlite3")


@SETTINGS
@given(report=report_like)
# Keys holding line breaks, always tried (once found at random, they made a two-line message).
@example(report=_replace(_REPORT, [(("cpu", "latency_by_batch"), {"1\n2": {"latency_ms": 1}})]))
@example(report=_replace(_REPORT, [(("gpus", 0, "matmul_tflops"), {"bf16\r\nfp8": "x"})]))
@example(report=_replace(_REPORT, [(("cpu", "latency_by_batch"), {"\x1b]0;title\x07": {}})]))
def test_fuzz_probe_import_structure(report):
    with _Scratch() as d:
        path = d / "report.json"
        path.write_text(json.dumps(report))
        _import_and_use(path, d / "history.sqlite3")
