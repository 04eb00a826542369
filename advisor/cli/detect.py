"""`detect`: this machine's CPU, memory and GPUs, matched to the catalog."""

from __future__ import annotations

import argparse

from advisor.cli.common import add_catalog_arg, examples, load_catalog_for


def register(sub) -> None:
    p = sub.add_parser(
        "detect", help="detect this machine (CPU, memory, GPUs) and match it to the catalog",
        description="Detect this machine's CPU, memory and GPUs and match each to a catalog row. "
                    "Without a GPU or its driver it reports the CPU and says why no GPU was found. "
                    "HWADVISOR_NVML_REPLAY=FILE replays NVML from a capture instead of the real library.",
        epilog=examples("hwadvisor detect", "hwadvisor detect --json",
                        "HWADVISOR_NVML_REPLAY=capture.json hwadvisor detect --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def _v(x, fmt: str = "{}", none: str = "-") -> str:
    return none if x is None or x != x else fmt.format(x)


def run(args) -> int:
    from advisor.cli import print_json
    from advisor.detect import detect_machine

    machine = detect_machine(load_catalog_for(args))
    if args.json:
        print_json(machine.to_dict())
        return 0
    c = machine.cpu
    match = f"catalog: {c.catalog_id}" if c.catalog_id else "no catalog match"
    print(f"CPU     {c.brand or '(brand unknown)'}  [{c.arch}; {match}]")
    print(f"        {_v(c.cores)} cores / {_v(c.threads)} threads, base {_v(c.base_ghz, '{:.2f}')} GHz, "
          f"max {_v(c.max_ghz, '{:.2f}')} GHz; ISA {c.isa}: {' '.join(c.flags) or '-'}")
    print(f"        peak fp32 {_v(c.peak_gflops_fp32, '{:,.0f}')} GFLOP/s, bf16 {_v(c.peak_gflops_bf16, '{:,.0f}')} "
          f"GFLOP/s, int8 {_v(c.peak_gops_int8, '{:,.0f}')} GOP/s (theoretical, at {_v(c.peak_clock_ghz, '{:.2f}')} GHz)")
    print(f"Memory  {machine.memory_gb:,.1f} GiB total, {machine.memory_available_gb:,.1f} GiB available")
    if machine.driver_version:
        print(f"Driver  NVIDIA {machine.driver_version}, CUDA {_v(machine.cuda_version)}")
    if machine.gpus:
        print(f"\n{'#':>2} {'name':<28} {'catalog':<20} {'mem GiB':>8} {'GB/s':>7} {'limit W':>8} {'CC':>4} "
              f"{'PCIe':>7} {'MIG':>4}")
        for g in machine.gpus:
            pcie = f"{g.pcie_gen}x{g.pcie_width}" if g.pcie_gen and g.pcie_width else "-"
            mig = "-" if g.mig_enabled is None else ("on" if g.mig_enabled else "off")
            print(f"{g.index:>2} {g.name[:28]:<28} {(g.catalog_id or '(unknown)')[:20]:<20} "
                  f"{_v(g.memory_gb, '{:,.1f}'):>8} {_v(g.peak_bandwidth_gbps, '{:,.0f}'):>7} "
                  f"{_v(g.power_limit_w, '{:,.0f}'):>8} {_v(g.compute_capability):>4} {pcie:>7} {mig:>4}")
            for note in g.notes:
                print(f"   note: {note}")
    else:
        print("GPUs    none detected")
    for w in machine.warnings:
        print(f"warning: {w}")
    return 0
