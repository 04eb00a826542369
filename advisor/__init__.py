"""The advisor's core: detection, catalog, workloads, the performance/energy/cost model,
recommendation and probes. Pure Python + numpy/pandas; never imports Qt."""

__version__ = "0.1.0"
