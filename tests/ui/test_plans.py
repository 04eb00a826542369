"""The Plans view driven through its widgets: the three cases of issue #12 show the same numbers
as the `plan` command prints."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from advisor.plan import money
from tests.advisor.plan_cases import CASE2_OPTIONS, CASE2_OWN, CASE2_PRICE, CASE3_OPTION, SERVE_70B, TRAIN_13B, serve_8b
from tests.cli.test_cli import ROOT, cli
from tests.ui.conftest import built_window

RTX_4090_REPLAY = ROOT / "tests" / "fixtures" / "nvml" / "rtx_4090.json"


def _cli_plan(path, options=(), own=(), price=()):
    args = ["plan", "--workload", str(path), "--json"]
    for flag, values in (("--option", options), ("--own", own), ("--price", price)):
        for v in values:
            args += [flag, v]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["options"]


def _drive(window, qtbot, path, options=(), own=(), price=()):
    assert window.open_path(str(path), quiet=True)
    window.state.flush()
    window.tabs.setCurrentIndex(window.tabs.indexOf(window.plans))
    view = window.plans
    for edit, values in ((view.options, options), (view.owned, own), (view.prices, price)):
        edit.clear()
        qtbot.keyClicks(edit, "; ".join(values))
    qtbot.mouseClick(view.run_button, Qt.LeftButton)
    assert view.last_error == ""
    return view


def _same_numbers(view, cli_options):
    assert view.table.columnCount() == len(cli_options)
    for c, o in enumerate(cli_options):
        assert view.table.horizontalHeaderItem(c).text() == o["label"]
        assert view.cell("Devices in all", c) == f"{o['devices_total']:,}"
        assert view.cell("To buy", c) == f"{o['to_buy']:,}"
        assert view.cell("Owned", c) == f"{o['owned']:,}"
        assert view.cell("Upfront", c) == money(o["upfront_usd"])
        assert view.cell("Per year", c) == money(o["yearly_usd"])
        assert view.cell(f"TCO owned ({o['horizon_years']:g} y)", c) == money(o["tco_usd"])
        assert view.cell(f"Rent the same ({o['horizon_years']:g} y)", c) == money(o["cloud_tco_usd"])


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, data in (("case1", serve_8b(20_000)), ("case1b", serve_8b(1_000_000)), ("case2", SERVE_70B),
                       ("case3", TRAIN_13B)):
        out[name] = tmp_path / f"{name}.json"
        out[name].write_text(json.dumps(data))
    return out


def test_case1_top_devices_for_8b_serving_match_the_cli(window, qtbot, files):
    for key in ("case1", "case1b"):
        view = _drive(window, qtbot, files[key])
        _same_numbers(view, _cli_plan(files[key]))
    assert "M/M/c" in view.details.toPlainText()


def test_case2_owned_4090_and_typed_price_match_the_cli(window, qtbot, files):
    view = _drive(window, qtbot, files["case2"], CASE2_OPTIONS, CASE2_OWN, CASE2_PRICE)
    cli_options = _cli_plan(files["case2"], CASE2_OPTIONS, CASE2_OWN, CASE2_PRICE)
    _same_numbers(view, cli_options)
    assert [view.cell("Upfront", c) for c in range(2)] == ["$1,599", "$6,800"]
    assert view.cell("Unit price", 1) == "$6,800 (typed)"


def test_case3_sixteen_card_training_matches_the_cli(window, qtbot, files):
    view = _drive(window, qtbot, files["case3"], (CASE3_OPTION,))
    _same_numbers(view, _cli_plan(files["case3"], (CASE3_OPTION,)))
    assert view.cell("Upfront", 0) == "$46,384"
    assert "does not fit one card" in view.details.toPlainText()


def test_bad_option_is_a_message_not_a_crash(window, qtbot, files):
    assert window.open_path(str(files["case2"]), quiet=True)
    window.state.flush()
    view = window.plans
    qtbot.keyClicks(view.options, "2x nosuchcard")
    qtbot.mouseClick(view.run_button, Qt.LeftButton)
    assert view.last_error.startswith("Options: no catalog device matches")
    view.options.clear()
    qtbot.keyClicks(view.prices, "rtx 4090=cheap")
    qtbot.mouseClick(view.run_button, Qt.LeftButton)
    assert view.last_error.startswith("Prices:")


def test_recommendations_table_shows_the_plan_columns(window):
    model = window.recommend.model
    heads = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]
    for h in ("To buy", "Upfront", "Per year", "3-year TCO"):
        assert h in heads
    r = window.state.results
    best = r.ranking.best()
    plan = r.plan(best)
    assert plan is not None and plan["upfront_usd"] == pytest.approx(plan["to_buy"] * (plan["unit_price_usd"] or 0)
                                                                      + plan["host_upfront_usd"])


def test_detected_gpus_are_offered_as_owned_in_one_click(qtbot, fast_detect, monkeypatch, files):
    monkeypatch.setenv("HWADVISOR_NVML_REPLAY", str(RTX_4090_REPLAY))
    window = built_window(qtbot)
    try:
        view = _drive(window, qtbot, files["case2"], CASE2_OPTIONS, (), CASE2_PRICE)
        assert view.use_detected.isEnabled()
        qtbot.mouseClick(view.use_detected, Qt.LeftButton)
        assert "4090" in view.owned.text()
        # Owning the detected 4090 gives the same plan as typing --own '1x rtx 4090'.
        _same_numbers(view, _cli_plan(files["case2"], CASE2_OPTIONS, CASE2_OWN, CASE2_PRICE))
    finally:
        from ui import workers

        workers.shutdown()


def test_pdf_what_to_buy_section_has_the_clis_numbers(qapp, tmp_path, files):
    import pypdf

    from hardware_db import load_catalog
    from ui.report import write_report

    catalog = load_catalog(user_overlay=False)
    out = write_report(tmp_path / "case2.pdf", str(files["case2"]), catalog=catalog, probe={}, calibrations={},
                       options=list(CASE2_OPTIONS), owned=list(CASE2_OWN), prices=list(CASE2_PRICE))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(out)).pages)
    assert "What to buy" in text and "M/M/c" in text
    for o in _cli_plan(files["case2"], CASE2_OPTIONS, CASE2_OWN, CASE2_PRICE):
        assert o["label"] in text
        for key in ("upfront_usd", "yearly_usd", "tco_usd", "cloud_tco_usd"):
            assert money(o[key]) in text, key


def test_what_to_buy_escapes_text_from_files():
    from ui.report.sections.what_to_buy import what_to_buy_html

    plan = {"label": "<b>x</b>", "device_name": "<i>dev</i>", "devices_per_replica": 1, "split": "none",
            "replicas": 1, "devices_total": 1, "fits": True, "owned": 0, "to_buy": 1, "hosts": 1,
            "host_class": "desktop", "hosts_to_buy": 1, "unit_price_usd": 10.0, "host_upfront_usd": 5.0,
            "upfront_usd": 15.0, "yearly_usd": 1.0, "tco_usd": 16.0, "cloud_tco_usd": None,
            "breakeven_months": None, "horizon_years": 1, "price_missing": [], "why": ["<script>"]}
    html = what_to_buy_html({"options": [plan], "assumptions": ["a & b"]})
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>" not in html and "a &amp; b" in html
