"""The catalog as numpy arrays, for computing one workload against every device at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.precision import FALLBACK
from hardware_db.loader import OVERLAY_MARK, PEAK_COLUMNS, purchase_price

# CPU rows carry no memory size (it is the system's). Planning assumption when a CPU row is
# costed: a typical configuration of its platform (servers: 12 channels x 32 GB; desktops:
# 2 x 32 GB). The local machine's detected RAM replaces this for its own row.
CPU_ASSUMED_MEMORY_GB = {"datacenter": 384.0, "cloud": 384.0, "workstation": 256.0}
CPU_ASSUMED_MEMORY_GB_DEFAULT = 64.0


@dataclass
class DeviceTable:
    """Column arrays for N devices (one element per catalog row)."""

    ids: np.ndarray
    names: np.ndarray
    kind: np.ndarray
    vendor: np.ndarray
    segment: np.ndarray
    memory_gb: np.ndarray
    memory_assumed: np.ndarray  # True where memory_gb is a planning assumption (CPUs)
    bandwidth_gbps: np.ndarray
    peaks_tflops: dict[str, np.ndarray]
    tdp_w: np.ndarray
    idle_w: np.ndarray
    interconnect_gbps: np.ndarray
    launch_price_usd: np.ndarray  # USD to buy one: the launch list price, else a dated street/report figure
    cloud_usd_per_hour: np.ndarray
    rows: list[dict]
    price_note: np.ndarray | None = None  # what launch_price_usd is ("launch list price", "report figure 2024-10: ...")

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(cls, rows: list[dict]) -> DeviceTable:
        def col(name: str) -> np.ndarray:
            return np.array([r.get(name, np.nan) for r in rows], dtype=float)

        kind = np.array([r["kind"] for r in rows], dtype=object)
        segment = np.array([r["segment"] for r in rows], dtype=object)
        memory = col("memory_gb")
        assumed = np.isnan(memory) & (kind == "cpu")
        for i in np.flatnonzero(assumed):
            memory[i] = CPU_ASSUMED_MEMORY_GB.get(segment[i], CPU_ASSUMED_MEMORY_GB_DEFAULT)
        return cls(
            ids=np.array([r["id"] for r in rows], dtype=object),
            # An overlay row (someone's CSV, maybe a price of $0.001/h) says so wherever it is
            # listed: CLI tables, GUI rows, charts and the PDF all take their names from here.
            names=np.array([r["name"] + (OVERLAY_MARK if r.get("overlay") else "") for r in rows], dtype=object),
            kind=kind,
            vendor=np.array([r["vendor"] for r in rows], dtype=object),
            segment=segment,
            memory_gb=memory,
            memory_assumed=assumed,
            bandwidth_gbps=col("memory_bandwidth_gbps"),
            # fp4 (Blackwell NVFP4) where the catalog publishes it; NaN elsewhere falls back to fp8.
            peaks_tflops={p: col(c) for p, c in {**PEAK_COLUMNS, "fp4": "fp4_tflops"}.items()},
            tdp_w=col("tdp_w"),
            idle_w=col("idle_w"),
            interconnect_gbps=col("interconnect_gbps"),
            launch_price_usd=np.array([purchase_price(r)[0] for r in rows], dtype=float),
            cloud_usd_per_hour=col("cloud_usd_per_hour"),
            rows=list(rows),
            price_note=np.array([purchase_price(r)[1] for r in rows], dtype=object),
        )

    def take(self, index) -> DeviceTable:
        """A table of the rows at `index` (an int array or a boolean mask)."""
        idx = np.arange(len(self))[index]
        return DeviceTable(
            ids=self.ids[idx], names=self.names[idx], kind=self.kind[idx], vendor=self.vendor[idx],
            segment=self.segment[idx], memory_gb=self.memory_gb[idx], memory_assumed=self.memory_assumed[idx],
            bandwidth_gbps=self.bandwidth_gbps[idx], peaks_tflops={k: v[idx] for k, v in self.peaks_tflops.items()},
            tdp_w=self.tdp_w[idx], idle_w=self.idle_w[idx], interconnect_gbps=self.interconnect_gbps[idx],
            launch_price_usd=self.launch_price_usd[idx], cloud_usd_per_hour=self.cloud_usd_per_hour[idx],
            rows=[self.rows[i] for i in idx],
            price_note=None if self.price_note is None else self.price_note[idx],
        )

    def peak_for(self, precision: str) -> tuple[np.ndarray, np.ndarray]:
        """Dense peak TFLOP/s for math at `precision`, falling back where a device lacks it.

        Returns (peak, precision actually used) per device; NaN/'' where no figure exists.
        """
        chain = FALLBACK[precision]
        peak = np.full(len(self), np.nan)
        used = np.full(len(self), "", dtype=object)
        for p in chain:
            fill = np.isnan(peak) & ~np.isnan(self.peaks_tflops[p])
            peak[fill] = self.peaks_tflops[p][fill]
            used[fill] = p
        return peak, used


def device_table(catalog) -> DeviceTable:
    """The catalog's DeviceTable, built once per Catalog object."""
    table = getattr(catalog, "_device_table", None)
    if table is None:
        table = DeviceTable.from_rows(catalog.rows)
        catalog._device_table = table
    return table
