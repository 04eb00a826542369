"""The bad-input corpus (tests/corpus/): files and their exact expected one-line messages."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FOLDERS = ("workloads", "overlays", "imports", "settings")


def expected(folder: str) -> dict[str, str]:
    """file name -> message template ({path}: the path as given, {stamp}: a time stamp)."""
    return tomllib.loads((CORPUS / folder / "EXPECTED.toml").read_text(encoding="utf-8"))


def files(folder: str) -> list[Path]:
    return sorted(p for p in (CORPUS / folder).iterdir() if p.name != "EXPECTED.toml")


def cases(folder: str) -> list[tuple[str, str]]:
    """(file name, template) for every file of the folder, sorted."""
    exp = expected(folder)
    return [(name, exp[name]) for name in sorted(exp)]


def render(template: str, path: Path | str) -> str:
    return template.replace("{path}", str(path))


def matches(template: str, message: str, path: Path | str) -> bool:
    """Whether `message` is `template` with {path} filled in and {stamp} any time stamp."""
    pattern = re.escape(render(template, path)).replace(re.escape("{stamp}"), r"\d{8}-\d{6}(-\d+)?")
    return re.fullmatch(pattern, message) is not None


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`: to prove nothing was changed."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
