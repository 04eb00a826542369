"""Light and dark palettes for the widgets and the charts (one place for every colour).

Chart colours follow the Okabe-Ito palette (readable with the common colour-vision
deficiencies). Training is always warm (vermillion), inference always cool (blue), so the two
phases read the same in every view and in the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

THEMES = ("light", "dark")
#: What the user may choose: follow the OS colour scheme (the default), or a fixed theme.
CHOICES = ("system",) + THEMES


@dataclass(frozen=True)
class Theme:
    """Every colour a view or a chart needs, as '#rrggbb' strings."""

    name: str
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    accent: str
    border: str
    error: str
    ok: str
    warn: str
    chart_bg: str
    chart_fg: str
    grid_alpha: float
    training: str
    inference: str
    pareto: str
    series: tuple[str, ...]
    highlight: str

    @property
    def dark(self) -> bool:
        return self.name == "dark"


LIGHT = Theme(
    name="light", window="#f3f4f6", base="#ffffff", alt_base="#f7f8fa", text="#1c2128", muted="#5f6b7a",
    accent="#2563c9", border="#d3d8df", error="#b42318", ok="#1a7f37", warn="#9a6700",
    chart_bg="#ffffff", chart_fg="#2b313a", grid_alpha=0.18,
    training="#D55E00", inference="#0072B2", pareto="#009E73",
    series=("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8c6d1f", "#555555"),
    highlight="#c2185b",
)
DARK = Theme(
    name="dark", window="#1d2025", base="#25292f", alt_base="#2b3037", text="#e4e7eb", muted="#9aa4b1",
    accent="#5c9cff", border="#3a4049", error="#ff7b72", ok="#56d364", warn="#e3b341",
    chart_bg="#22262b", chart_fg="#d5d9df", grid_alpha=0.22,
    training="#ff8a4c", inference="#4fb3ff", pareto="#3ddc97",
    series=("#4fb3ff", "#f5b841", "#3ddc97", "#ff8a4c", "#e38cc6", "#9ad7ff", "#d8c36a", "#bbbbbb"),
    highlight="#ff5fa2",
)


def get(name: str | None) -> Theme:
    return DARK if name == "dark" else LIGHT


def system_scheme(app=None) -> str | None:
    """The OS colour scheme Qt reports ('light' or 'dark'), or None when it cannot tell
    (offscreen, old desktops): QStyleHints.colorScheme, Qt >= 6.5."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    app = app or QGuiApplication.instance()
    if app is None:
        return None
    scheme = app.styleHints().colorScheme()
    return {Qt.ColorScheme.Dark: "dark", Qt.ColorScheme.Light: "light"}.get(scheme)


def resolve(choice: str | None, app=None) -> Theme:
    """The theme to draw with: the user's fixed choice, or for 'system' the OS scheme (light
    when the OS does not say)."""
    if choice == "system":
        return get(system_scheme(app) or "light")
    return get(choice)


def apply(app, theme: Theme) -> None:
    """Set the Fusion style, a full QPalette and a small style sheet on `app`."""
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    c = QColor
    roles = {
        QPalette.Window: theme.window, QPalette.WindowText: theme.text, QPalette.Base: theme.base,
        QPalette.AlternateBase: theme.alt_base, QPalette.Text: theme.text, QPalette.Button: theme.alt_base,
        QPalette.ButtonText: theme.text, QPalette.Highlight: theme.accent, QPalette.HighlightedText: "#ffffff",
        QPalette.ToolTipBase: theme.base, QPalette.ToolTipText: theme.text, QPalette.PlaceholderText: theme.muted,
        QPalette.Link: theme.accent, QPalette.Mid: theme.border, QPalette.Midlight: theme.border,
    }
    for role, colour in roles.items():
        pal.setColor(role, c(colour))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, c(theme.muted))
    app.setPalette(pal)
    app.setStyleSheet(style_sheet(theme))


def style_sheet(t: Theme) -> str:
    return f"""
    QToolTip {{ color: {t.text}; background: {t.base}; border: 1px solid {t.border}; padding: 4px; }}
    QGroupBox {{ border: 1px solid {t.border}; border-radius: 6px; margin-top: 14px; padding: 8px 6px 6px 6px;
                 background: {t.base}; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; font-weight: 600; color: {t.text}; }}
    QLabel[role="error"] {{ color: {t.error}; }}
    QLabel[role="banner-error"] {{ color: {t.error}; background: {t.base}; border: 1px solid {t.error};
                                   border-radius: 4px; }}
    QLabel[role="muted"] {{ color: {t.muted}; }}
    QLabel[role="title"] {{ font-size: 15pt; font-weight: 600; }}
    QLabel[role="headline"] {{ font-size: 11pt; font-weight: 600; }}
    QLabel[role="figure"] {{ font-size: 13pt; font-weight: 600; color: {t.accent}; }}
    QFrame[role="card"] {{ background: {t.base}; border: 1px solid {t.border}; border-radius: 8px; }}
    QFrame[role="banner"] {{ background: {t.alt_base}; border: 1px solid {t.border}; border-radius: 6px; }}
    QLineEdit[invalid="true"] {{ border: 1px solid {t.error}; border-radius: 3px; }}
    QTabBar::tab {{ padding: 6px 14px; }}
    QTableView {{ gridline-color: {t.border}; }}
    QTableView, QTextBrowser {{ border: 1px solid {t.border}; }}
    QTableView:focus, QTextBrowser:focus {{ border: 2px solid {t.accent}; }}
    QHeaderView::section {{ padding: 4px 6px; font-weight: 600; }}
    """
