"""The probe history: every probe run, from this machine or imported from others, in SQLite.

One database file in the user's data folder (`history.sqlite3`). The schema version lives in
`PRAGMA user_version`. A file that is not a database, is damaged, or was written by a newer
version of the app is never fatal: it is renamed aside to `<name>.corrupt-<timestamp>` (so
nothing is lost), a warning is recorded in `History.warnings` and logged, and a fresh database
is made. Writes are transactions; a locked database is waited on (busy timeout) rather than
failing at once.

Tables:
    machines(fingerprint PK, hostname, label, hardware_json, first_seen, last_seen)
    runs(id PK, fingerprint -> machines, created_at, app_version, quick, source, run_uid, report_json)
        one row per run: `run_uid` (the report's own unique id, or a hash of its content for
        reports that have none) keeps two runs made in the same second apart, while the same
        file imported twice stays one row
    figures(run_id -> runs, device, name, value)   one row per numeric figure, for comparisons
    applied(run_id -> runs, device_id, applied_at) imported runs the user chose to let
        calibrate a catalog device (an import alone never calibrates anything)
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from advisor.errors import BadInput

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
#: A run stamped further than this into the future is bad input (clock skew allowed for).
FUTURE_TOLERANCE_S = 86_400
BUSY_TIMEOUT_MS = 5000
FILE_NAME = "history.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS machines (
    fingerprint   TEXT PRIMARY KEY,
    hostname      TEXT NOT NULL,
    label         TEXT NOT NULL,
    hardware_json TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint  TEXT NOT NULL REFERENCES machines(fingerprint),
    created_at   TEXT NOT NULL,
    app_version  TEXT NOT NULL,
    quick        INTEGER NOT NULL,
    source       TEXT NOT NULL,
    run_uid      TEXT NOT NULL,
    report_json  TEXT NOT NULL,
    UNIQUE (fingerprint, run_uid)
);
CREATE TABLE IF NOT EXISTS figures (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    device  TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   REAL NOT NULL,
    PRIMARY KEY (run_id, device, name)
);
CREATE INDEX IF NOT EXISTS runs_by_machine ON runs(fingerprint, created_at);
CREATE TABLE IF NOT EXISTS applied (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    device_id  TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (run_id, device_id)
);
"""

# Version 1 -> 2: runs were unique by (fingerprint, created_at) at one-second resolution, so a
# second run in the same second was silently dropped; rebuild the table keyed by run_uid.
_MIGRATE_1_TO_2 = """
CREATE TABLE runs_v2 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint  TEXT NOT NULL REFERENCES machines(fingerprint),
    created_at   TEXT NOT NULL,
    app_version  TEXT NOT NULL,
    quick        INTEGER NOT NULL,
    source       TEXT NOT NULL,
    run_uid      TEXT NOT NULL,
    report_json  TEXT NOT NULL,
    UNIQUE (fingerprint, run_uid)
);
INSERT INTO runs_v2 (id, fingerprint, created_at, app_version, quick, source, run_uid, report_json)
    SELECT id, fingerprint, created_at, app_version, quick, source, 'v1-' || id, report_json FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs
"""


class HistoryError(RuntimeError):
    """The history database cannot be used right now (locked for too long, disk full, ...)."""


@dataclass(frozen=True)
class RunRecord:
    """One stored probe run."""

    id: int
    fingerprint: str
    hostname: str
    label: str
    created_at: str
    app_version: str
    quick: bool
    source: str
    report: dict
    run_uid: str = ""
    applied_to: tuple[str, ...] = ()

    @property
    def imported(self) -> bool:
        """True for a run imported from a file (another machine), False for one measured here."""
        return self.source != "local"


def run_uid(report: dict) -> str:
    """The report's own unique id (`run_uid`), or for reports without one a hash of their
    content: two different runs never share it, the same file imported twice always does."""
    uid = report.get("run_uid")
    if isinstance(uid, str) and uid.strip():
        return uid.strip()[:64]
    import hashlib

    body = json.dumps(_finite(report), sort_keys=True, default=str)
    return "sha256-" + hashlib.sha256(body.encode()).hexdigest()[:32]


def parse_time(text) -> datetime | None:
    """An ISO timestamp as an aware UTC datetime (naive ones are taken as UTC); None if unreadable."""
    if not isinstance(text, str):
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def in_future(text, now: datetime | None = None, tolerance_s: float = FUTURE_TOLERANCE_S) -> bool:
    """True when timestamp `text` is later than now plus `tolerance_s` (clock skew)."""
    t = parse_time(text)
    if t is None:
        return False
    now = now or datetime.now(UTC)
    return (t - now).total_seconds() > tolerance_s


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _flat_figures(report: dict) -> list[tuple[str, str, float]]:
    """(device, name, value) for every finite numeric figure: 'cpu' and 'gpu0', 'gpu1', ..."""
    rows: list[tuple[str, str, float]] = []

    def walk(device: str, prefix: str, obj) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(device, f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool) and math.isfinite(obj):
            rows.append((device, prefix, float(obj)))

    walk("cpu", "", report.get("cpu") or {})
    for i, g in enumerate(report.get("gpus") or []):
        walk(f"gpu{g.get('index', i) if isinstance(g, dict) else i}", "", g)
    return rows


def _finite(obj):
    """The report with NaN/inf (a figure a probe could not measure) as null, as `probe --json` prints it."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def keep_unsaved_run(report: dict, folder: str | Path | None = None) -> Path | None:
    """A probe run the history could not store, kept as a `probe --json` file so it is not lost
    (`probe --import FILE` stores it later). Returns the file, or None when even that fails."""
    from advisor.atomic import write_text_atomic
    from advisor.errors import BadInput

    if folder is None:
        from advisor.paths import data_dir

        folder = data_dir() / "unsaved_runs"
    folder = Path(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"probe-{stamp}.json"
        n = 1
        while path.exists():
            path = folder / f"probe-{stamp}-{n}.json"
            n += 1
        write_text_atomic(path, json.dumps(_finite(report), indent=2, sort_keys=True, allow_nan=False) + "\n")
    except (OSError, BadInput, ValueError) as e:
        log.warning("probe run not kept: %s", e)
        return None
    return path


def machine_label(machine: dict) -> str:
    """'host: CPU brand + GPU names', for lists and column headers."""
    cpu = (machine.get("cpu") or {}).get("brand") or "unknown CPU"
    gpus = [g.get("name", "GPU") for g in machine.get("gpus") or [] if isinstance(g, dict)]
    host = machine.get("hostname") or "unknown host"
    return f"{host}: {cpu}" + (f" + {len(gpus)}x {gpus[0]}" if gpus else "")


class History:
    """The probe-run store. Open with `History()` (default path) or `History(path)`."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            from advisor.paths import data_dir

            path = data_dir() / FILE_NAME
        self.path = Path(path)
        self.warnings: list[str] = []
        self._conn = self._open()

    # ---------------------------------------------------------------- opening

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(f"{self.path}: cannot create folder: {e.strerror or e}") from None
        try:
            return self._open_existing()
        except OSError as e:  # a folder in the way, a file locked by another program (Windows)
            raise HistoryError(f"{self.path}: cannot open the probe history: {e.strerror or e}") from None

    def _open_existing(self) -> sqlite3.Connection:
        problem = None
        try:
            conn = self._connect()
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    problem = f"written by a newer version of the app (schema {version}, this app reads {SCHEMA_VERSION})"
                else:
                    check = conn.execute("PRAGMA quick_check").fetchone()[0]
                    if check != "ok":
                        problem = f"damaged ({check})"
                    else:
                        self._migrate(conn, version)
                        return conn
            except BaseException:
                conn.close()
                raise
            conn.close()
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise HistoryError(f"{self.path}: database is locked by another program; try again") from None
            problem = f"unreadable ({e})"
        except sqlite3.DatabaseError as e:
            problem = f"not a usable database ({e})"
        try:
            aside = self._set_aside()
        except OSError as e:  # Windows: another program holds the file open
            raise HistoryError(f"{self.path}: probe history {problem} and it cannot be moved aside "
                               f"({e.strerror or e}); close other programs using it and try again") from None
        msg = f"{self.path}: probe history {problem}; moved aside to {aside.name} and started a new one"
        self.warnings.append(msg)
        log.warning(msg)
        try:
            conn = self._connect()
            self._migrate(conn, 0)
        except sqlite3.Error as e:
            raise HistoryError(f"{self.path}: cannot create a new history database: {e}") from None
        return conn

    def _set_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        self.path.replace(aside)
        for suffix in ("-wal", "-shm", "-journal"):  # stale companions belong to the old file
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(aside.with_name(aside.name + suffix))
        return aside

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        if version == SCHEMA_VERSION:
            return
        with _transaction(conn):
            if version == 1:
                for stmt in _MIGRATE_1_TO_2.split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ---------------------------------------------------------------- writing

    def add_run(self, report: dict, *, source: str = "local") -> int:
        """Store one `ProbeReport.to_dict()` (or an imported one); returns the run id.

        Every run gets its own row, even two made in the same second; the same run (machine
        fingerprint and `run_uid`) stored twice keeps its first id.
        """
        from advisor.probes.machine import fingerprint as make_fingerprint

        machine = dict(report.get("machine") or {})
        fp = report.get("fingerprint") or make_fingerprint(machine)
        created = report.get("timestamp") or _now()
        label = machine_label(machine)
        try:
            with _transaction(self._conn):
                uid = run_uid(report)
                existing = self._conn.execute(
                    "SELECT id FROM runs WHERE fingerprint = ? AND run_uid = ?", (fp, uid)).fetchone()
                if existing:
                    return int(existing[0])
                self._conn.execute(
                    "INSERT INTO machines (fingerprint, hostname, label, hardware_json, first_seen, last_seen) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET "
                    "label = excluded.label, hardware_json = excluded.hardware_json, "
                    "last_seen = max(last_seen, excluded.last_seen), first_seen = min(first_seen, excluded.first_seen)",
                    (fp, machine.get("hostname") or "unknown host", label,
                     json.dumps(machine, sort_keys=True), created, created))
                cur = self._conn.execute(
                    "INSERT INTO runs (fingerprint, created_at, app_version, quick, source, run_uid, report_json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (fp, created, str(report.get("app_version") or "unknown"), int(bool(report.get("quick"))),
                     source, uid, json.dumps(_finite(report), sort_keys=True, allow_nan=False)))
                run_id = int(cur.lastrowid)
                self._conn.executemany(
                    "INSERT OR REPLACE INTO figures (run_id, device, name, value) VALUES (?, ?, ?, ?)",
                    [(run_id, d, n, v) for d, n, v in _flat_figures(report)])
                return run_id
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise HistoryError(f"{self.path}: database is locked by another program; run not saved") from None
            raise HistoryError(f"{self.path}: cannot save the run: {e}") from None
        except (sqlite3.Error, OSError) as e:  # disk full, read-only medium, a file held by another program
            raise HistoryError(f"{self.path}: cannot save the run: {getattr(e, 'strerror', None) or e}") from None

    def import_file(self, path: str | Path) -> int:
        """Validate a `probe --json` file from another machine and store it; returns the run id.

        Raises BadInput with one line naming the file and the field when the file is not a
        valid probe report.
        """
        report = load_report_file(path)
        return self.add_run(report, source=f"import:{Path(path).name}")

    def apply_run(self, run_id: int, device_id: str) -> None:
        """Let imported run `run_id` calibrate catalog device `device_id` (the user's choice).

        Only its plausible figures will (`advisor.probes.calibrate`). BadInput when there is
        no such run, it is this machine's own run (those calibrate without asking), or it
        has no figures measured on that device.
        """
        run = self.run(run_id)
        if run is None:
            raise BadInput(f"--apply: no run {run_id} in the probe history")
        if not run.imported:
            raise BadInput(f"--apply: run {run_id} was measured on this machine; it calibrates without being applied")
        from advisor.probes.calibrate import measured_device_ids

        if device_id not in measured_device_ids(run.report):
            raise BadInput(f"--apply: run {run_id} has no figures measured on {device_id}")
        with _transaction(self._conn):
            self._conn.execute("INSERT OR REPLACE INTO applied (run_id, device_id, applied_at) VALUES (?, ?, ?)",
                               (run_id, device_id, _now()))

    def unapply_run(self, run_id: int, device_id: str | None = None) -> None:
        """Stop an applied import from calibrating (one device, or every device)."""
        with _transaction(self._conn):
            if device_id is None:
                self._conn.execute("DELETE FROM applied WHERE run_id = ?", (run_id,))
            else:
                self._conn.execute("DELETE FROM applied WHERE run_id = ? AND device_id = ?", (run_id, device_id))

    def run(self, run_id: int) -> RunRecord | None:
        """One stored run by id."""
        return next((r for r in self.runs() if r.id == run_id), None)

    def delete_run(self, run_id: int) -> None:
        with _transaction(self._conn):
            self._conn.execute("DELETE FROM applied WHERE run_id = ?", (run_id,))
            self._conn.execute("DELETE FROM figures WHERE run_id = ?", (run_id,))
            self._conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # ---------------------------------------------------------------- reading

    def runs(self, fingerprint: str | None = None) -> list[RunRecord]:
        """Stored runs, newest first; only one machine's with `fingerprint`."""
        applied: dict[int, list[str]] = {}
        for rid, dev in self._conn.execute("SELECT run_id, device_id FROM applied ORDER BY device_id"):
            applied.setdefault(rid, []).append(dev)
        sql = ("SELECT r.id, r.fingerprint, m.hostname, m.label, r.created_at, r.app_version, r.quick, r.source, "
               "r.report_json, r.run_uid FROM runs r JOIN machines m USING (fingerprint)")
        args: tuple = ()
        if fingerprint is not None:
            sql += " WHERE r.fingerprint = ?"
            args = (fingerprint,)
        sql += " ORDER BY r.created_at DESC, r.id DESC"
        return [RunRecord(id=r[0], fingerprint=r[1], hostname=r[2], label=r[3], created_at=r[4],
                          app_version=r[5], quick=bool(r[6]), source=r[7], report=json.loads(r[8]),
                          run_uid=r[9], applied_to=tuple(applied.get(r[0], ())))
                for r in self._conn.execute(sql, args)]

    def machines(self) -> list[dict]:
        """Every machine seen: fingerprint, hostname, label, hardware, first/last seen, run count."""
        rows = self._conn.execute(
            "SELECT m.fingerprint, m.hostname, m.label, m.hardware_json, m.first_seen, m.last_seen, "
            "count(r.id) FROM machines m LEFT JOIN runs r USING (fingerprint) GROUP BY m.fingerprint "
            "ORDER BY m.last_seen DESC").fetchall()
        return [{"fingerprint": r[0], "hostname": r[1], "label": r[2], "hardware": json.loads(r[3]),
                 "first_seen": r[4], "last_seen": r[5], "runs": r[6]} for r in rows]

    def latest_per_machine(self) -> list[RunRecord]:
        """The newest run of each machine: the columns of a side-by-side comparison."""
        seen: set[str] = set()
        out = []
        for run in self.runs():
            if run.fingerprint not in seen:
                seen.add(run.fingerprint)
                out.append(run)
        return out

    def compare(self, run_ids: list[int]) -> dict[tuple[str, str], list[float | None]]:
        """Side by side: (device, figure name) -> the value in each run of `run_ids` (None where
        a run lacks it), e.g. ('cpu', 'matmul_fp32_gflops') -> [158.8, 412.0]."""
        table: dict[tuple[str, str], list[float | None]] = {}
        for col, run_id in enumerate(run_ids):
            for device, name, value in self._conn.execute(
                    "SELECT device, name, value FROM figures WHERE run_id = ?", (run_id,)):
                table.setdefault((device, name), [None] * len(run_ids))[col] = value
        return dict(sorted(table.items()))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error (autocommit connection)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:  # SQLite has already rolled back after e.g. SQLITE_FULL
            self.conn.execute("ROLLBACK")
        return False


def _is_busy(e: sqlite3.OperationalError) -> bool:
    text = str(e).lower()
    return "locked" in text or "busy" in text


# ---------------------------------------------------------------- import validation

_CPU_FIGURES = ("matmul_fp32_gflops", "matmul_fp64_gflops", "memory_bandwidth_gbps")


def _reject_constant(name: str):
    raise ValueError(f"non-finite number {name}")


# A probe report is a few kB (a full run with every batch size: ~20 kB); anything far larger is
# not one, and would be stored whole in the history and slow every later command.
MAX_REPORT_BYTES = 2_000_000


def load_report_file(path: str | Path) -> dict:
    """Read and validate a `probe --json` file. BadInput: '<file>: <field>: <problem>'."""
    from advisor.files import read_user_file

    p = Path(path)
    raw = read_user_file(p, MAX_REPORT_BYTES, what="probe report")  # regular files of sane size only
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{p}: not a probe report: not UTF-8 text") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise BadInput(f"{p}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except ValueError as e:  # NaN / Infinity literals, integers of more than 4300 digits
        raise BadInput(f"{p}: not valid JSON: {str(e).split(';')[0]}") from None
    except RecursionError:
        raise BadInput(f"{p}: not a probe report: nested too deeply") from None
    validate_report(data, str(p))
    return data


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_number(where: str, field: str, v, *, required: bool = False) -> None:
    if v is None:
        if required:
            raise BadInput(f"{where}: {field}: missing")
        return
    if not _is_number(v):
        raise BadInput(f"{where}: {field}: expected a number, got {type(v).__name__}")
    if not math.isfinite(v) or v < 0:
        raise BadInput(f"{where}: {field}: must be a finite number >= 0, got {v}")


def _check_text(where: str, field: str, v) -> None:
    if v is not None and not isinstance(v, str):
        raise BadInput(f"{where}: {field}: expected text, got {type(v).__name__}")


def validate_report(data, where: str) -> None:
    """Check the fields the history and comparisons rely on (see DESIGN.md, `probe --json`)."""
    if not isinstance(data, dict):
        raise BadInput(f"{where}: not a probe report: expected a JSON object, got {type(data).__name__}")
    if "cpu" not in data and "gpus" not in data:
        raise BadInput(f"{where}: not a probe report: no 'cpu' or 'gpus' field")
    cpu = data.get("cpu", {})
    if not isinstance(cpu, dict):
        raise BadInput(f"{where}: cpu: expected an object, got {type(cpu).__name__}")
    for f in _CPU_FIGURES:
        _check_number(where, f"cpu.{f}", cpu.get(f))
    _check_text(where, "cpu.catalog_id", cpu.get("catalog_id"))
    lat = cpu.get("latency_by_batch", {})
    if not isinstance(lat, dict):
        raise BadInput(f"{where}: cpu.latency_by_batch: expected an object, got {type(lat).__name__}")
    for batch, entry in lat.items():
        if not str(batch).isdigit():
            raise BadInput(f"{where}: cpu.latency_by_batch.{batch}: batch size must be a whole number")
        if not isinstance(entry, dict):
            raise BadInput(f"{where}: cpu.latency_by_batch.{batch}: expected an object, got {type(entry).__name__}")
        for f in ("latency_ms", "samples_per_s"):
            _check_number(where, f"cpu.latency_by_batch.{batch}.{f}", entry.get(f))
    gpus = data.get("gpus", [])
    if not isinstance(gpus, list):
        raise BadInput(f"{where}: gpus: expected a list, got {type(gpus).__name__}")
    for i, g in enumerate(gpus):
        if not isinstance(g, dict):
            raise BadInput(f"{where}: gpus[{i}]: expected an object, got {type(g).__name__}")
        if "name" in g and not isinstance(g["name"], str):
            raise BadInput(f"{where}: gpus[{i}].name: expected text, got {type(g['name']).__name__}")
        _check_text(where, f"gpus[{i}].catalog_id", g.get("catalog_id"))
        mt = g.get("matmul_tflops", {})
        if not isinstance(mt, dict):
            raise BadInput(f"{where}: gpus[{i}].matmul_tflops: expected an object, got {type(mt).__name__}")
        for prec, v in mt.items():
            _check_number(where, f"gpus[{i}].matmul_tflops.{prec}", v)
        for f in ("memory_bandwidth_gbps", "host_to_device_gbps", "energy_j_per_tflop"):
            _check_number(where, f"gpus[{i}].{f}", g.get(f))
    machine = data.get("machine", {})
    if not isinstance(machine, dict):
        raise BadInput(f"{where}: machine: expected an object, got {type(machine).__name__}")
    # The fingerprint and the machine's label are computed from these.
    if "cpu" in machine and machine["cpu"] is not None and not isinstance(machine["cpu"], dict):
        raise BadInput(f"{where}: machine.cpu: expected an object, got {type(machine['cpu']).__name__}")
    if "gpus" in machine and machine["gpus"] is not None and not isinstance(machine["gpus"], list):
        raise BadInput(f"{where}: machine.gpus: expected a list, got {type(machine['gpus']).__name__}")
    _check_text(where, "machine.hostname", machine.get("hostname"))
    _check_number(where, "machine.memory_gb", machine.get("memory_gb"))
    for i, g in enumerate(machine.get("gpus") or []):
        if isinstance(g, dict):
            _check_number(where, f"machine.gpus[{i}].memory_gb", g.get("memory_gb"))
    for f in ("timestamp", "fingerprint", "app_version"):
        if f in data and data[f] is not None and not isinstance(data[f], str):
            raise BadInput(f"{where}: {f}: expected text, got {type(data[f]).__name__}")
    ts = data.get("timestamp")
    if ts:
        try:
            datetime.fromisoformat(ts)
        except ValueError:
            raise BadInput(f"{where}: timestamp: not an ISO date-time: {ts!r}") from None
        if in_future(ts):
            raise BadInput(f"{where}: timestamp: {ts} is in the future; a probe run cannot have been made then")
    _check_text(where, "run_uid", data.get("run_uid"))
