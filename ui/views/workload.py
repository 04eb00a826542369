"""The workload form: every field of the workload file, generated from `advisor.workload.SECTIONS`
(labels, units, help, bounds), with a preset picker and inline validation as you type."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from advisor.workload import SECTIONS, FieldSpec
from ui.glossary import FIELD_EXTRA
from ui.plain import plain_label
from ui.plain import tip as plain_tip

SECTION_TITLES = {
    "": "Workload",
    "model": "Model",
    "inference": "Serve it (inference)",
    "training": "Train it (training)",
    "economics": "Economics",
}
OPTIONAL_SECTIONS = ("inference", "training")


def format_value(spec: FieldSpec, v) -> str:
    if v is None:
        return ""
    if spec.type == "whole" and isinstance(v, (int, float)):
        return str(int(v))
    if isinstance(v, float):
        s = f"{v:g}"
        return s.replace("e+0", "e").replace("e+", "e")
    return str(v)


def parse_value(spec: FieldSpec, text: str):
    """Form text -> a value for `workload_from_dict` (None = leave the field out).

    Text that is not a number is passed through as text, so the core's one-line message
    ("must be a number, got 'abc'") is what the user sees.
    """
    t = text.strip()
    if not t:
        return None
    if spec.type in ("number", "whole"):
        clean = t.replace(",", "").replace("_", "")
        try:
            return int(clean)
        except ValueError:
            pass
        try:
            return float(clean)
        except ValueError:
            return t
    return t


def help_parts(path: str, spec: FieldSpec) -> list[str]:
    """The field's help, extra glossary text, bounds and default, as plain sentences."""
    parts = [spec.help]
    if path in FIELD_EXTRA:
        parts.append(FIELD_EXTRA[path])
    bounds = []
    if spec.lo is not None:
        bounds.append(f"{'>' if spec.lo_open else '≥'} {spec.lo:g}")
    if spec.hi is not None:
        bounds.append(f"≤ {spec.hi:g}")
    if bounds:
        parts.append("Allowed: " + ", ".join(bounds))
    if spec.default is not None and spec.default != "":
        parts.append(f"Default: {format_value(spec, spec.default)}")
    return parts


def tooltip(path: str, spec: FieldSpec) -> str:
    parts = [f"<b>{spec.label}</b>" + (f" ({spec.unit})" if spec.unit else ""), *help_parts(path, spec),
             f"<i>File key: {path}</i>"]
    return "<p style='white-space:normal'>" + "<br>".join(parts) + "</p>"


def accessible_name(spec: FieldSpec) -> str:
    """What a screen reader says for the field: its label and unit, plain text."""
    return spec.label + (f" ({spec.unit})" if spec.unit else "")


class FieldRow:
    """One field: its editor and the inline message under it."""

    def __init__(self, path: str, spec: FieldSpec, on_edit):
        self.path, self.spec = path, spec
        tip = tooltip(path, spec)
        if path == "model.name":
            # The model picker: the library's models, or any name typed in (checked like a file's).
            from advisor.models import library

            w = QComboBox()
            w.setEditable(True)
            w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(8)
            w.addItem("")
            for m in library():
                w.addItem(m.id)
                w.setItemData(w.count() - 1, f"{m.name}: {m.params_b:g} B parameters", Qt.ToolTipRole)
            w.setInsertPolicy(QComboBox.NoInsert)
            w.activated.connect(on_edit)
            w.lineEdit().textEdited.connect(on_edit)
        elif spec.type == "choice":
            w = QComboBox()
            # Sized by the dock, not by its longest choice: the form must fit a narrow window.
            w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(6)
            if not spec.required:
                w.addItem("")
            w.addItems(list(spec.choices))
            w.currentIndexChanged.connect(lambda *_: on_edit(path))
        elif spec.type == "bool":
            w = QCheckBox()
            w.toggled.connect(lambda *_: on_edit(path))
        else:
            w = QLineEdit()
            w.setMinimumWidth(70)
            w.setClearButtonEnabled(False)
            if spec.default is not None and spec.default != "":
                w.setPlaceholderText(f"default {format_value(spec, spec.default)}")
            elif not spec.required and spec.type != "text":
                w.setPlaceholderText("optional")
            w.textEdited.connect(lambda *_: on_edit(path))
        w.setObjectName(f"field:{path}")
        w.setToolTip(tip)
        w.setAccessibleName(accessible_name(spec))
        if isinstance(w, QComboBox) and w.lineEdit() is not None:  # the picker's typing field
            w.lineEdit().setAccessibleName(accessible_name(spec))
        w.setAccessibleDescription(" ".join(p.rstrip(".") + "." for p in help_parts(path, spec) if p))
        if isinstance(w, QComboBox) and w.isEditable():  # the text box inside is focused on its own
            w.lineEdit().setAccessibleName(w.accessibleName())
            w.lineEdit().setAccessibleDescription(w.accessibleDescription())
        w.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.editor = w
        self.error = plain_label(QLabel())  # messages quote what was typed or read from a file
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        # The message wraps to the field's width (never widens the form, never cut at its edge).
        self.error.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)
        self.error.setMinimumWidth(40)
        self.error.setObjectName(f"error:{path}")
        self.error.hide()
        self.label = QLabel(spec.label + (f" <span style='color:gray'>({spec.unit})</span>" if spec.unit else ""))
        self.label.setToolTip(tip)
        self.label.setBuddy(w)

    def fit_error(self) -> None:
        """Give the wrapped message the height it needs at the width it has (a form layout
        does not ask a wrapped label, so long messages were cut off)."""
        if self.error.text():
            width = max(40, self.editor.width())
            self.error.setFixedHeight(self.error.heightForWidth(width))

    def value(self):
        w = self.editor
        if isinstance(w, QComboBox) and w.isEditable():
            return w.currentText().strip() or None
        if isinstance(w, QComboBox):
            return w.currentText() or None
        if isinstance(w, QCheckBox):
            return w.isChecked()
        return parse_value(self.spec, w.text())

    def set_value(self, v) -> None:
        w = self.editor
        if isinstance(w, QComboBox) and w.isEditable():
            w.setEditText("" if v is None else str(v))
        elif isinstance(w, QComboBox):
            i = w.findText(str(v)) if v is not None else (0 if not self.spec.required else -1)
            w.setCurrentIndex(max(i, 0))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(v if v is not None else self.spec.default))
        else:
            w.setText(format_value(self.spec, v))

    def set_error(self, message: str) -> None:
        if message == self.error.text() and self.editor.property("invalid") == bool(message):
            return  # unchanged: re-polishing every field on every recompute cost ~10 ms
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.fit_error()
        w = self.editor
        if isinstance(w, QLineEdit) and w.placeholderText() in ("optional", "required"):
            # A field the message asks for is not optional any more.
            w.setPlaceholderText("required" if message and not w.text().strip() else "optional")
        self.editor.setProperty("invalid", bool(message))
        self.editor.style().unpolish(self.editor)
        self.editor.style().polish(self.editor)


class WorkloadView(QWidget):
    """Emits `edited(dict)` with the form's content on every user edit."""

    edited = Signal(object)  # a dict; Signal(dict) would turn numbers past 64 bits into -1
    preset_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._loading = False
        self.typed: set[str] = set()  # fields the user typed since the workload was loaded
        self.rows: dict[str, FieldRow] = {}
        self.groups: dict[str, QGroupBox] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 4, 8)
        top = QHBoxLayout()
        lab = QLabel("Preset")
        lab.setProperty("role", "headline")
        top.addWidget(lab)
        self.presets = QComboBox()
        self.presets.setObjectName("presets")
        self.presets.setAccessibleName("Preset")
        self.presets.setAccessibleDescription("Start from a built-in workload; the fields below are filled from it.")
        self.presets.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.presets.activated.connect(self.preset_chosen)
        top.addWidget(self.presets, 1)
        outer.addLayout(top)
        # A message about the whole workload floats over the bottom of the form: shown in the
        # layout it pushed every field down under the pointer (the next click hit the wrong one).
        self.banner = plain_label(QLabel(self))
        self.banner.setProperty("role", "banner-error")
        self.banner.setWordWrap(True)
        self.banner.setObjectName("form-banner")
        self.banner.setTextFormat(Qt.PlainText)
        self.banner.setAutoFillBackground(True)
        self.banner.setMargin(6)
        self.banner.hide()

        scroll = self.scroll_area = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 6, 0)
        col.setSpacing(6)
        for section, specs in SECTIONS.items():
            box = QGroupBox(SECTION_TITLES[section])
            if section in OPTIONAL_SECTIONS:
                box.setCheckable(True)
                box.toggled.connect(self._on_section_toggled)
                box.setToolTip(f"Untick to leave the [{section}] section out of the workload.")
                box.setAccessibleName(SECTION_TITLES[section])
                box.setAccessibleDescription(f"Untick to leave the {section} section out of the workload.")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            # In a narrow dock a row whose label is long puts its field under the label, so the
            # form never gets wider than the dock (fields were cut at its right edge).
            form.setRowWrapPolicy(QFormLayout.WrapLongRows)
            form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
            form.setHorizontalSpacing(8)
            form.setVerticalSpacing(4)
            for spec in specs:
                path = f"{section}.{spec.key}" if section else spec.key
                row = FieldRow(path, spec, self._on_model_picked if path == "model.name" else self._on_edit)
                self.rows[path] = row
                holder = QWidget()
                v = QVBoxLayout(holder)
                v.setContentsMargins(0, 0, 0, 0)
                v.setSpacing(1)
                v.addWidget(row.editor)
                v.addWidget(row.error)
                form.addRow(row.label, holder)
            self.groups[section] = box
            col.addWidget(box)
        col.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

    # ---- in -------------------------------------------------------------------------------
    def set_presets(self, names: list[tuple[str, str]]) -> None:
        self.presets.clear()
        for name, description in names:
            self.presets.addItem(name)
            self.presets.setItemData(self.presets.count() - 1, plain_tip(description), Qt.ToolTipRole)

    def set_workload(self, wl) -> None:
        """Fill the form from a Workload (no `edited` signals)."""
        self._loading = True
        self.typed.clear()
        self.loaded_description = wl.description or ""
        try:
            d = wl.to_dict()
            for section in SECTIONS:
                values = d if section == "" else d.get(section)
                if section in OPTIONAL_SECTIONS:
                    self.groups[section].setChecked(values is not None)
                for spec in SECTIONS[section]:
                    path = f"{section}.{spec.key}" if section else spec.key
                    v = (values or {}).get(spec.key) if values is not None else None
                    if v is None and section in OPTIONAL_SECTIONS and values is None:
                        v = spec.default
                    self.rows[path].set_value(v)
            self.show_error("", "")
        finally:
            self._loading = False

    def show_error(self, path: str, message: str) -> None:
        for p, row in self.rows.items():
            row.set_error(message if (p == path and message) else "")
        self.banner.setText(message if message and path not in self.rows else "")
        self.banner.setVisible(bool(message) and path not in self.rows)
        self._place_banner()
        if path in self.rows and message:
            self.rows[path].editor.setToolTip(self.rows[path].editor.toolTip())

    # ---- out ------------------------------------------------------------------------------
    def data(self) -> dict:
        out: dict = {}
        for section, specs in SECTIONS.items():
            if section in OPTIONAL_SECTIONS and not self.groups[section].isChecked():
                continue
            target = out if section == "" else out.setdefault(section, {})
            for spec in specs:
                path = f"{section}.{spec.key}" if section else spec.key
                v = self.rows[path].value()
                if v is None or (spec.type == "text" and v == ""):
                    continue
                target[spec.key] = v
        return out

    def _place_banner(self) -> None:
        if self.banner.isHidden():
            return
        width = self.width() - 16
        height = self.banner.heightForWidth(width)
        self.banner.setGeometry(8, self.height() - height - 8, width, height)
        self.banner.raise_()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_banner()
        for row in self.rows.values():
            row.fit_error()

    # Shape fields derived from the parameter count unless given: they follow a new count.
    SHAPE_FIELDS = ("model.layers", "model.hidden", "model.heads", "model.kv_heads")

    def _follow_params(self) -> None:
        """Parameters changed: the shape fields the user did not type are cleared, so the
        advisor derives them from the new count (7B -> 1B no longer keeps 32 x 4096)."""
        for path in self.SHAPE_FIELDS:
            row = self.rows.get(path)
            if row is not None and path not in self.typed and isinstance(row.editor, QLineEdit):
                row.editor.setText("")
                row.editor.setPlaceholderText("from parameters")

    def _drop_stale_description(self) -> None:
        """A figure was edited: a preset's or file's description no longer describes the
        numbers (it went on to the PDF's title page), so it is cleared unless the user typed it."""
        row = self.rows.get("description")
        if row is None or "description" in self.typed or not isinstance(row.editor, QLineEdit):
            return
        if row.editor.text() and row.editor.text() == getattr(self, "loaded_description", ""):
            row.editor.setText("")
            row.editor.setPlaceholderText("edited: describe this workload")

    def _on_edit(self, path=None, *_):
        if self._loading:
            return
        if isinstance(path, str):
            self.typed.add(path)
            if path == "model.params_b":
                self._follow_params()
            if path not in ("name", "description"):
                self._drop_stale_description()
        self.edited.emit(self.data())

    def _on_model_picked(self, *_):
        """A library model picked: its shape replaces the form's model fields, then the usual edit."""
        from advisor.models import find_model

        lib = find_model(self.rows["model.name"].value() or "")
        if lib is not None and not self._loading:
            self._loading = True
            try:
                fields = lib.model_fields()
                for spec in SECTIONS["model"]:
                    if spec.key != "name":
                        self.rows[f"model.{spec.key}"].set_value(fields.get(spec.key, spec.default))
            finally:
                self._loading = False
        self._on_edit()

    def _on_section_toggled(self, _checked: bool):
        self._on_edit(None)
