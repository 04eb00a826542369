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
    "street_price_usd_low": (1, 10_000_000),
    "street_price_usd_high": (1, 10_000_000),
}
#: What a street price range is: `street` = seller listings seen that month, `report` = a
#: figure quoted by a dated press/analyst report, `list` = a vendor or reseller list price.
STREET_PRICE_BASES = {"street", "report", "list"}
#: Text columns holding `|`-separated lists.
LIST_COLUMNS = ("aliases", "default_variant")
#: Yes/no columns: `true` or `false` (any case); empty = false.
BOOL_COLUMNS = ("system",)
BOOL_WORDS = {"true": True, "false": False, "": False}
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
    "lpddr": (10, 1_200),  # a 32-bit LPDDR4X board (Raspberry Pi 5) has 17 GB/s
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


# --- names as people write them (DESIGN.md, `--device`) -----------------------------------
# Words that never tell two catalog devices apart: vendor and brand prefixes, the (R)/(TM)
# marks of CPU and Intel GPU strings, and generic nouns. Dropped from queries and names alike.
_FILLER = frozenset({
    "nvidia", "amd", "intel", "apple", "google", "aws", "amazon", "habana", "qualcomm", "ampere",
    "geforce", "r", "tm", "graphics", "gpu", "gpus", "processor", "accelerator", "card", "chip",
    "with", "the", "w",  # "w/ Radeon 8060S"
    "founders", "edition",  # "Founders Edition", "Workstation Edition" (every such row says it)
    # board partners and their series names: a partner card is the chip's card
    "asus", "rog", "strix", "tuf", "msi", "gigabyte", "aorus", "zotac", "evga", "pny", "palit", "sapphire",
    "powercolor", "xfx", "asrock", "gaming", "oc",
})
# Mac product names around an Apple chip ("MacBook Pro M3 Max", "Mac Studio M2 Ultra"): the
# "Pro" of "MacBook Pro" must not read as the M3 Pro.
_MAC_PRODUCT = re.compile(r"\b(?:macbook\s*(?:pro|air)?(?:\s+1[3-6](?!\d))?|mac\s*(?:studio|mini|pro)|imac|mac)\b", re.IGNORECASE)
# Figures written into a name, normalised to one token so "80G", "80 GB" and "80GB" agree.
_MEMORY = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:gb|gib|g)(?!\w)")
_POWER = re.compile(r"(?<![\w.])(\d{2,5})\s*w(?!\w)")
_CPU_CORES = re.compile(r"(?<![\w.])\d{1,3}[\s-]*(?:cores?|c)[\s-]+cpu(?!\w)")
_CORES = re.compile(r"(?<![\w.])(\d{1,3})[\s-]*(?:cores?|c)(?:[\s-]+gpu)?(?!\w)")
_MEMORY_TYPE = re.compile(r"^(?:hbm\d?e?|g?ddr\d+x?|lpddr\d+x?|gddr\d+x?)$")
_MEMORY_TOKEN = re.compile(r"^(\d+(?:\.\d+)?)gb$")
_CORE_TOKEN = re.compile(r"^\d+core$")
_POWER_TOKEN = re.compile(r"^\d+w$")


_DASHES = re.compile(r"[\u2010-\u2015\u2212\u00a0]")  # typographic hyphens and no-break spaces
_MARKS = re.compile(r"[\u2122\u00ae\u00a9]")  # the (TM)/(R) marks as symbols: "AMD Radeon\u2122 AI PRO R9700"


def _tokens(text: str) -> str:
    """`text` lower-cased with memory, power and GPU-core figures folded into single tokens."""
    t = _MAC_PRODUCT.sub(" ", _DASHES.sub("-", _MARKS.sub(" ", text.lower())).replace("\u00d7", "x"))
    t = _CPU_CORES.sub(" ", t)  # "16-core CPU" says nothing about which GPU variant
    t = _CORES.sub(lambda m: f" {int(m.group(1))}core ", t)
    t = _MEMORY.sub(lambda m: f" {float(m.group(1)):g}gb ", t)
    return _POWER.sub(lambda m: f" {int(m.group(1))}w ", t)


def _is_soft(word: str) -> bool:
    """A figure (memory, power, cores, memory type): counts when it agrees, never required."""
    return bool(_MEMORY_TOKEN.match(word) or _POWER_TOKEN.match(word) or _CORE_TOKEN.match(word)
                or _MEMORY_TYPE.match(word))


_GPU_CORES_NOTE = re.compile(r"(?<![\w.])(\d{1,3})[\s-]*(?:cores?|c)[\s-]+gpu(?!\w)", re.IGNORECASE)
_SCREEN = re.compile(r"(?<![\w.])\d{2}(?:\.\d)?[\s-]*(?:inch|in|\"|\u2033)(?!\w)", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _query_words(query: str) -> tuple[list[str], list[str]]:
    """(hard words, soft words) of what a person typed.

    Hard words must all be found in a device's name; soft words (memory, power, GPU cores,
    memory type) help choose among variants. Notes in parentheses are dropped except for the
    memory and GPU-core figures in them ("A100 (40G)", "Apple M1 Max (64GB)"; "(10 cores)"
    alone is a CPU core count and is dropped too). Run-together names from file and system
    names ("GH200_GraceHopper_96GB", "GeForceRTX_3080") are split at their capitals.
    """
    text = _SCREEN.sub(" ", _DASHES.sub("-", query))  # "16-inch M1 Max MacBook Pro"
    text = _MAC_PRODUCT.sub(" ", re.sub(r"(?i)geforce", " geforce ", text))
    text = _CAMEL.sub(" ", text)
    notes = re.findall(r"\(([^()]*)\)", text)
    text = re.sub(r"\([^()]*\)", " ", text)
    words = [w for w in _norm_words(_tokens(text)) if w not in _FILLER]
    soft = [w for w in words if _is_soft(w)]
    for n in notes:
        n = _GPU_CORES_NOTE.sub(lambda m: f" {int(m.group(1))}core ", n)
        n = _CORES.sub(" ", n.lower())  # a bare "(10 cores)" is the CPU's
        soft += [w for w in _norm_words(_tokens(n)) if _is_soft(w)]
    return [w for w in words if not _is_soft(w)], soft


@cache
def _name_words(name: str) -> tuple[str, ...]:
    """A catalog id, name or alias as words, folded the way queries are."""
    return tuple(w for w in _norm_words(_tokens(name)) if w not in _FILLER)


def _word_hit(w: str, c: str) -> bool:
    """Query word `w` starts name word `c` ("sxm" -> "sxm5"), but a model number never
    continues with more digits ("a10" is not "a100", "l4" is not "l40", "h20" is not "h200")."""
    return c.startswith(w) and not (w[-1].isdigit() and c[len(w)].isdigit())


def _match_key(hard: list[str], soft: list[str], c_words: tuple[str, ...]) -> tuple[int, int] | None:
    """(words matched only by prefix, name words left over) when every hard word is in the
    name, else None. A soft word the name has is used up; a GPU core count that differs from
    the one in the name rules the name out."""
    if not c_words:
        return None
    free = list(c_words)
    partial = 0
    for w in hard:
        if w in free:
            free.remove(w)
            continue
        hit = next((c for c in free if _word_hit(w, c)), None)
        if hit is None:
            return None
        free.remove(hit)
        partial += 1
    for w in soft:
        if w in free:
            free.remove(w)
    return (partial, len(free))


def _cores_disagree(soft: list[str], names: tuple[str, ...]) -> bool:
    """A GPU core count in the query that differs from the one the device's names give
    ("M1 Max 24-core" is not the 32-core row, even through its shared alias "Apple M1 Max")."""
    want = {w for w in soft if _CORE_TOKEN.match(w)}
    if not want:
        return False
    have = {w for n in names for w in _name_words(n) if _CORE_TOKEN.match(w)}
    return bool(have) and not (want & have)


def _memory_disagrees(soft: list[str], row: dict) -> bool:
    """A memory size in the query that this device cannot have: off by more than 10 % from
    its memory (GPUs quote 192 GB for 180 GB usable, 96 for 94), or, for Apple's unified
    memory (memory_gb is the largest configuration), above it."""
    have = row.get("memory_gb", math.nan)
    if not isinstance(have, float) or not math.isfinite(have):
        return False
    for w in soft:
        m = _MEMORY_TOKEN.match(w)
        if m:
            want = float(m.group(1))
            if row.get("vendor") == "Apple" and row.get("kind") == "gpu":
                if want > have * 1.02:
                    return True
            elif not have * 0.9 <= want <= have * 1.1:
                return True
    return False


@dataclass(frozen=True)
class Resolution:
    """What a device name meant: the catalog row, a count written into the name ("8x A100"),
    and a one-line note when a bare chip name was taken as the catalog's default variant
    (the CLI prints it on stderr; the GUI shows it as a hint)."""

    row: dict
    count: int | None = None
    note: str | None = None


def _known(row: dict, col: str) -> bool:
    v = row.get(col, math.nan)
    return isinstance(v, float) and math.isfinite(v)


def not_ranked_because(row: dict) -> list[str]:
    """Why a catalog row cannot be estimated or ranked (empty when it can).

    The listing rule (SCHEMA.md): every row with a source is listed; a row is ranked only
    when the model can compute from it: a dense FP32, FP16 or BF16 peak (the figure every
    precision falls back to, advisor/precision.py), a memory bandwidth, and (except CPUs,
    whose memory is the system's) a memory size. Power and price are not required; a row
    without them is ranked with energy or cost reported as unknown.
    """
    why = []
    if not any(_known(row, PEAK_COLUMNS[p]) for p in ("fp16", "bf16", "fp32")):
        others = [p for p, c in PEAK_COLUMNS.items() if _known(row, c)]
        why.append(f"no fp16/bf16/fp32 peak (only {', '.join(others)})" if others else "no peak compute figure")
    if not _known(row, "memory_bandwidth_gbps"):
        why.append("no memory bandwidth")
    if row.get("kind") != "cpu" and not _known(row, "memory_gb"):
        why.append("no memory size")
    return why


def purchase_price(row: dict) -> tuple[float, str]:
    """(USD to buy one device, what that figure is) for owned-hardware costing.

    The launch list price where one was published; else the middle of the dated street,
    report or list range, labelled as such ("report figure 2024-10: $30,000-$40,000") so a
    figure from a press report is never shown as a list price; else (NaN, ""). A row whose
    price is a whole computer (`system`) says so: ", whole computer" ends the note.
    """
    whole = ", whole computer" if row.get("system") is True else ""
    launch = row.get("launch_price_usd", math.nan)
    if isinstance(launch, float) and math.isfinite(launch):
        return launch, "launch list price" + whole
    low, high = row.get("street_price_usd_low", math.nan), row.get("street_price_usd_high", math.nan)
    if isinstance(low, float) and math.isfinite(low) and isinstance(high, float) and math.isfinite(high):
        kind = {"street": "street price", "report": "report figure", "list": "list price"}.get(row.get("street_price_basis", ""), "price")
        span = f"${low:,.0f}" if low == high else f"${low:,.0f}-${high:,.0f}"
        return (low + high) / 2, f"{kind} {row.get('street_price_seen', '')}: {span}".replace(" :", ":") + whole
    return math.nan, ""


def is_system(row: dict) -> bool:
    """True where the row's price and power are a whole computer (a Mac, DGX Spark, a
    Raspberry Pi board): nothing is added for a host to put it in."""
    return row.get("system") is True


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
        """The catalog row a person means by `query`; see `resolve_name` for the rules."""
        return self.resolve_name(query).row

    def resolve_name(self, query: str) -> Resolution:
        """Find the one device a person means by `query` (see DESIGN.md, `--device`).

        Case, spaces, hyphens and word order do not matter; a query word may be the start of
        a name word ("sxm" for "SXM5") but a model number never runs on into more digits.
        Vendor prefixes, notes in parentheses and a count ("8x", "x 2") are set aside; memory
        ("80G", "141GB"), power ("750W") and GPU cores ("76-core") choose among variants and
        rule out devices they contradict. Among matches, a row whose `default_variant` names
        are all in the query is taken (with a note naming the others); otherwise the one that
        matches every word exactly and adds the fewest words wins. A tie or no match raises
        BadInput listing the closest candidates.
        """
        count, text = split_count(query)
        hard, soft = _query_words(text)
        if not hard:
            raise BadInput(f"--device: no device name in '{query}'" if query.strip() else "--device: empty device name")
        q_squash = _squash(text)
        exact = {r["id"] for r in self.rows for cand in (r["id"], r["name"], *r["aliases"]) if _squash(cand) == q_squash}
        if len(exact) == 1:
            only = self._by_id[next(iter(exact))]
            # a bare family name that is also an alias ("H200") still says which variant it took
            if q_squash not in {_squash(d) for d in only["default_variant"]}:
                return Resolution(only, count)
        best: dict[str, tuple[int, int]] = {}
        for r in self.rows:
            if soft and (_memory_disagrees(soft, r) or _cores_disagree(soft, (r["id"], r["name"], *r["aliases"]))):
                continue
            for cand in (r["id"], r["name"], *r["aliases"]):
                key = (0, 0) if r["id"] in exact else _match_key(hard, soft, _name_words(cand))
                if key is not None and (r["id"] not in best or key < best[r["id"]]):
                    best[r["id"]] = key
        if not best:
            names = [r["name"] for r in self.rows] + [r["id"] for r in self.rows]
            close = difflib.get_close_matches(text, names, n=5, cutoff=0.3)
            hint = f"; closest: {', '.join(close)}" if close else ""
            raise BadInput(f"--device: no catalog device matches '{query}'{hint}")
        fewest_partial = min(k[0] for k in best.values())
        pool = sorted((i for i, k in best.items() if k[0] == fewest_partial), key=lambda i: (best[i], i))
        asked = set(hard) | set(soft)
        defaults = []
        for i in pool:
            spans = [len(_name_words(d)) for d in self._by_id[i]["default_variant"] if set(_name_words(d)) <= asked]
            if spans:
                defaults.append((-max(spans), best[i], i))
        if defaults:
            pick = min(defaults)[2]
            others = [self._by_id[i]["name"] for i in pool if i != pick]
            note = None
            if others:
                listed = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
                note = (f"'{text}' taken as {self._by_id[pick]['name']} ({pick}), the catalog's default variant; "
                        f"also: {listed}")
            return Resolution(self._by_id[pick], count, note)
        top = best[pool[0]]
        winners = [i for i in pool if best[i] == top]
        if len(winners) > 1:
            listed = ", ".join(f"{self._by_id[i]['name']} ({i})" for i in sorted(winners)[:8])
            raise BadInput(f"--device: '{query}' is ambiguous: {listed}")
        return Resolution(self._by_id[winners[0]], count)


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
        elif col in LIST_COLUMNS:
            out[col] = tuple(a.strip() for a in val.split("|") if a.strip())
        elif col in BOOL_COLUMNS:
            if val.lower() not in BOOL_WORDS:
                raise CatalogError(f"{where}: {col}: want true, false or empty, got '{val}'")
            out[col] = BOOL_WORDS[val.lower()]
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
    _check_street_price(row, where)


def _check_street_price(row: dict, where: str) -> None:
    """A street price is a dated range with its kind: both ends, the month, the basis."""
    low, high = row.get("street_price_usd_low", math.nan), row.get("street_price_usd_high", math.nan)
    seen, basis = row.get("street_price_seen", ""), row.get("street_price_basis", "")
    if math.isfinite(low) != math.isfinite(high):
        raise CatalogError(f"{where}: street_price_usd_high: give both ends of the range (equal when one figure)")
    if low > high:
        raise CatalogError(f"{where}: street_price_usd_low: {low:g} is above street_price_usd_high {high:g}")
    if math.isfinite(low) and not MONTH_RE.match(seen):
        raise CatalogError(f"{where}: street_price_seen: want the month the price was seen as YYYY-MM, got '{seen}'")
    if seen and not MONTH_RE.match(seen):
        raise CatalogError(f"{where}: street_price_seen: want YYYY-MM, got '{seen}'")
    if math.isfinite(low) and basis not in STREET_PRICE_BASES:
        raise CatalogError(f"{where}: street_price_basis: '{basis}' is not one of {', '.join(sorted(STREET_PRICE_BASES))}")
    if basis and basis not in STREET_PRICE_BASES:
        raise CatalogError(f"{where}: street_price_basis: '{basis}' is not one of {', '.join(sorted(STREET_PRICE_BASES))}")


def _blank_row() -> dict:
    """A row with every cell unknown: NaN figures, no aliases, empty text."""
    row: dict = {c: "" for c in COLUMNS}
    row.update({c: math.nan for c in NUMERIC_COLUMNS}, aliases=(), default_variant=())
    row.update({c: False for c in BOOL_COLUMNS})
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
    defaults: dict[tuple[str, ...], dict] = {}
    for r in rows:
        for d in r.get("default_variant", ()):
            key = tuple(sorted(_name_words(d)))
            if not key:
                raise CatalogError(f"{r['file']}: default_variant: '{d}' has no words")
            other = defaults.setdefault(key, r)
            if other["id"] != r["id"]:
                raise CatalogError(f"{r['file']}: default_variant: '{d}' is also the default of {other['id']} ({other['file']})")


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
