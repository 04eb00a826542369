"""The Qt desktop application (PySide6 + pyqtgraph). Renders and edits what `advisor/` computes."""
