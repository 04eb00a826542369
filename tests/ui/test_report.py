"""The PDF report: read back (pypdf), rendered (pdftoppm), written atomically, and the `report`
command end to end with no display."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pypdf
import pytest

from advisor.errors import BadInput
from advisor.presets import PRESET_DIR
from advisor.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
PRESETS = PRESET_DIR
CHAT = PRESETS / "chat_7b_workstation.toml"
LIFECYCLE = PRESETS / "lifecycle_2m_training_18m_serving.toml"
PRETRAIN = PRESETS / "pretrain_7b_2t.toml"
MM_PER_PT = 25.4 / 72

pytestmark = pytest.mark.gui


_TEXT: dict[Path, list[str]] = {}


def _pages_text(path: Path) -> list[str]:
    """Each page's extracted text (cached: pypdf takes a while per page)."""
    path = Path(path)
    if path not in _TEXT:
        _TEXT[path] = [_norm(p.extract_text() or "") for p in pypdf.PdfReader(str(path)).pages]
    return _TEXT[path]


def _norm(text: str) -> str:
    """Whitespace folded and ligatures ('ﬁ') undone, as a reader's search would."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def catalog():
    from hardware_db import load_catalog

    return load_catalog(user_overlay=False)


@pytest.fixture(scope="module")
def reports(qapp, catalog, tmp_path_factory):
    """One report per preset (made once: each takes about a second)."""
    from ui.report import write_report

    out = tmp_path_factory.mktemp("reports")
    made = {}
    with pytest.MonkeyPatch.context() as mp:  # never read the user's probe history
        mp.setenv("HWADVISOR_DATA_DIR", str(out / "data"))
        mp.setenv("HWADVISOR_CONFIG_DIR", str(out / "config"))
        for name, wl in (("chat", CHAT), ("lifecycle", LIFECYCLE), ("pretrain", PRETRAIN)):
            made[name] = write_report(out / f"{name}.pdf", load_workload(wl), catalog=catalog, probe={},
                                      calibrations={})
    return made


def _gui_results(catalog, workload):
    """What the GUI computes and shows for the same workload."""
    from ui.state import AppState

    state = AppState(catalog=catalog)
    state.set_workload(workload, immediate=True)
    return state.results


def test_chat_report_shows_the_guis_devices_and_figures(reports, catalog):
    from ui.charts import fmt_money, fmt_ms, fmt_num

    path = reports["chat"]
    pages = _pages_text(path)
    assert len(pages) >= 4
    text = " ".join(pages)
    r = _gui_results(catalog, load_workload(CHAT))
    p, names = r.estimates.point, r.estimates.table.names
    for i in r.ranking.order[:5]:
        assert _norm(str(names[i])) in text
        assert fmt_money(p["cost_usd_per_million_tokens"][i]) in text  # the GUI's "$ / 1M tokens" column
        assert fmt_ms(p["request_latency_ms"][i]) in text
        assert fmt_num(p["throughput_tokens_per_s"][i]) in text
    best = r.ranking.best()
    rec = r.estimates.record(int(best))
    rng = rec["range"]["inference"]["cost_usd_per_million_tokens"]
    assert f"{fmt_money(rng['low'])} – {fmt_money(rng['high'])}" in text  # the range, as the GUI writes it
    assert "Best for serving" in pages[0] and _norm(str(names[best])) in pages[0]  # the headline, on page 1
    assert "Page 1 of" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    for section in ("The workload in plain words", "Recommendation", "Top candidates", "Trade-off charts",
                    "This machine", "Assumptions", "Prices used", "Sources"):
        assert section in text, section


def test_lifecycle_report_has_the_cost_split(reports, catalog):
    text = " ".join(_pages_text(reports["lifecycle"]))
    r = _gui_results(catalog, load_workload(LIFECYCLE))
    best = r.ranking.best()
    share = r.estimates.point["inference_share"][best]
    assert "Lifecycle cost: training against serving" in text
    assert f"inference is {share:.0%} of the lifetime cost" in text
    assert "Best for training alone" in text and "Best for inference alone" in text


def test_training_report_has_training_figures(reports, catalog):
    from ui.charts import fmt_money

    text = " ".join(_pages_text(reports["pretrain"]))
    r = _gui_results(catalog, load_workload(PRETRAIN))
    best = int(r.ranking.best())
    assert _norm(str(r.estimates.table.names[best])) in text
    assert fmt_money(r.estimates.point["train_cost_usd"][best]) in text
    assert "Time to train" in text and "Lifecycle cost" not in text


def test_every_catalog_row_used_has_its_source(reports, catalog):
    text = " ".join(_pages_text(reports["chat"]))
    r = _gui_results(catalog, load_workload(CHAT))
    for i in r.ranking.order[:5]:
        first_url = str(r.estimates.table.rows[i]["source"]).split("|")[0].strip()
        assert first_url.replace(" ", "") in text.replace(" ", "")  # long URLs wrap: compare without spaces


@pytest.mark.parametrize("size, mm", [("A4", (210, 297)), ("Letter", (215.9, 279.4))])
def test_page_sizes(qapp, catalog, tmp_path, size, mm):
    from ui.report import write_report

    path = write_report(tmp_path / "r.pdf", load_workload(PRETRAIN), catalog=catalog, page_size=size, probe={},
                        calibrations={})
    for page in pypdf.PdfReader(str(path)).pages:
        w, h = float(page.mediabox.width) * MM_PER_PT, float(page.mediabox.height) * MM_PER_PT
        assert abs(w - mm[0]) < 1 and abs(h - mm[1]) < 1


def _read_pgm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    parts, pos = [], 0
    while len(parts) < 4:  # magic, width, height, maxval (no comments from pdftoppm)
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(data[pos + 1:pos + 1 + w * h], dtype=np.uint8).reshape(h, w)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
@pytest.mark.parametrize("name", ["chat", "lifecycle", "pretrain"])
def test_no_page_is_blank(reports, tmp_path, name):
    subprocess.run(["pdftoppm", "-gray", "-r", "40", str(reports[name]), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == len(pypdf.PdfReader(str(reports[name])).pages)
    for img in images:
        a = _read_pgm(img)
        h = a.shape[0]
        body = a[int(h * 0.09):int(h * 0.91)]  # leave out the header and footer bands
        ink = (body < 200).mean()
        assert ink > 0.004, f"{img.name}: only {ink:.2%} of the body is inked"


def test_requested_devices_are_compared_even_when_excluded(qapp, catalog, tmp_path):
    from ui.report import build_data, write_report

    wl = load_workload(LIFECYCLE)  # 175B: a 24 GB card cannot serve it
    data = build_data(wl, catalog=catalog, devices=["rtx 4090", "mi300x"], probe={}, calibrations={}, machine=None)
    ids = [str(data.table.ids[i]) for i in data.shown]
    rtx = catalog.resolve("rtx 4090")["id"]
    assert rtx in ids and catalog.resolve("mi300x")["id"] in ids
    path = write_report(tmp_path / "r.pdf", wl, catalog=catalog, devices=["rtx 4090"], probe={}, calibrations={})
    text = " ".join(_pages_text(path))
    assert "requested" in text
    reason = data.ranking.excluded[int(np.flatnonzero(data.table.ids == rtx)[0])]
    assert _norm(reason)[:30] in text


def test_probe_figures_are_shown(qapp, catalog, tmp_path):
    from ui.report import write_report

    probe = {"cpu": {"matmul_fp32_gflops": 158.8, "matmul_fp64_gflops": 80.1, "memory_bandwidth_gbps": 21.4,
                     "latency_by_batch": {"1": {"latency_ms": 1.5}, "8": {"latency_ms": 4.25}}},
             "gpus": [{"index": 0, "name": "NVIDIA H200", "matmul_tflops": {"bf16": 791.0},
                       "memory_bandwidth_gbps": 4271.0}],
             "timestamp": "2026-11-20T10:00:00+00:00", "quick": True, "duration_s": 6.0, "app_version": "0.1.0"}
    path = write_report(tmp_path / "r.pdf", load_workload(CHAT), catalog=catalog, probe=probe, calibrations={})
    text = " ".join(_pages_text(path))
    for figure in ("159 GFLOP/s", "21.4 GB/s", "791 TFLOP/s", "4,271 GB/s", "2026-11-20T10:00:00+00:00"):
        assert figure in text, figure


def test_a_failure_mid_write_leaves_the_old_file(qapp, catalog, tmp_path, monkeypatch):
    from ui import report

    target = tmp_path / "advice.pdf"
    target.write_bytes(b"the old report")

    def boom(self, painter, x, y):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report._Chart, "paint", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        report.write_report(target, load_workload(CHAT), catalog=catalog, probe={}, calibrations={})
    assert target.read_bytes() == b"the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["advice.pdf"]  # no temporary file left


def test_a_new_report_is_readable_by_others(qapp, catalog, tmp_path):
    from ui.report import write_report

    mask = os.umask(0o022)
    try:
        path = write_report(tmp_path / "r.pdf", load_workload(PRETRAIN), catalog=catalog, probe={}, calibrations={})
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "read-only"])
def test_unwritable_paths_are_bad_input(qapp, catalog, tmp_path, where):
    from ui.report import write_report

    if where == "missing-folder":
        out = tmp_path / "nope" / "r.pdf"
    elif where == "a-folder":
        out = tmp_path / "dir.pdf"
        out.mkdir()
    else:
        if os.geteuid() == 0:
            pytest.skip("root ignores folder permissions")
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        out = ro / "r.pdf"
    with pytest.raises(BadInput, match="cannot write"):
        write_report(out, load_workload(CHAT), catalog=catalog, probe={}, calibrations={})
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []


# ---- the command, end to end, with no display ------------------------------------------------
def _cli(args, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["HWADVISOR_DATA_DIR"] = str(tmp_path / "data")
    env["HWADVISOR_CONFIG_DIR"] = str(tmp_path / "config")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=120)
    r.wall = time.perf_counter() - t0
    return r


def test_cli_writes_a_valid_pdf_without_a_display(tmp_path):
    out = tmp_path / "advice.pdf"
    r = _cli(["report", "--workload", str(LIFECYCLE), "--out", str(out), "--device", "h100 sxm",
              "--page-size", "letter"], tmp_path)
    assert r.returncode == 0, r.stderr
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) >= 2
    assert abs(float(reader.pages[0].mediabox.width) - 612) < 1  # US Letter
    assert "H100 SXM5 80GB" in " ".join(_pages_text(out))
    assert f"wrote {out}" in r.stdout
    assert r.wall < 8, f"{r.wall:.1f} s"


@pytest.mark.parametrize("case", ["missing-folder", "a-folder", "bad-workload", "unknown-device", "page-size"])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, case):
    out = tmp_path / "r.pdf"
    workload = str(CHAT)
    extra: list[str] = []
    if case == "missing-folder":
        out = tmp_path / "no" / "such" / "r.pdf"
    elif case == "a-folder":
        out = tmp_path
    elif case == "bad-workload":
        bad = tmp_path / "bad.toml"
        bad.write_text('name = "x"\n[model]\nparams_b = -3\n')
        workload = str(bad)
    elif case == "unknown-device":
        extra = ["--device", "no such card 9000"]
    else:
        extra = ["--page-size", "A3"]
    before = {p for p in tmp_path.rglob("*")}
    r = _cli(["report", "--workload", workload, "--out", str(out), *extra], tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.stderr
    after = {p for p in tmp_path.rglob("*") if p.is_file() and "data" not in p.parts and "config" not in p.parts}
    assert after <= before  # nothing written


def test_the_command_module_does_not_import_qt():
    code = ("import sys; import ui.commands, ui.report_command, advisor.cli as c; c.build_parser(ui.commands.register);"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_texts_from_files_are_printed_never_read_as_markup(qapp, catalog, tmp_path):
    """A workload name/description and overlay device names/sources holding HTML come out as
    the characters they are: nothing is loaded, nothing styled. (The image is a real small file,
    not `/dev/zero`: a regression must fail here, not exhaust the test machine's memory.)"""
    from PySide6.QtGui import QColor, QImage

    from hardware_db import load_catalog
    from ui.report import write_report

    wl = load_workload(CHAT)
    best = _gui_results(catalog, wl).ranking.best()
    dev_id = str(catalog_ids(catalog)[best])
    picture = tmp_path / "dot.png"
    img = QImage(4, 4, QImage.Format_RGB32)
    img.fill(QColor("red"))
    assert img.save(str(picture))
    evil = f"<img src={picture}>"
    overlay = tmp_path / "overlay.csv"
    overlay.write_text(f'id,name,source\n{dev_id},"{evil} Card","https://x.test/{evil}"\n')
    cat = load_catalog(overlay, user_overlay=False)
    wl = dataclasses.replace(wl, name=f"{evil}<b>bold</b>",
                             description="<table cellpadding=3><tr><td>cell</td></tr></table> & more")
    path = write_report(tmp_path / "r.pdf", wl, catalog=cat, probe={}, calibrations={})
    text = "".join(_pages_text(path)).replace(" ", "")  # a long path wraps: compare without spaces

    def shown(s):
        return s.replace(" ", "") in text

    assert shown(f"{evil}<b>bold</b>")
    assert shown("<table cellpadding=3><tr><td>cell</td></tr></table> & more")
    assert shown(f"{evil} Card")
    assert all(not page.images for page in pypdf.PdfReader(str(path)).pages)  # the picture was never read


def catalog_ids(catalog):
    from advisor.model.devices import device_table

    return device_table(catalog).ids


def _fill(img: np.ndarray) -> float:
    """How far down the page body the ink reaches (0-1), from a rendered page."""
    h = img.shape[0]
    top, bottom = int(h * 0.075), int(h * 0.925)  # the body, without the header and footer bands
    rows = np.flatnonzero((img[top:bottom] < 200).mean(axis=1) > 0.002)
    return (rows.max() + 1) / (bottom - top) if len(rows) else 0.0


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
@pytest.mark.parametrize("name", ["chat", "lifecycle", "pretrain", "lifecycle-letter"])
def test_pages_do_not_end_half_empty(reports, catalog, tmp_path, name):
    """A chart that does not fit the rest of a page no longer leaves it half empty: it is drawn
    a little shorter, or the text after it fills the page first. Only the last page and the
    page before the Sources (which start a page by design) may end early."""
    if name == "lifecycle-letter":
        from ui.report import write_report

        path = write_report(tmp_path / "l.pdf", load_workload(LIFECYCLE), catalog=catalog, page_size="Letter",
                            probe={}, calibrations={})
    else:
        path = reports[name]
    texts = _pages_text(path)
    subprocess.run(["pdftoppm", "-gray", "-r", "30", str(path), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == len(texts)
    for k, img in enumerate(images[:-1]):
        if "Sources Where each catalog row" in texts[k + 1]:
            continue  # the Sources open a fresh page
        fill = _fill(_read_pgm(img))
        assert fill > 0.6, f"page {k + 1} of {len(images)} ends at {fill:.0%} of its height"  # old layout: 52%


def test_report_text_keeps_its_ink_under_the_dark_theme(qapp):
    """A PDF exported while the app shows its dark theme: table cells and headings take no
    colour from the style sheet, so they fell back to the theme's near-white text colour and
    the page looked empty. The report draws with its own ink."""
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette

    from ui import theme as themes
    from ui.report.blocks import Html
    from ui.report.text import table

    saved = (qapp.palette(), qapp.styleSheet())
    themes.apply(qapp, themes.resolve("dark", qapp))
    try:
        assert qapp.palette().color(QPalette.Text).lightness() > 200  # the theme's text is light
        img = QImage(400, 200, QImage.Format_RGB32)
        img.fill(QColor("#ffffff"))
        block = Html("<p>Serving is 2,000 requests a day.</p>" + table(
            [("Device", False), ("Price", True)], ["<tr><td>GeForce RTX 4060</td><td class='num'>$299</td></tr>"]),
            380, QFont("DejaVu Sans", 9), img)
        p = QPainter(img)
        block.paint(p, 10, 10)
        p.end()
        dark = sum(1 for y in range(0, 200, 2) for x in range(0, 400, 2) if QColor(img.pixel(x, y)).lightness() < 100)
        assert dark > 30, dark  # text drawn in ink, not in the theme's near-white
    finally:
        qapp.setPalette(saved[0])
        qapp.setStyleSheet(saved[1])
