"""The application icon: drawn once as SVG (`ui/resources/hwadvisor.svg`), shipped as PNGs of
the sizes desktops ask for, set on the application and its windows.

`python -m ui.icon` renders the PNGs again from the SVG (after editing it); a test checks the
PNGs on disk match the SVG.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"
SVG = RESOURCES / "hwadvisor.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
#: The reverse-DNS id: the .desktop file's and the AppStream file's name, and what Wayland
#: compositors match the running window against (QGuiApplication.setDesktopFileName).
APP_ID = "io.github.hwadvisor.HardwareAdvisor"


def png_path(size: int) -> Path:
    return RESOURCES / f"hwadvisor-{size}.png"


def render(size: int):
    """The SVG drawn into a transparent QImage of size x size pixels."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def app_icon():
    """A QIcon with every shipped PNG size (crisp in title bars, docks, task switchers); the
    SVG alone when the PNGs are missing."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in SIZES:
        if png_path(size).is_file():
            icon.addFile(str(png_path(size)))
    if icon.isNull():
        icon.addFile(str(SVG))
    return icon


def write_pngs() -> list[Path]:
    """Render every size from the SVG into `ui/resources/` (needs a QGuiApplication)."""
    out = []
    for size in SIZES:
        if not render(size).save(str(png_path(size))):
            raise OSError(f"could not write {png_path(size)}")
        out.append(png_path(size))
    return out


if __name__ == "__main__":
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication([])
    for p in write_pngs():
        print(p)
