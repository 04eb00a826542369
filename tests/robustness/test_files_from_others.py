"""Files from other people (DESIGN.md; issue 15): a workload, an overlay or a probe report sent
by someone else is data. Only regular files of sane size are read, outputs are never inputs or
device nodes, writes replace links instead of following them, terminal output carries no
control sequences, CSV cells never run as formulas, overlay rows say so, tiny values are bad
input. The GUI side (plain text, unsaved edits) is in tests/ui/test_plain_text.py."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from advisor.errors import BadInput
from advisor.presets import PRESET_DIR
from tests.conftest import ROOT

WORKLOAD = PRESET_DIR / "chat_7b_workstation.toml"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli(capsys, *argv) -> tuple[int, str, str]:
    import main

    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_main(*argv, env=None, timeout=60) -> subprocess.CompletedProcess:
    e = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], capture_output=True, timeout=timeout,
                          env=e, cwd=ROOT)


OVERLAY_HEADER = "id,name,vendor,kind,segment,memory_gb,memory_type,memory_bandwidth_gbps,bf16_tflops,fp32_tflops,tdp_w,source"


def overlay_row(dev_id: str, name: str) -> str:
    return f'{dev_id},"{name.replace(chr(34), chr(34) * 2)}",Acme,gpu,workstation,48,GDDR6,960,150,40,300,https://e.com/{dev_id}'


# ---------------------------------------------------------------- 7: bounded regular-file reads

READERS = {
    "workload": (lambda p: ["estimate", "--workload", p, "--device", "l4"], "workload file"),
    "overlay": (lambda p: ["devices", "--catalog", p], "catalog overlay"),
    "import": (lambda p: ["probe", "--import", p, "--no-save"], "probe report"),
}


@pytest.mark.parametrize("reader", READERS)
def test_a_fifo_is_one_line_of_bad_input_not_a_hang(tmp_path, reader):
    """Nobody writes to the pipe: a plain open() would wait for ever."""
    argv, what = READERS[reader]
    fifo = tmp_path / "shared.file"
    os.mkfifo(fifo)
    r = run_main(*argv(str(fifo)), timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1, err
    assert err.endswith(f"not a regular file (a pipe), not a {what}\n") and "shared.file" in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("reader", READERS)
def test_a_device_is_bad_input_and_nothing_is_read(capsys, reader, device):
    argv, what = READERS[reader]
    code, out, err = cli(capsys, *argv(device))
    assert code == 2 and out == ""
    assert err.endswith(f"not a regular file (a device), not a {what}\n") and err.count("\n") == 1


@pytest.mark.parametrize(("reader", "limit_mb"), [("workload", 1.0), ("overlay", 2.0), ("import", 2.0)])
def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch, reader, limit_mb):
    """A 2 GB file (sparse: no disk used) is refused from its size; not one byte is read."""
    argv, what = READERS[reader]
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(2 * 10**9)
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    code, out, err = cli(capsys, *argv(str(big)))
    assert code == 2, err
    assert err.endswith(f"file is 2000.0 MB, too large for a {what} (at most {limit_mb:.1f} MB)\n")
    assert reads == []


def test_a_file_that_grows_while_read_is_cut_at_the_limit(tmp_path):
    """fstat said small, the file kept growing (someone appending, a /proc-like file): the read
    stops one byte past the limit."""
    from advisor.files import read_user_file

    path = tmp_path / "w.toml"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def fstat_then_grow(fd):
        st = real_fstat(fd)
        with open(path, "ab") as f:
            f.write(b"y" * 5000)
        return st

    import advisor.files as files

    orig = files.os.fstat
    files.os.fstat = fstat_then_grow
    try:
        with pytest.raises(BadInput, match=r"w.toml: file is over 1 kB, too large for a file$"):
            read_user_file(path, 1000)
    finally:
        files.os.fstat = orig


def test_reading_is_bounded_for_the_gui_too(tmp_path):
    """The same loaders serve the window: a FIFO opened from the GUI returns at once."""
    from advisor.workload import load_workload

    fifo = tmp_path / "w.toml"
    os.mkfifo(fifo)
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("e", pytest.raises(BadInput, load_workload, fifo)), daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive() and "not a regular file (a pipe)" in str(box["e"].value)


# ---------------------------------------------------------------- 8: overlay size

def test_an_overlay_of_100k_rows_is_one_line_not_out_of_memory(tmp_path, capsys):
    ov = tmp_path / "ov.csv"
    ov.write_text("id\n" + "".join(f"gpu-{k}\n" for k in range(100_000)))
    code, out, err = cli(capsys, "devices", "--catalog", str(ov))
    assert code == 2 and err == f"error: {ov}: 100000 rows, more than an overlay may have (1000); split it or keep the rows you use\n"


def test_a_report_with_30k_overlay_rows_is_refused_not_1155_pages(tmp_path):
    ov = tmp_path / "ov.csv"
    ov.write_text("id,name,vendor,kind,segment,source\n" + "".join(f"g{k},G {k},A,gpu,edge,https://e.c/{k}\n"
                                                                  for k in range(30_000)))  # 1.1 MB
    out = tmp_path / "r.pdf"
    r = run_main("report", "--workload", str(WORKLOAD), "--catalog", str(ov), "--out", str(out), timeout=120)
    assert r.returncode == 2 and b"more than an overlay may have (1000)" in r.stderr
    assert not out.exists()


# ---------------------------------------------------------------- 4: outputs are never inputs

@pytest.mark.parametrize("which", ["--workload", "--catalog", "--model-config"])
def test_report_out_equal_to_an_input_is_bad_input_and_the_input_stays(tmp_path, capsys, which):
    wl = tmp_path / "w.toml"
    wl.write_bytes(WORKLOAD.read_bytes())
    ov = tmp_path / "ov.csv"
    ov.write_text("id,tdp_w\nrtx-4090,450\n")
    cfg = tmp_path / "config.json"
    cfg.write_text('{"model_type": "llama"}')
    before = {p: p.read_bytes() for p in (wl, ov, cfg)}
    out = {"--workload": wl, "--catalog": ov, "--model-config": cfg}[which]
    code, _, err = cli(capsys, "report", "--workload", str(wl), "--catalog", str(ov), "--model-config", str(cfg),
                       "--out", str(out))
    assert code == 2 and err == f"error: --out {out}: is the {which} file; writing would replace an input\n"
    assert {p: p.read_bytes() for p in (wl, ov, cfg)} == before


def test_report_out_through_another_name_of_the_input_is_caught(tmp_path, capsys):
    """A hard link or a symlink is the same file."""
    wl = tmp_path / "w.toml"
    wl.write_bytes(WORKLOAD.read_bytes())
    os.link(wl, tmp_path / "hard.pdf")
    (tmp_path / "soft.pdf").symlink_to(wl)
    for name in ("hard.pdf", "soft.pdf"):
        code, _, err = cli(capsys, "report", "--workload", str(wl), "--out", str(tmp_path / name))
        assert code == 2 and "is the --workload file" in err
    assert wl.read_bytes() == WORKLOAD.read_bytes()


def _special_file(tmp_path) -> tuple[Path, str]:
    """A character device as root (os.replace would swap it for a PDF), else a FIFO."""
    if IS_ROOT:
        node = tmp_path / "null-device"
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
        return node, "a device"
    node = tmp_path / "pipe"
    os.mkfifo(node)
    return node, "a pipe"


def test_report_out_to_a_device_node_is_bad_input_and_the_node_stays(tmp_path, capsys):
    node, kind = _special_file(tmp_path)
    mode = os.lstat(node).st_mode
    code, _, err = cli(capsys, "report", "--workload", str(WORKLOAD), "--out", str(node))
    assert code == 2 and err == f"error: --out {node}: is {kind}, not a regular file; choose a file to write\n"
    assert os.lstat(node).st_mode == mode


def test_atomic_write_refuses_a_device_node_and_replaces_a_symlink(tmp_path):
    from advisor.atomic import write_text_atomic

    node, kind = _special_file(tmp_path)
    with pytest.raises(BadInput, match=f"cannot write: it is {kind}, not a regular file$"):
        write_text_atomic(node, "x")
    assert not stat.S_ISREG(os.lstat(node).st_mode)
    victim = tmp_path / "someone_elses.txt"
    victim.write_text("precious")
    link = tmp_path / "out.toml"
    link.symlink_to(victim)
    write_text_atomic(link, "mine")
    assert victim.read_text() == "precious"  # never written through the link
    assert not link.is_symlink() and link.read_text() == "mine"


def test_screenshot_replaces_a_symlink_instead_of_writing_through_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "shot.png"
    link.symlink_to(victim)
    home = tmp_path / "home"
    r = run_main("--screenshot", str(link), env={"HWADVISOR_CONFIG_DIR": str(home / "c"),
                                                  "HWADVISOR_DATA_DIR": str(home / "d"),
                                                  "QT_QPA_PLATFORM": "offscreen"}, timeout=180)
    assert r.returncode == 0, r.stderr.decode()[-500:]
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and link.read_bytes().startswith(b"\x89PNG")


def test_screenshot_to_a_device_node_is_bad_input(tmp_path, capsys):
    node, kind = _special_file(tmp_path)
    code, _, err = cli(capsys, "--screenshot", str(node))
    assert code == 2 and err == f"error: --screenshot {node}: is {kind}, not a regular file; choose a file to write\n"


# ---------------------------------------------------------------- 15: temp files after a kill

def test_temp_files_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    from advisor.atomic import write_bytes_atomic

    target = tmp_path / "rep.pdf"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".rep.pdf.{dead_pid}.k3j2.tmp"
    stale.write_bytes(b"%PDF half")
    live = tmp_path / f".rep.pdf.{os.getpid()}.zz9.tmp"  # a write in progress in this process
    live.write_bytes(b"in progress")
    other = tmp_path / f".other.pdf.{dead_pid}.aa1.tmp"  # another file's: not ours to judge now
    other.write_bytes(b"x")
    write_bytes_atomic(target, b"%PDF whole")
    assert target.read_bytes() == b"%PDF whole"
    assert not stale.exists() and live.exists() and other.exists()


def test_a_killed_report_leaves_nothing_after_the_next_report(tmp_path):
    out = tmp_path / "rep.pdf"
    proc = subprocess.Popen([sys.executable, "-c", (
        "import os, sys, time; sys.path.insert(0, sys.argv[1])\n"
        "from advisor.atomic import atomic_path\n"
        "with atomic_path(sys.argv[2]) as tmp:\n"
        "    tmp.write_bytes(b'%PDF half'); print('writing', flush=True); time.sleep(60)\n"),
        str(ROOT), str(out)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    [left] = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # what a kill leaves
    r = run_main("report", "--workload", str(WORKLOAD), "--out", str(out), timeout=180)
    assert r.returncode == 0, r.stderr.decode()[-500:]
    assert not left.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["rep.pdf"]


# ---------------------------------------------------------------- 9, 12: terminal output

ESCAPES = ["\x1b]0;pwned\x07", "\x1b]52;c;cm0gLXJmIH4=\x07", "\x1b[8mhidden\x1b[0m", "\x9b31m", "\u202etxt.exe"]


def _no_controls(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E]
    assert bad == [], repr(text[:300])


def test_overlay_names_print_without_escape_sequences(tmp_path, capsys):
    ov = tmp_path / "ov.csv"
    ov.write_text(OVERLAY_HEADER + "\n" + "\n".join(overlay_row(f"evil-{k}", f"Evil {k} {s}")
                                                    for k, s in enumerate(ESCAPES)) + "\n", encoding="utf-8")
    for argv in (["devices", "--catalog", str(ov)],
                 ["estimate", "--workload", str(WORKLOAD), "--device", "evil-0", "--catalog", str(ov)],
                 ["recommend", "--workload", str(WORKLOAD), "--catalog", str(ov), "--top", "200"]):
        code, out, err = cli(capsys, *argv)
        assert code == 0, err
        _no_controls(out + err)
    code, out, _ = cli(capsys, "devices", "--catalog", str(ov))
    assert "Evil 0 ]0;pwned" not in out and "Evil 0 " in out and "hidden" in out  # the text stays, the sequences go


def test_import_hostname_prints_without_escape_sequences(tmp_path, capsys, monkeypatch):
    from tests.corpus.make_corpus import report

    monkeypatch.setenv("HWADVISOR_DATA_DIR", str(tmp_path / "data"))
    f = tmp_path / "other.json"
    f.write_text(report(machine__hostname="box\x1b]0;pwned\x07\x1b[2J", gpus=[{"name": "GPU\x1b[8m x"}]))
    code, out, err = cli(capsys, "probe", "--import", str(f))
    assert code == 0, err
    _no_controls(out + err)
    assert "imported" in out and "box" in out


def test_a_cjk_name_with_a_latin1_terminal_exits_0(tmp_path):
    wl = tmp_path / "w.toml"
    wl.write_text('name = "日本語のチャット"\n' + WORKLOAD.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    r = run_main("estimate", "--workload", str(wl), "--device", "l4", env={"PYTHONIOENCODING": "latin-1"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"???????? on L4")


def test_a_lone_surrogate_name_is_bad_input_in_every_way_it_arrives(tmp_path, capsys):
    from advisor.workload import workload_from_dict

    f = tmp_path / "w.json"
    f.write_text('{"name": "x\\ud800y", "model": {"params_b": 7}, "inference": {"precision": "fp16", "requests_per_day": 1}}')
    code, _, err = cli(capsys, "estimate", "--workload", str(f), "--device", "l4")
    assert code == 2 and "lone surrogate" in err
    with pytest.raises(BadInput, match="lone surrogate"):  # the GUI form goes through here
        workload_from_dict({"name": "x\ud800y", "model": {"params_b": 7},
                            "inference": {"precision": "fp16", "requests_per_day": 1}}, "form")


def test_saved_toml_reopens_whatever_text_it_holds(tmp_path):
    """DEL and C1 controls are refused as names, and escaped in the TOML writer anyway (the
    unsaved-edits file goes through it too)."""
    import tomllib

    from advisor.workload import _toml_value, load_workload, save_workload

    for text in ("a\x7fb", "c\x85d", "日本 \u00e9 \U0001f680", 'quote " and \\ backslash'):
        assert tomllib.loads(f"x = {_toml_value(text)}") == {"x": text}
    wl = load_workload(WORKLOAD)
    save_workload(wl, tmp_path / "w.toml")
    assert load_workload(tmp_path / "w.toml") == wl


# ---------------------------------------------------------------- 11: tiny values

@pytest.mark.parametrize(("section", "field", "value"), [
    ("training", "target_days", 1e-290), ("training", "target_days", 1e-10), ("economics", "target_utilization", 1e-300),
    ("economics", "amortization_years", 1e-300), ("economics", "horizon_years", 1e-300),
    ("inference", "requests_per_day", 1e-300), ("model", "params_b", 1e-300), ("training", "tokens", 1e-300),
    ("training", "epochs", 1e-300), ("inference", "latency_slo_ms", 1e-300)])
def test_tiny_positive_values_are_bad_input(section, field, value):
    from advisor.workload import SPEC_BY_PATH, workload_from_dict

    data = {"model": {"params_b": 7}, "inference": {"precision": "fp16", "requests_per_day": 1000},
            "training": {"precision": "bf16", "tokens": 1e9}}
    data.setdefault(section, {})[field] = value
    least = SPEC_BY_PATH[f"{section}.{field}"].least
    with pytest.raises(BadInput, match=rf"^w: {section}.{field} must be at least {least:g}, got {value:g}$"):
        workload_from_dict(data, "w")


def test_the_smallest_allowed_values_give_finite_sane_figures():
    """At every `least` at once: a device count that fits in an int, costs without 300 digits."""
    import math

    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table
    from advisor.workload import workload_from_dict
    from hardware_db import load_catalog

    wl = workload_from_dict({
        "model": {"params_b": 7}, "inference": {"precision": "fp16", "requests_per_day": 0.01},
        "training": {"precision": "bf16", "tokens": 1e9, "target_days": 0.01},
        "economics": {"mode": "owned", "amortization_years": 0.1, "horizon_years": 0.01, "target_utilization": 0.01}})
    cat = load_catalog(user_overlay=False)
    table = device_table(cat)
    i = int((table.ids == "h100-sxm5-80gb").nonzero()[0][0])
    rec = estimate_table(wl, table.take([i])).record(0)
    assert 1 <= rec["training"]["count"] < 1_000_000
    for v in (rec["training"]["cost_usd"], rec["inference"]["cost_usd_per_year"], rec["lifecycle"]["training_cost_usd"]):
        assert v is None or (math.isfinite(v) and v < 1e12), rec


# ---------------------------------------------------------------- 13: CSV cells

def test_csv_export_cells_never_start_a_formula(tmp_path):
    from ui.jobs import csv_job

    path = tmp_path / "t.csv"
    cells = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "", "a=b"]
    csv_job(lambda *a: None, threading.Event(), str(path), ["device", "=header"], [[c, -5.0] for c in cells])
    rows = list(csv.reader(path.open(newline="")))
    assert rows[0] == ["device", "'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + c if c and c[0] in "=+-@\t\r" else c for c in cells]
    assert all(r[1] == "-5.0" for r in rows[1:])  # numbers stay numbers


# ---------------------------------------------------------------- 14: overlay rows say so

def test_an_overlay_price_is_marked_wherever_the_row_appears(tmp_path, capsys):
    """H100 overridden to $0.001/h ranks first (cloud mode): it says it is an overlay row."""
    ov = tmp_path / "ov.csv"
    ov.write_text("id,cloud_usd_per_hour,cloud_price_seen\nh100-sxm5-80gb,0.001,2024-06\n")
    cloud = PRESET_DIR / "serve_70b_at_scale.toml"
    code, out, err = cli(capsys, "recommend", "--workload", str(cloud), "--catalog", str(ov), "--json")
    assert code == 0, err
    [h100] = [r for r in json.loads(out)["ranked"] if r["device"] == "h100-sxm5-80gb"]
    assert h100["overlay"] is True and h100["device_name"].endswith(" [overlay]")
    assert all(r["overlay"] is False for r in json.loads(out)["ranked"] if r["device"] != "h100-sxm5-80gb")
    assert json.loads(out)["ranked"][0]["device"] == "h100-sxm5-80gb"
    code, out, _ = cli(capsys, "recommend", "--workload", str(cloud), "--catalog", str(ov), "--top", "3")
    assert out.splitlines()[1].startswith("  1. H100 SXM5 80GB [overlay]")
    code, out, _ = cli(capsys, "devices", "--catalog", str(ov))
    [line] = [ln for ln in out.splitlines() if ln.startswith("h100-sxm5-80gb ")]
    assert "[overlay]" in line
    code, out, _ = cli(capsys, "estimate", "--workload", str(WORKLOAD), "--device", "h100 sxm", "--catalog", str(ov))
    assert "[overlay]" in out.splitlines()[0]


def test_duplicate_ids_in_one_overlay_are_bad_input(tmp_path):
    from hardware_db import load_catalog
    from hardware_db.loader import CatalogError

    ov = tmp_path / "ov.csv"
    ov.write_text("id,tdp_w\nrtx-4090,450\nl4,70\nrtx-4090,500\n")
    with pytest.raises(CatalogError, match=r"ov.csv:4: id: 'rtx-4090' is already given at line 2 of this overlay$"):
        load_catalog(ov, user_overlay=False)


# ---------------------------------------------------------------- 15: what a person reads

def test_estimate_text_has_no_nan_none_or_question_marks(capsys):
    for device in ("gh200", "m4-max-32c"):
        code, out, err = cli(capsys, "estimate", "--workload", str(WORKLOAD), "--device", device)
        assert code == 0, err
        for junk in ("nan", "None", "x?", "$n/a"):
            assert junk not in out, (device, junk, out)
    code, out, _ = cli(capsys, "recommend", "--workload", str(WORKLOAD), "--json", "--top", "300")
    for r in json.loads(out)["ranked"]:
        assert not any("nan" in w for w in r["why"]), r["why"]


def test_the_pdf_marks_overlay_rows_in_its_tables(tmp_path):
    """The report's candidate, price and source tables name an overlay row with its mark."""
    pytest.importorskip("PySide6")
    from advisor.workload import load_workload
    from hardware_db import load_catalog
    from ui.report.data import build_data
    from ui.report.sections.prices import prices_html
    from ui.report.sections.sources import sources_html

    ov = tmp_path / "ov.csv"
    ov.write_text("id,cloud_usd_per_hour,cloud_price_seen\nh100-sxm5-80gb,0.001,2024-06\n")
    cat = load_catalog(ov, user_overlay=False)
    d = build_data(load_workload(PRESET_DIR / "serve_70b_at_scale.toml"), catalog=cat,
                   devices=["h100-sxm5-80gb"], machine=None, probe={}, calibrations={})
    assert "H100 SXM5 80GB [overlay]" in prices_html(d)
    [(_head, rows, _header), *_] = sources_html(d)
    assert any("H100 SXM5 80GB [overlay]" in r for r in rows)
    assert not any("[overlay]" in r for r in rows if "H100 SXM5 80GB" not in r)
