"""Measured efficiencies that replace the model's default factors for one device.

The probes measure what a device really reaches (matmul TFLOP/s, memory bandwidth) and divide
by the catalog's datasheet peak; those fractions are the efficiencies the roofline uses. An
estimate made with a `Calibration` says so (`calibrated: true` and the source).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Calibration:
    """Measured fractions of datasheet peak for one catalog device.

    Attributes:
        device_id: catalog id the figures belong to.
        compute_efficiency: precision name ("fp32", "bf16", ...) -> measured / dense peak, for
            large matrix multiplies.
        bandwidth_efficiency: measured memory bandwidth / datasheet peak (STREAM convention).
        source: where the figures come from (e.g. "probe 2026-11-26 on host X").
    """

    device_id: str
    compute_efficiency: dict[str, float] = field(default_factory=dict)
    bandwidth_efficiency: float | None = None
    source: str = ""
