"""Assumptions: efficiency factors with their ranges and basis, model constants, economics."""

from __future__ import annotations

from ui.charts import fmt_money
from ui.report.text import esc, table


def build(d, b) -> list:
    return [b.html(assumptions_html(d))]


def assumptions_html(d) -> str:
    from advisor.model import efficiency as E

    e = d.workload.economics
    rows = []
    for name, f in vars(E).items():
        if isinstance(f, E.Factor):
            is_time = name.endswith("_S_PER_LAYER")

            def show(v, is_time=is_time):
                return f"{v * 1e6:g} us" if is_time else f"{v:.0%}"

            label = name.lower().replace("_s_per_layer", "_per_layer").replace("_", " ")
            rows.append(f"<tr><td>{esc(label)}</td>"
                        f"<td class='num'>{show(f.low)}</td><td class='num'><b>{show(f.point)}</b></td>"
                        f"<td class='num'>{show(f.high)}</td><td>{esc(f.why)}</td></tr>")
    consts = [
        ("scaling loss per doubling of devices", f"{E.SCALING_LOSS_FAST:.0%} with a fast interconnect "
         f"(>= {E.FAST_INTERCONNECT_GBPS} GB/s), {E.SCALING_LOSS_PCIE:.0%} over PCIe"),
        ("tensor-parallel loss per doubling", f"{E.TP_LOSS_FAST:.0%} fast interconnect, {E.TP_LOSS_PCIE:.0%} PCIe"),
        ("idle power when not published", f"{E.IDLE_FRACTION_OF_TDP:.0%} of TDP"),
        ("memory headroom", f"{E.USABLE_MEMORY_FRACTION:.0%} of a device is usable; {E.RUNTIME_OVERHEAD_GB:g} GB "
         f"runtime per device + {E.RUNTIME_OVERHEAD_FRACTION:.0%} fragmentation"),
    ]
    econ = [
        ("pricing", "rented: catalog on-demand cloud price per device-hour" if e.mode == "cloud"
         else f"owned: launch price over {e.amortization_years:g} years + electricity"),
        ("electricity", f"{fmt_money(e.electricity_usd_per_kwh)} per kWh"),
        ("PUE (facility overhead)", f"{e.pue:g}"),
        ("carbon intensity", f"{e.carbon_kg_per_kwh:g} kg CO2 per kWh"),
        ("serving utilisation target", f"{e.target_utilization:.0%}"),
        ("horizon", f"{e.horizon_years:g} year(s)"),
    ]
    out = ["<h2>Assumptions</h2><p class='muted'>What fraction of a datasheet peak real software reaches. Every "
           "estimate is computed with the low, default and high values; the ranges in this report come from them. "
           "A probe of a device replaces them for that device.</p>",
           table([("Efficiency factor", False), ("Low", True), ("Default", True), ("High", True), ("Basis", False)],
                  rows),
           "<h3>Other model constants</h3>",
           table([("Constant", False), ("Value", False)],
                  [f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in consts]),
           "<h3>Economics of this workload</h3>",
           table([("Setting", False), ("Value", False)],
                  [f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in econ])]
    return "".join(out)


