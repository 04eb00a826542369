"""One thin wrapper over NVML (pynvml, from nvidia-ml-py), in the style of nvitop's `api/libnvml.py`.

Two tiers of failure:

* "no library / no driver / no permission": `init()` raises `HardwareUnavailable` once, with
  a message meant for the user; detection turns it into one warning and carries on CPU-only.
* one call the device does not support (or this pynvml lacks): `query()` returns `NA`, a
  sentinel that prints "N/A", is falsy and turns into NaN in arithmetic.

`HWADVISOR_NVML_REPLAY=FILE` answers every call from a capture (the format of
`shared/fixtures/nvml/*.json`: `nvml.<call>` and `nvml.devices[i].<call>` hold `{"value": ...}`
or `{"error": "NVMLError_<Name>", "msg": ...}`) instead of the real library. A call the
capture does not hold behaves as a function this driver lacks (`NA`).

Everything is lazy: nothing is imported or initialised until the first `init()`/`query()`,
and the library is shut down at interpreter exit.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import threading
from pathlib import Path
from typing import Any

from advisor.errors import BadInput, HardwareUnavailable

__all__ = [
    "NA", "NaType", "CLOCK_GRAPHICS", "CLOCK_SM", "CLOCK_MEM", "CLOCK_VIDEO", "TEMPERATURE_GPU",
    "REPLAY_ENV", "init", "shutdown", "query", "device_count", "device_handle", "source", "field", "is_na",
]

log = logging.getLogger(__name__)

REPLAY_ENV = "HWADVISOR_NVML_REPLAY"

# Values of pynvml's NVML_CLOCK_* / NVML_TEMPERATURE_* constants, so callers need not import pynvml.
CLOCK_GRAPHICS, CLOCK_SM, CLOCK_MEM, CLOCK_VIDEO = 0, 1, 2, 3
TEMPERATURE_GPU = 0
_CLOCK_NAMES = {CLOCK_GRAPHICS: "GRAPHICS", CLOCK_SM: "SM", CLOCK_MEM: "MEM", CLOCK_VIDEO: "VIDEO"}
_TEMPERATURE_NAMES = {TEMPERATURE_GPU: "GPU"}
_CLOCK_FUNCS = {"nvmlDeviceGetMaxClockInfo", "nvmlDeviceGetClockInfo", "nvmlDeviceGetApplicationsClock",
                "nvmlDeviceGetDefaultApplicationsClock", "nvmlDeviceGetMaxCustomerBoostClock"}


class NaType(str):
    """"N/A": a value NVML could not give. Falsy, prints "N/A", NaN in arithmetic (after nvitop)."""

    _instance: NaType | None = None

    def __new__(cls) -> NaType:
        if cls._instance is None:
            cls._instance = super().__new__(cls, "N/A")
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __float__(self) -> float:
        return math.nan

    def __repr__(self) -> str:
        return "NA"

    def _nan(self, other):
        if isinstance(other, (int, float)):
            return math.nan
        return NotImplemented

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _nan
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _nan


NA = NaType()


def is_na(value: Any) -> bool:
    return value is NA or value is None


def field(value: Any, name: str, default: Any = NA) -> Any:
    """A field of an NVML struct result: a ctypes struct (real library) or a dict (replay)."""
    if is_na(value):
        return default
    if isinstance(value, dict):
        return value.get(name, default)
    return getattr(value, name, default)


def _error_name(exc: BaseException) -> str | None:
    """'NVMLError_NotSupported' for any pynvml error (real or replayed), else None."""
    name = type(exc).__name__
    return name if name.startswith("NVMLError") else None


class _ReplayError(Exception):
    """Stands in for a pynvml error class when pynvml itself is not importable."""


def _make_error(name: str, msg: str) -> Exception:
    try:
        import pynvml

        cls = getattr(pynvml, name, None)
        if isinstance(cls, type) and issubclass(cls, pynvml.NVMLError):
            return cls()
    except ImportError:
        pass
    cls = type(name, (_ReplayError,), {})
    return cls(msg)


# ---- backends -------------------------------------------------------------------------------

class _Library:
    """The real pynvml. Device handles are pynvml's handles."""

    def __init__(self) -> None:
        try:
            import pynvml
        except ImportError:
            raise HardwareUnavailable(
                "No NVIDIA GPU detected: the nvidia-ml-py package (pynvml) is not installed; running CPU-only."
            ) from None
        self._lib = pynvml
        self.source = "pynvml"

    def init(self) -> None:
        self._lib.nvmlInit()

    def shutdown(self) -> None:
        self._lib.nvmlShutdown()

    def handle(self, index: int):
        return self._lib.nvmlDeviceGetHandleByIndex(index)

    def call(self, func: str, *args):
        fn = getattr(self._lib, func, None)
        if fn is None:
            raise _make_error("NVMLError_FunctionNotFound", f"pynvml has no {func}")
        value = fn(*args)
        return value.decode(errors="replace") if isinstance(value, bytes) else value


class _Replay:
    """Answers from a capture file. Device handles are the device indices."""

    def __init__(self, path: str) -> None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise BadInput(f"{REPLAY_ENV}: cannot read '{path}': {e.strerror or e}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadInput(f"{REPLAY_ENV}: '{path}' is not a JSON NVML capture: {e}") from None
        nvml = data.get("nvml") if isinstance(data, dict) else None
        if not isinstance(nvml, dict):
            raise BadInput(f"{REPLAY_ENV}: '{path}' has no 'nvml' object (want the format of shared/fixtures/nvml)")
        devices = nvml.get("devices", [])
        if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
            raise BadInput(f"{REPLAY_ENV}: '{path}': 'nvml.devices' must be a list of objects")
        self._top = nvml
        self._devices = devices
        self.source = f"replay:{path}"

    @staticmethod
    def _answer(table: dict, key: str):
        entry = table.get(key)
        if not isinstance(entry, dict):
            raise _make_error("NVMLError_FunctionNotFound", f"{key} is not in the capture")
        if "error" in entry:
            raise _make_error(str(entry["error"]), str(entry.get("msg", "")))
        return entry.get("value")

    def init(self) -> None:
        if "nvmlInit" in self._top:
            self._answer(self._top, "nvmlInit")

    def shutdown(self) -> None:
        pass

    def handle(self, index: int):
        if not 0 <= index < len(self._devices):
            raise _make_error("NVMLError_InvalidArgument", f"no device {index} in the capture")
        return index

    def call(self, func: str, *args):
        if func.startswith("nvmlDevice") and args:
            key = func
            if func in _CLOCK_FUNCS and len(args) > 1:
                key = f"{func}/{_CLOCK_NAMES.get(args[1], args[1])}"
            elif func == "nvmlDeviceGetTemperature" and len(args) > 1:
                key = f"{func}/{_TEMPERATURE_NAMES.get(args[1], args[1])}"
            return self._answer(self._devices[args[0]], key)
        return self._answer(self._top, func)


# ---- module state (lock-guarded, lazy) ------------------------------------------------------

_lock = threading.RLock()
_backend: _Library | _Replay | None = None
_backend_key: str | None = None  # the replay path (or "") the backend was made for
_failure: HardwareUnavailable | None = None
_missing_logged: set[str] = set()
_atexit_registered = False


def _init_message(exc: Exception) -> str:
    name = _error_name(exc) or type(exc).__name__
    detail = str(exc) or name
    if name == "NVMLError_LibraryNotFound":
        return ("No NVIDIA GPU detected: the NVML library (libnvidia-ml) was not found, "
                "so no NVIDIA driver is installed; running CPU-only.")
    if name == "NVMLError_DriverNotLoaded":
        return f"No NVIDIA GPU usable: the NVIDIA driver is not loaded (NVML: {detail}); running CPU-only."
    if name == "NVMLError_NoPermission":
        return f"No NVIDIA GPU usable: no permission to use the NVIDIA driver (NVML: {detail}); running CPU-only."
    return f"No NVIDIA GPU usable: NVML failed to start ({name}: {detail}); running CPU-only."


def init() -> None:
    """Start NVML (or the replay) once per process; raise `HardwareUnavailable` if it cannot.

    Re-initialises if `HWADVISOR_NVML_REPLAY` changed since the last call (tests switch files).
    """
    global _backend, _backend_key, _failure, _atexit_registered
    key = os.environ.get(REPLAY_ENV, "")
    with _lock:
        if key != _backend_key:
            _shutdown_locked()
        if _backend is not None:
            return
        if _failure is not None and key == _backend_key:
            raise _failure
        _backend_key = key
        try:
            backend = _Replay(key) if key else _Library()
            backend.init()
        except HardwareUnavailable as e:
            _failure = e
            raise
        except Exception as e:
            if _error_name(e) is None and not isinstance(e, OSError):
                raise
            _failure = HardwareUnavailable(_init_message(e))
            _failure.nvml_error = _error_name(e)  # type: ignore[attr-defined]
            raise _failure from None
        _backend = backend
        if not _atexit_registered:
            atexit.register(shutdown)
            _atexit_registered = True


def _shutdown_locked() -> None:
    global _backend, _backend_key, _failure
    if _backend is not None:
        try:
            _backend.shutdown()
        except Exception as e:  # at exit or on a switch, a failing shutdown changes nothing
            log.debug("nvmlShutdown failed: %s", e)
    _backend, _backend_key, _failure = None, None, None


def shutdown() -> None:
    """Shut NVML down (idempotent); the next `init()` starts afresh."""
    with _lock:
        _shutdown_locked()


def source() -> str | None:
    """"pynvml" or "replay:FILE" once initialised, else None."""
    return None if _backend is None else _backend.source


def query(func: str, *args, default: Any = NA) -> Any:
    """Call NVML function `func` (a pynvml name) with `args`; `default` when it cannot answer.

    One unsupported, missing or failing call never raises: it gives `default` (NA), and a
    function this driver/pynvml lacks is logged once. `*_v2` calls fall back to v1.
    `init()` must have succeeded (otherwise `default`).
    """
    backend = _backend
    if backend is None:
        return default
    try:
        return backend.call(func, *args)
    except Exception as e:
        name = _error_name(e)
        if name is None:
            raise
        if name == "NVMLError_FunctionNotFound":
            if func.endswith("_v2"):
                return query(func[:-3], *args, default=default)
            if func not in _missing_logged:
                _missing_logged.add(func)
                log.debug("NVML function %s is not available here", func)
        return default


def device_count() -> int:
    """Number of NVIDIA devices; 0 when NVML cannot say."""
    n = query("nvmlDeviceGetCount")
    return int(n) if isinstance(n, int) else 0


def device_handle(index: int) -> Any:
    """The handle of device `index`, or NA (e.g. a GPU that fell off the bus)."""
    backend = _backend
    if backend is None:
        return NA
    try:
        return backend.handle(index)
    except Exception as e:
        if _error_name(e) is None:
            raise
        log.debug("no handle for NVIDIA device %d: %s", index, e)
        return NA
