"""Measured efficiencies that replace the model's default factors for one device.

The probes measure what a device really reaches (matmul TFLOP/s, memory bandwidth, the
latency of one block at batch 1) and divide by the catalog's datasheet peak; those fractions
are the efficiencies the roofline uses. An estimate made with a `Calibration` says so
(`calibrated: true`, `calibrated_figures` naming which factors were measured, and the source).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Calibration:
    """Measured fractions of datasheet peak for one catalog device.

    Attributes:
        device_id: catalog id the figures belong to.
        compute_efficiency: precision name ("fp32", "bf16", ...) -> measured / dense peak, for
            large matrix multiplies. Also calibrates prefill and training MFU (scaled by the
            defaults' ratio to the matmul efficiency).
        bandwidth_efficiency: measured memory bandwidth / datasheet peak (STREAM convention);
            calibrates decode's weight streaming.
        overhead_s_per_layer: measured fixed cost per decoder layer and token (from the
            batch-1 latency of the probe's block minus its weight-streaming time); None when
            not measured or implausible.
        source: where the figures come from (e.g. "median of 3 probes, 2026-11-26 ..").
        runs: the history run ids the figures were combined from (newest first).
    """

    device_id: str
    compute_efficiency: dict[str, float] = field(default_factory=dict)
    bandwidth_efficiency: float | None = None
    source: str = ""
    overhead_s_per_layer: float | None = None
    runs: tuple[int, ...] = ()
