"""On-device probes: short measurements of what this machine really reaches.

The figures (matmul GFLOP/s per precision, memory bandwidth, latency against batch size) are
divided by the catalog's datasheet peaks; those fractions calibrate the model for this machine
(`calibrate.calibration_from_report`). Entry point: `runner.run_probes`.

Nothing here imports Qt. GPU libraries (PyTorch, CuPy) and NVML are imported lazily, only
when already installed; they are never required.
"""

from advisor.probes.runner import Probe, ProbeCancelled, ProbeContext, ProbeReport, default_probes, run_probes

__all__ = ["Probe", "ProbeCancelled", "ProbeContext", "ProbeReport", "default_probes", "run_probes"]
