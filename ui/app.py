"""Start the desktop app: QApplication, theme, settings, crash dialog, main window.

The window is shown before anything heavy is imported (numpy, the catalog, pyqtgraph): the
views are built on the following turns of the event loop (`MainWindow.build`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 60.0


def _needs_offscreen(screenshot: bool) -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if screenshot:
        return True
    return sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def install_excepthook(window_getter) -> None:
    """Uncaught exceptions (in slots, timers) show a dialog with the details instead of
    killing the app, and go to the log."""
    def hook(exc_type, exc, tb):
        import traceback

        from advisor.logfile import log_exception

        details = "".join(traceback.format_exception(exc_type, exc, tb))
        where = log_exception("uncaught exception in the app", (exc_type, exc, tb))
        path = None if where.startswith("(") else where
        sys.stderr.write(details)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None or QApplication.platformName() == "offscreen":
            return
        box = QMessageBox(QMessageBox.Critical, "Something went wrong",
                          f"{exc_type.__name__}: {exc}\n\nThe app keeps running; the details are below"
                          + (f" and in {path}." if path else "."), QMessageBox.Ok, window_getter())
        box.setTextFormat(Qt.TextFormat.PlainText)  # the error may quote a file's text
        box.setDetailedText(details)
        box.open()

    sys.excepthook = hook


def _process_age_s() -> float:
    """Seconds since this process was created (the OS's start time, not the interpreter's).

    Linux: /proc/uptime minus the process's start tick (both relative to boot, 10 ms
    resolution; psutil's create_time adds the boot time, which has whole-second resolution).
    """
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return time.time() - psutil.Process().create_time()
    except Exception:
        return time.perf_counter()  # interpreter start as a fallback


LOCK_FILE = "hwadvisor.lock"


def acquire_instance_lock(folder=None):
    """One window per profile (the config folder: settings, unsaved edits, overlay are shared).

    Returns (lock, "") when this process holds the profile's lock (keep `lock` alive while the
    window runs), or (None, message) naming the process that holds it. A lock left by a crashed
    process is taken over (QLockFile checks that its process still runs).
    """
    from PySide6.QtCore import QLockFile

    from advisor.paths import config_dir

    folder = Path(folder) if folder is not None else config_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None, ""  # no profile folder: nothing shared to protect; Settings says it is not writable
    lock = QLockFile(str(folder / LOCK_FILE))
    lock.setStaleLockTime(0)  # held for the window's whole life: stale only when its process is gone
    if lock.tryLock(200):
        return lock, ""
    if lock.error() == QLockFile.LockFailedError:
        info = lock.getLockInfo()  # PySide6: (pid, hostname, appname), or a bool first on some versions
        info = info[1:] if len(info) == 4 else info
        pid, host = (info[0], info[1]) if info and info[0] else (None, "")
        who = f"process {pid}" + (f" on {host}" if host else "") if pid else "another process"
        return None, (f"Hardware Advisor is already running with this profile ({who}). Switch to that window, "
                      f"or start another profile with HWADVISOR_CONFIG_DIR set to another folder ({folder} is in use).")
    return lock, ""  # the lock file cannot be written (read-only folder): run without it


def configure_app(app) -> None:
    """Names, desktop id and icon: what the OS shows in title bars, docks and task switchers."""
    from ui.icon import APP_ID, app_icon

    app.setApplicationName("Hardware Advisor")
    app.setOrganizationName("hwadvisor")
    app.setApplicationDisplayName("Hardware Advisor")
    app.setDesktopFileName(APP_ID)  # Wayland matches the window to the .desktop file (and its icon) by this
    app.setWindowIcon(app_icon())


def run_app(screenshot: str | None = None, *, view: str | None = None, startup_probe: bool = False) -> int:
    """Open the main window (and run the event loop).

    screenshot: save a PNG of the main window (offscreen, default preset computed and detection
        done) and exit 0. `view` picks the tab to show: recommendations, tradeoffs[:chart],
        compare, machine.
    startup_probe: print the seconds from process creation to the window shown, then exit.
    """
    if not screenshot and not startup_probe and _needs_offscreen(False):
        # An offscreen window nobody can see would look like a hang: say what to do instead.
        from advisor.errors import BadInput

        raise BadInput("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): "
                       "run the headless commands (see --help) or --screenshot FILE.png")
    if _needs_offscreen(bool(screenshot) or startup_probe and not os.environ.get("DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:  # a policy for the application about to be made
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_app(app)

    from ui import theme as themes
    from ui.main_window import MainWindow
    from ui.settings import Settings

    instance_lock = None
    if not screenshot and not startup_probe:  # one-shot renders do not hold the profile
        instance_lock, message = acquire_instance_lock()
        if instance_lock is None and message:
            return _refuse_second_instance(message)
    settings = Settings()
    themes.apply(app, themes.resolve(settings.theme, app))
    window = MainWindow(settings, app)
    install_excepthook(lambda: window)
    window.show()
    if screenshot:
        window.resize(1280, 800)  # the README/docs size, whatever the offscreen screen says
    if startup_probe:
        app.processEvents()
        print(f"{_process_age_s():.3f}", flush=True)
        window.close()
        return 0
    from advisor import logfile  # after the window is shown: logging.handlers costs ~10 ms

    logfile.install()  # warnings and crash details, in a rotating file
    QTimer.singleShot(0, window.build)
    if screenshot:
        return _screenshot(app, window, screenshot, view)
    rc = app.exec()
    from ui import workers

    workers.shutdown()
    if instance_lock is not None:
        instance_lock.unlock()
    return rc


def _refuse_second_instance(message: str) -> int:
    """Say why no second window opens: a dialog on a desktop (started from a menu, there is no
    terminal), and one line on stderr. Exit 2: the user's to resolve."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    print(f"error: {message}", file=sys.stderr)
    log.warning(message)
    if QApplication.platformName() != "offscreen":
        QMessageBox.warning(None, "Hardware Advisor is already running", message)
    return 2


def _screenshot(app, window, path: str, view: str | None) -> int:
    """Wait for the views, the first results and complete detection; save; exit."""
    from PySide6.QtCore import QTimer

    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    ready = {"charts": False}
    window.ready.connect(lambda: ready.__setitem__("charts", True))

    def done() -> bool:
        return ready["charts"] and window._detected and window.state is not None and window.state.results is not None \
            and not window.tasks

    result = {"rc": 1}

    def poll():
        if done() or time.monotonic() > deadline:
            if not done():
                log.warning("screenshot taken before everything was ready")
            show_view(window, view)
            QTimer.singleShot(150, shoot)
        else:
            QTimer.singleShot(50, poll)

    def shoot():
        app.processEvents()
        from advisor.atomic import atomic_path
        from advisor.errors import BadInput

        # Atomic, like every write: a symlink at `path` is replaced, never written through.
        try:
            with atomic_path(path) as tmp:
                staged = tmp.with_name(tmp.name + ".png")  # Qt picks the format from the suffix
                try:
                    if not window.grab().save(str(staged)):
                        raise OSError(5, "the window could not be rendered as PNG")
                    os.replace(staged, tmp)
                finally:
                    staged.unlink(missing_ok=True)
            result["rc"] = 0
        except BadInput as e:
            result["rc"] = 2
            print(f"error: {e}", file=sys.stderr)
        window.close()
        app.quit()

    QTimer.singleShot(0, poll)
    app.exec()
    from ui import workers

    workers.shutdown()
    return result["rc"]


def show_view(window, view: str | None) -> None:
    """Bring a view to the front: recommendations | tradeoffs[:<chart key>] | compare | machine."""
    from ui.main_window import TAB_COMPARE, TAB_MACHINE, TAB_PLANS, TAB_RECOMMEND, TAB_TRADEOFFS

    if not view:
        return
    name, _, sub = view.partition(":")
    tabs = {"recommendations": TAB_RECOMMEND, "tradeoffs": TAB_TRADEOFFS, "compare": TAB_COMPARE,
            "machine": TAB_MACHINE, "plans": TAB_PLANS}
    if name in tabs:
        window.tabs.setCurrentIndex(tabs[name])
    if name == "tradeoffs" and sub and window.tradeoffs is not None:
        keys = list(window.tradeoffs.tab)
        if sub in keys:
            window.tradeoffs.tabs.setCurrentIndex(keys.index(sub))
    if name == "compare" and window.state is not None and not window.state.compare and window.state.results:
        order = [str(window.state.results.estimates.table.ids[i]) for i in window.state.results.ranking.order[:3]]
        local = [str(window.state.results.estimates.table.ids[i]) for i in window.state.results.local]
        window.state.set_compare(order + local[:1])
