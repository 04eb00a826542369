"""The workload form: editing a field changes the estimate; bad input shows the one-line
message under the field and keeps the last valid results; open/save."""

from __future__ import annotations

from advisor.workload import SECTIONS, load_workload
from tests.ui.conftest import built_window


def _edit(qtbot, w, path: str, text: str):
    row = w.form.rows[path]
    row.editor.setFocus()
    row.editor.selectAll()
    qtbot.keyClicks(row.editor, text) if text else row.editor.clear()
    if not text:
        row.editor.textEdited.emit("")


def test_form_has_every_field_with_units_and_tooltips(window):
    paths = {f"{s}.{f.key}" if s else f.key for s, specs in SECTIONS.items() for f in specs}
    assert set(window.form.rows) == paths
    pue = window.form.rows["economics.pue"]
    assert "facility power" in pue.editor.toolTip().lower()
    assert "KV cache" in window.form.rows["model.kv_heads"].editor.toolTip()


def test_editing_a_field_changes_the_estimate(window, qtbot):
    st = window.state
    before = st.results
    best = before.ranking.best()
    rpd = before.workload.inference.requests_per_day
    _edit(qtbot, window, "inference.requests_per_day", f"{rpd * 10:g}")
    qtbot.waitUntil(lambda: st.results is not before, timeout=3000)
    assert st.results.workload.inference.requests_per_day == rpd * 10
    cost = st.results.estimates.point["cost_usd_per_day"]
    assert cost[best] > before.estimates.point["cost_usd_per_day"][best]
    # the table shows the new figures
    model = window.recommend.model
    col = model.column_index("cost_year")
    assert model.raw(best, col) == st.results.estimates.point["cost_usd_per_year"][best]


def test_bad_value_shows_inline_message_and_keeps_last_estimate(window, qtbot):
    st = window.state
    before = st.results
    _edit(qtbot, window, "inference.batch_size", "abc")
    row = window.form.rows["inference.batch_size"]
    assert row.error.isVisible() or not row.error.isHidden()
    assert "inference.batch_size must be a whole number" in row.error.text()
    qtbot.wait(80)
    assert st.results is before
    _edit(qtbot, window, "inference.batch_size", "-3")
    assert ">= 1" in row.error.text()
    _edit(qtbot, window, "inference.batch_size", "8")
    assert row.error.text() == ""
    qtbot.waitUntil(lambda: st.results is not before, timeout=3000)
    assert st.results.workload.inference.batch_size == 8


def test_unticking_both_phases_is_a_whole_workload_error(window, qtbot):
    window.form.groups["inference"].setChecked(False)
    window.form.groups["training"].setChecked(False)
    assert window.form.banner.text().startswith("inference or training is required")
    window.form.groups["inference"].setChecked(True)
    assert not window.form.banner.isVisibleTo(window.form)


def test_open_bad_toml_shows_the_one_line_error(window, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nparams_b = "seven"\n[inference]\nprecision = "int8"\nrequests_per_day = 10\n')
    before = window.state.results
    assert not window.open_path(str(bad))
    assert window.last_message == "bad.toml: model.params_b must be a number > 0, got 'seven'"
    assert window.state.results is before


def test_save_and_reopen_round_trip(window, qtbot, tmp_path):
    _edit(qtbot, window, "inference.output_tokens", "300")
    qtbot.waitUntil(lambda: window.state.workload.inference.output_tokens == 300, timeout=2000)
    path = tmp_path / "w.toml"
    assert window.save_to(str(path))
    assert load_workload(path) == window.state.workload
    assert str(path.resolve()) in window.settings.recent_files
    assert window.open_path(str(path))


def test_save_refused_while_a_field_is_invalid(window, qtbot, tmp_path):
    _edit(qtbot, window, "model.params_b", "0")
    assert not window.save_to(str(tmp_path / "x.toml"))
    assert not (tmp_path / "x.toml").exists()


def test_presets_come_from_the_workloads_folder(window):
    from ui.presets import WORKLOADS_DIR

    names = [window.form.presets.itemText(i) for i in range(window.form.presets.count())]
    files = list(WORKLOADS_DIR.glob("*.toml"))
    assert len(names) == max(1, len(files))
    window._on_preset(len(names) - 1)
    window.state.flush()
    assert window.state.results.workload.name == names[-1]


def test_unsaved_edits_survive_closing_the_window(window, qtbot, tmp_path):
    """Nothing the user made is lost: edits not yet saved come back, still marked unsaved."""
    from ui.unsaved import _folder

    st = window.state
    before = st.results
    _edit(qtbot, window, "inference.requests_per_day", "12345")
    qtbot.waitUntil(lambda: st.results is not before, timeout=3000)
    window.close()
    [kept] = _folder().glob("*.toml")
    assert "requests_per_day = 12345" in kept.read_text()

    again = built_window(qtbot)
    assert again.state.workload.inference.requests_per_day == 12345
    assert again._dirty and again.windowTitle().split(" ·")[0].endswith("•")
    assert again.save_to(tmp_path / "mine.toml")
    again.close()
    assert not kept.exists()  # saved: nothing left to keep
    assert load_workload(tmp_path / "mine.toml").inference.requests_per_day == 12345


def test_model_picker_fills_the_model_fields(window, qtbot):
    st = window.state
    before = st.results
    box = window.form.rows["model.name"].editor
    i = box.findText("qwen3-30b-a3b")
    assert i > 0 and box.count() >= 41
    box.setCurrentIndex(i)
    box.activated.emit(i)
    qtbot.waitUntil(lambda: st.results is not before, timeout=3000)
    m = st.results.workload.model
    assert (m.name, m.experts, m.experts_per_token, m.layers) == ("qwen3-30b-a3b", 128, 8, 48)
    assert window.form.rows["model.params_b"].editor.text().startswith("30.5")


def test_engine_field_changes_the_estimate(window, qtbot):
    st = window.state
    before = st.results
    box = window.form.rows["inference.engine"].editor
    i = box.findText("transformers")
    assert i > 0 and box.findText("exllamav2") > 0
    box.setCurrentIndex(i)
    qtbot.waitUntil(lambda: st.results is not before, timeout=3000)
    after = st.results
    assert after.workload.inference.engine == "transformers"
    assert set(after.estimates.point["engine"]) == {"transformers"}
    best = before.ranking.best()
    assert after.estimates.point["tpot_ms"][best] > before.estimates.point["tpot_ms"][best]
