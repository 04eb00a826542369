"""Calibrations the user has measured: the latest probe of each device in the history."""

from __future__ import annotations

import logging

from advisor.model.calibration import Calibration

log = logging.getLogger(__name__)


def stored_calibrations() -> dict[str, Calibration]:
    """device id -> Calibration from the newest stored probe run of that device.

    Empty when there is no history yet, or when the history cannot be read (the probe
    history reports and repairs that itself; an estimate never fails for it).
    """
    try:
        from advisor.history import History
        from advisor.probes.calibrate import calibrations_from_history
    except ImportError:
        return {}
    try:
        return calibrations_from_history(History())
    except Exception as e:  # a broken history must not stop an estimate
        log.warning("probe history not used: %s", e)
        return {}
