"""Load, validate and query the spec catalog.

Every data file shares one header (`HEADER.csv`). Validation is strict because the catalog
is reviewed like code: a broken row fails with `file:line: field: problem`. A user overlay
(same columns, `id` required, other cells optional) adds rows or overrides cells of built-in
rows, with the same checks.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from advisor.errors import BadInput

DATA_DIR = Path(__file__).resolve().parent / "data"
HEADER_FILE = Path(__file__).resolve().parent / "HEADER.csv"
COLUMNS: tuple[str, ...] = tuple(HEADER_FILE.read_text().strip().split(","))

#: Peak-rate columns, dense, per precision. The model looks peaks up by these names.
PEAK_COLUMNS = {
    "fp64": "fp64_tflops", "fp32": "fp32_tflops", "tf32": "tf32_tflops", "bf16": "bf16_tflops",
    "fp16": "fp16_tflops", "fp8": "fp8_tflops", "int8": "int8_tops", "int4": "int4_tops",
}

# column -> (lowest, highest) plausible value; anything outside is a typo or a unit slip.
NUMERIC_COLUMNS: dict[str, tuple[float, float]] = {
    "release_year": (1990, 2035),
    "memory_gb": (0.5, 4096),
    "memory_bandwidth_gbps": (5, 100_000),
    "fp64_tflops": (0.001, 100_000),
    "fp32_tflops": (0.001, 100_000),
    "tf32_tflops": (0.001, 100_000),
    "bf16_tflops": (0.001, 100_000),
    "fp16_tflops": (0.001, 100_000),
    "fp8_tflops": (0.001, 100_000),
    "int8_tops": (0.001, 200_000),
    "int4_tops": (0.001, 400_000),
    "tdp_w": (1, 20_000),
    "idle_w": (0.1, 2_000),
    "interconnect_gbps": (0.1, 100_000),
    "launch_price_usd": (1, 10_000_000),
    "cloud_usd_per_hour": (0.001, 1_000),
}
KINDS = {"gpu", "cpu", "accelerator"}
SEGMENTS = {"datacenter", "workstation", "consumer", "edge", "cloud"}
REQUIRED = ("id", "name", "vendor", "kind", "segment", "source")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
MONTH_RE = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")

# Peak bandwidth a memory technology can plausibly deliver per device, GB/s. Catches unit
# slips (Gbit/s for GB/s, per-stack for per-device) rather than judging the exact figure.
BANDWIDTH_BY_MEMORY = {
    "hbm": (100, 12_000),
    "gddr": (40, 2_500),
    "lpddr": (25, 1_200),
    "ddr": (10, 1_200),
    "sram": (100, 100_000),
}


class CatalogError(BadInput):
    """A catalog file or row is invalid: `file:line: field: problem`."""


def _norm_words(text: str) -> list[str]:
    """Lower-case words, with hyphens, underscores, slashes and brackets as separators."""
    return re.sub(r"[-_/(),]+", " ", text.lower()).split()


def _squash(text: str) -> str:
    return "".join(_norm_words(text))


_COUNT_PREFIX = re.compile(r"^\s*(\d{1,6})\s*[x\u00d7*]\s*(?=\S)", re.IGNORECASE)
_COUNT_SUFFIX = re.compile(r"(?<=\S)\s+[x\u00d7*]\s*(\d{1,6})\s*$", re.IGNORECASE)


def split_count(text: str) -> tuple[int | None, str]:
    """A device count written into a device name, and the name without it.

    "8x A100 80GB" -> (8, "A100 80GB"); "RTX 4090 x 2" -> (2, "RTX 4090"); "2 x rtx 4090" -> (2,
    "rtx 4090"); "RTX 4090" -> (None, "RTX 4090"). Only a whole number joined to the name by an
    x, a multiplication sign or a star counts, so model numbers ("4090", "B200") never do.
    """
    m = _COUNT_PREFIX.match(text)
    if m:
        return int(m.group(1)), text[m.end():].strip()
    m = _COUNT_SUFFIX.search(text)
    if m:
        return int(m.group(1)), text[:m.start()].strip()
    return None, text.strip()


@dataclass
class Catalog:
    """The validated catalog: one row per device, numeric columns as float (NaN = unknown)."""

    rows: list[dict]
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {r["id"]: r for r in self.rows}
        self._frame = None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def frame(self):
        """The catalog as a pandas DataFrame indexed by id (built once, on first use)."""
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self.rows, columns=[*COLUMNS, "file"]).set_index("id", drop=False)
        return self._frame

    def row(self, device_id: str) -> dict:
        return self._by_id[device_id]

    def ids(self) -> list[str]:
        return list(self._by_id)

    def resolve(self, query: str) -> dict:
        """Find the one device a person means by `query` (see DESIGN.md, `--device`).

        Case, spaces, hyphens and word order do not matter; a query word may be the start of
        a name word ("sxm" for "SXM5"). Among matches, the one whose words all match exactly
        and that adds the fewest words wins. A tie or no match raises BadInput listing the
        closest candidates.
        """
        q_words = _norm_words(query)
        if not q_words:
            raise BadInput("--device: empty device name")
        q_squash = "".join(q_words)
        best: dict[str, tuple[int, int]] = {}
        for r in self.rows:
            for cand in (r["id"], r["name"], *r["aliases"]):
                key = _match_key(q_words, q_squash, _norm_words(cand))
                if key is not None and (r["id"] not in best or key < best[r["id"]]):
                    best[r["id"]] = key
        if not best:
            names = [r["name"] for r in self.rows] + [r["id"] for r in self.rows]
            close = difflib.get_close_matches(query, names, n=5, cutoff=0.3)
            hint = f"; closest: {', '.join(close)}" if close else ""
            raise BadInput(f"--device: no catalog device matches '{query}'{hint}")
        top = min(best.values())
        winners = [i for i, k in best.items() if k == top]
        if len(winners) > 1:
            listed = ", ".join(f"{self._by_id[i]['name']} ({i})" for i in sorted(winners)[:8])
            raise BadInput(f"--device: '{query}' is ambiguous: {listed}")
        return self._by_id[winners[0]]


def _match_key(q_words: list[str], q_squash: str, c_words: list[str]) -> tuple[int, int] | None:
    """(words matched only by prefix, extra words) when every query word matches, else None."""
    if not c_words:
        return None
    if q_squash == "".join(c_words):
        return (0, 0)
    free = list(c_words)
    partial = 0
    for w in q_words:
        if w in free:
            free.remove(w)
            continue
        hit = next((c for c in free if c.startswith(w)), None)
        if hit is None:
            return None
        free.remove(hit)
        partial += 1
    return (partial, len(free))


# An overlay is a person's handful of rows, possibly from someone else: bounded so that a
# huge or endless file (/dev/zero, a FIFO) is one clear error, not a hang or an out-of-memory,
# and so that a report never lists tens of thousands of rows.
MAX_OVERLAY_BYTES = 2_000_000
MAX_OVERLAY_ROWS = 1000
#: Marked after an overlay row's name wherever devices are listed (DeviceTable names).
OVERLAY_MARK = " [overlay]"


def _parse_file(path: Path, *, overlay: bool) -> list[dict]:
    """Parse one CSV file into raw row dicts with `_line`; header must be the schema's columns."""
    try:
        if overlay:
            from advisor.files import read_user_file

            raw = read_user_file(path, MAX_OVERLAY_BYTES, what="catalog overlay")
            text = raw.decode("utf-8-sig")  # spreadsheets save CSV with a BOM
        else:
            text = path.read_text(encoding="utf-8-sig")
    except BadInput as e:
        raise CatalogError(str(e)) from None
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogError(f"{path}: cannot read: {e}") from None
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise CatalogError(f"{path}:1: file is empty (want a header row: {','.join(COLUMNS[:4])},...)")
    header_line, header_text = lines[0]
    try:
        header = [h.strip() for h in next(csv.reader([header_text]))]
    except csv.Error as e:  # e.g. a cell over the csv module's field size limit
        raise CatalogError(f"{path}:{header_line}: header: {e}") from None
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise CatalogError(f"{path}:{header_line}: header: unknown column '{unknown[0]}'")
    if overlay:
        if "id" not in header:
            raise CatalogError(f"{path}:{header_line}: header: an overlay needs an 'id' column")
    elif tuple(header) != COLUMNS:
        raise CatalogError(f"{path}:{header_line}: header: columns differ from hardware_db/HEADER.csv")
    if overlay and len(lines) - 1 > MAX_OVERLAY_ROWS:
        raise CatalogError(f"{path}: {len(lines) - 1} rows, more than an overlay may have ({MAX_OVERLAY_ROWS}); "
                           "split it or keep the rows you use")
    rows = []
    for n, ln in lines[1:]:
        try:
            cells = next(csv.reader([ln]))
        except csv.Error as e:
            raise CatalogError(f"{path}:{n}: row: {e}") from None
        if len(cells) != len(header):
            raise CatalogError(f"{path}:{n}: row: {len(cells)} cells, the header has {len(header)}")
        row = {h: c.strip() for h, c in zip(header, cells)}
        row["_line"] = n
        rows.append(row)
    return rows


def _typed(raw: dict, where: str) -> dict:
    """Convert and range-check the cells present in `raw` (strings) into typed values."""
    out: dict = {}
    for col, val in raw.items():
        if col.startswith("_"):
            continue
        if col in NUMERIC_COLUMNS:
            if val == "":
                out[col] = math.nan
                continue
            try:
                x = float(val.replace("_", ""))
            except ValueError:
                raise CatalogError(f"{where}: {col}: not a number: '{val}'") from None
            lo, hi = NUMERIC_COLUMNS[col]
            if not math.isfinite(x) or not lo <= x <= hi:
                raise CatalogError(f"{where}: {col}: {val} is outside the plausible range {lo:g}..{hi:g}")
            out[col] = x
        elif col == "aliases":
            out[col] = tuple(a.strip() for a in val.split("|") if a.strip())
        else:
            out[col] = val
    return out


def _check_row(row: dict, where: str) -> None:
    """Checks that need the whole row: required cells, vocabularies, consistency."""
    for col in REQUIRED:
        if not row.get(col):
            raise CatalogError(f"{where}: {col}: required")
    if not ID_RE.match(row["id"]):
        raise CatalogError(f"{where}: id: '{row['id']}' is not a lower-case slug (a-z, 0-9, '-', '.')")
    if row["kind"] not in KINDS:
        raise CatalogError(f"{where}: kind: '{row['kind']}' is not one of {', '.join(sorted(KINDS))}")
    if row["segment"] not in SEGMENTS:
        raise CatalogError(f"{where}: segment: '{row['segment']}' is not one of {', '.join(sorted(SEGMENTS))}")
    if "http" not in row["source"] and "/" not in row["source"]:
        raise CatalogError(f"{where}: source: '{row['source'][:40]}' names no page (want a URL)")
    bf16, fp32 = row.get("bf16_tflops", math.nan), row.get("fp32_tflops", math.nan)
    if bf16 < fp32:  # NaN compares False: only checked where both exist
        raise CatalogError(f"{where}: bf16_tflops: {bf16:g} is below fp32_tflops {fp32:g} (a dense/sparse or unit slip?)")
    bw, mtype = row.get("memory_bandwidth_gbps", math.nan), (row.get("memory_type") or "").lower()
    for prefix in ("hbm", "gddr", "lpddr", "ddr", "sram"):
        if mtype.startswith(prefix) and math.isfinite(bw):
            lo, hi = BANDWIDTH_BY_MEMORY[prefix]
            if not lo <= bw <= hi:
                raise CatalogError(f"{where}: memory_bandwidth_gbps: {bw:g} is implausible for {row['memory_type']} ({lo}..{hi})")
            break
    if math.isfinite(row.get("cloud_usd_per_hour", math.nan)) and not MONTH_RE.match(row.get("cloud_price_seen", "")):
        raise CatalogError(f"{where}: cloud_price_seen: want the month the price was seen as YYYY-MM, got '{row.get('cloud_price_seen', '')}'")
    if row.get("cloud_price_seen") and not MONTH_RE.match(row["cloud_price_seen"]):
        raise CatalogError(f"{where}: cloud_price_seen: want YYYY-MM, got '{row['cloud_price_seen']}'")


def _blank_row() -> dict:
    """A row with every cell unknown: NaN figures, no aliases, empty text."""
    row: dict = {c: "" for c in COLUMNS}
    row.update({c: math.nan for c in NUMERIC_COLUMNS}, aliases=())
    return row


def _load_files(paths: list[Path]) -> list[dict]:
    rows: list[dict] = []
    seen: dict[str, str] = {}
    for path in paths:
        for raw in _parse_file(path, overlay=False):
            where = f"{path.name}:{raw['_line']}"
            row = _typed(raw, where)
            _check_row(row, where)
            if row["id"] in seen:
                raise CatalogError(f"{where}: id: '{row['id']}' already defined at {seen[row['id']]}")
            seen[row["id"]] = where
            row["file"] = where
            rows.append(row)
    _check_names(rows)
    return rows


def _check_names(rows: list[dict]) -> None:
    """An alias may be shared by variants (NVML names some alike), but never be another
    device's id or name: that would make a plain name resolve to the wrong row."""
    owner: dict[str, str] = {}
    for r in rows:
        for key in (r["id"], r["name"]):
            k = _squash(key)
            if k in owner and owner[k] != r["id"]:
                raise CatalogError(f"{r['file']}: name: '{key}' is also the id or name of {owner[k]}")
            owner[k] = r["id"]
    for r in rows:
        for a in r["aliases"]:
            o = owner.get(_squash(a))
            if o is not None and o != r["id"]:
                raise CatalogError(f"{r['file']}: aliases: '{a}' is the id or name of {o}")


def apply_overlay(rows: list[dict], path: Path) -> list[dict]:
    """Rows of `path` added to (new id) or merged over (existing id) `rows`; validated."""
    by_id = {r["id"]: dict(r) for r in rows}
    order = [r["id"] for r in rows]
    seen: dict[str, int] = {}
    for raw in _parse_file(path, overlay=True):
        where = f"{path}:{raw['_line']}"
        cells = {k: v for k, v in raw.items() if k == "id" or (not k.startswith("_") and v != "")}
        typed = _typed(cells, where)
        if typed["id"] in seen:  # the last would silently win: say which line the person meant
            raise CatalogError(f"{where}: id: '{typed['id']}' is already given at line {seen[typed['id']]} of this overlay")
        seen[typed["id"]] = raw["_line"]
        base = by_id.get(typed["id"]) or _blank_row()
        merged = {**base, **typed, "file": where, "overlay": str(path)}
        _check_row(merged, where)
        if typed["id"] not in by_id:
            order.append(typed["id"])
        by_id[typed["id"]] = merged
    out = [by_id[i] for i in order]
    _check_names(out)
    return out


@cache
def _builtin_rows() -> tuple[dict, ...]:
    files = sorted(DATA_DIR.glob("*.csv"))
    return tuple(_load_files(files))


def load_catalog(overlay: str | Path | None = None, *, user_overlay: bool = True) -> Catalog:
    """The built-in catalog, plus the user's overlay and an explicit `overlay` file.

    A broken user overlay (config dir `catalog_overlay.csv`) becomes a warning and is skipped;
    a broken explicit `overlay` raises CatalogError (the user asked for that file).
    """
    from advisor.paths import config_dir

    rows = [dict(r) for r in _builtin_rows()]
    warnings: list[str] = []
    if user_overlay:
        user = config_dir() / "catalog_overlay.csv"
        if user.exists():
            try:
                rows = apply_overlay(rows, user)
            except CatalogError as e:
                warnings.append(f"catalog overlay skipped: {e}")
    if overlay is not None:
        rows = apply_overlay(rows, Path(overlay))
    return Catalog(rows, warnings)
