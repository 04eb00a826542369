"""From a ranking to a purchase plan: how many of what, what to buy, what it costs to own or rent.

An option is "[N x] DEVICE": N devices hold one copy of the model (a replica), split by tensor
(each layer's matrices across the devices: faster per token, needs the attention heads to
divide by N) or by layers (llama.cpp style: any N, the devices take turns, so one request is no
faster than on one device). The plan adds replicas until the traffic is served at the target
utilisation and within the latency target, then counts hosts, what must be bought beyond what
is owned, the upfront price, the yearly running cost, the total cost over the horizon, what
renting the same fleet costs, and the month buying overtakes renting.

Queueing assumption, stated in every plan: requests arrive as a Poisson stream at the peak
rate (daily traffic / 86,400 s x `economics.peak_to_average`); a replica at batch size b is b
servers, each holding one request for b x the replica's busy time per request (prefill plus
its share of decode). Service times are taken as exponential: M/M/c with c = replicas x b
(Erlang C). That is conservative: LLM service times are nearer constant, and an M/D/c queue
waits about half as long (Kingman's approximation: waiting scales with (1 + cs^2) / 2, cs = 1
for exponential, 0 for constant). The waiting time counts in the latency: the target is
checked at `economics.latency_percentile` (default p95) as the percentile of the M/M/c wait
(P(W > t) = C(c, a) exp(-(c mu - lambda) t)) plus the service latency at the pessimistic end
of the estimate's range.

Hosts: GPUs sit in hosts, sized by device class (sources next to HOST_CLASSES), except rows
whose price and power are a whole computer (catalog `system`: Macs, DGX Spark), which need
none; owned devices are taken to sit in owned hosts. Owned and cloud figures are given side
by side, never mixed in one number: `tco_usd` is what owning costs over the horizon (what must be bought plus the
electricity and hosting of the whole fleet; hardware already owned is paid for), and
`cloud_tco_usd` renting the same fleet around the clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from advisor.errors import BadInput
from advisor.model import efficiency as E
from advisor.model.devices import DeviceTable, device_table
from advisor.model.estimate import MAX_PCIE_DEVICES, MAX_TP_DEVICES, SECONDS_PER_DAY, estimate_table
from advisor.workload import SECTIONS, Workload
from hardware_db.loader import is_system

THIS_MACHINE = "this machine"
HOURS_PER_YEAR = E.HOURS_PER_YEAR
HOURS_PER_MONTH = HOURS_PER_YEAR / 12


@dataclass(frozen=True)
class HostClass:
    """The machine GPUs sit in: how many it holds, what it costs, what it draws besides them."""

    name: str
    devices: int
    price_usd: float
    power_w: float
    source: str


# Slots: "Consumer: two RTX 3080s/RTX 3090s; Prosumer: four A6000s; Enterprise: 8 A100 or A6000
# (PCIe)" and "Standard PC case size: 4 dual-slot GPUs ... 2 3080/3090" (emilwallner.com/p/ml-rig).
# Prices: a 3-GPU desktop rig cost $6,200 with $3,570 of GPUs, so ~$2,600 of host
# (l7.curtisnorthcutt.com/build-pro-deep-learning-workstation, 2019); a 4 x A6000 EPYC rig cost
# EUR 25k with 4 x $4,650 of GPUs, so ~$6,500 of host (emilwallner.com/p/ml-rig). The 8-GPU server
# host ($15,000: dual-socket chassis, 8 x16 slots, 4 PSUs) is an assumption scaled from that rig,
# to be replaced by a quote (economics.host_price_usd). Power besides the GPUs: a desktop CPU,
# board and fans ~150 W; a 32-core EPYC host ~400 W; a dual-socket server 2 x 350 W CPUs + memory,
# fans, NICs ~1,000 W ("CPU TDP (Total) 2 x 350W = 700W", serverrental.store GPU server pages).
HOST_CLASSES = {
    "desktop": HostClass("desktop", 2, 2_600, 150, "emilwallner.com/p/ml-rig; curtisnorthcutt.com 2019 build"),
    "workstation": HostClass("workstation", 4, 6_500, 400, "emilwallner.com/p/ml-rig (4 x A6000, EUR 25k)"),
    "server": HostClass("server", 8, 15_000, 1_000, "8-GPU chassis; 2 x 350 W CPUs (serverrental.store); "
                        "price an assumption"),
}
SEGMENT_HOST = {"consumer": "desktop", "edge": "desktop", "workstation": "workstation",
                "datacenter": "server", "cloud": "server"}

# Precisions from most to least bytes per weight, for "lower precision" fixes.
LOWER_PRECISION = {"fp32": "bf16", "tf32": "bf16", "bf16": "fp8", "fp16": "fp8", "fp8": "int4", "int8": "int4",
                   "q8_0": "q6_k", "q6_k": "q5_k_m", "q5_k_m": "q4_k_m", "q4_k_m": "q3_k_m", "q4_0": "q3_k_m",
                   "q3_k_m": "q2_k"}


def devices_word(n: int) -> str:
    """'1 device', '2 devices'."""
    return f"{n:,} device" if n == 1 else f"{n:,} devices"


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------------------------------
# What the user types


@dataclass(frozen=True)
class Option:
    """One thing to plan: a catalog device, a fixed count per replica (None: the fewest that
    fit), and whether it is this machine (whose devices are all owned)."""

    device_id: str
    count: int | None = None
    this_machine: bool = False
    label: str = ""
    split: str | None = None  # "tensor" | "layers": forced (a fix tried); None: what the engine does
    machine_devices: int = 0  # this machine: its devices of this kind, all owned


def _is_this_machine(text: str) -> bool:
    return re.sub(r"[\s_-]+", " ", text.strip().lower()) in (THIS_MACHINE, "this box", "local", "localhost")


def this_machine_devices(machine=None, catalog=None) -> tuple[str, int, str]:
    """(catalog id, how many, description) of the detected machine's main device.

    The GPUs matched to the catalog (the most numerous model) when there are any, else the
    CPU's catalog row. BadInput when neither is in the catalog.
    """
    if machine is None:
        from advisor.detect import detect_machine

        machine = detect_machine(catalog, fast=True)
    ids = [g.catalog_id for g in machine.gpus if g.catalog_id]
    if ids:
        best = max(set(ids), key=ids.count)
        n = ids.count(best)
        name = next(g.catalog_name or g.name for g in machine.gpus if g.catalog_id == best)
        return best, n, f"this machine: {n} x {name}"
    if machine.cpu.catalog_id:
        return machine.cpu.catalog_id, 1, f"this machine: {machine.cpu.catalog_name or machine.cpu.brand} (no GPU)"
    from advisor.machines import LOCAL_CPU_ID

    if catalog is not None and LOCAL_CPU_ID in catalog.ids():  # the detected CPU's row (with_this_machine)
        return LOCAL_CPU_ID, 1, f"this machine: {machine.cpu.brand or 'its CPU'} (no GPU; peaks from detection)"
    raise BadInput("this machine: neither its GPUs nor its CPU is in the catalog (see `detect`), "
                   "so it cannot be planned; name a device instead")


def parse_option(text: str, catalog, *, machine=None, what: str = "--option") -> Option:
    """'2x rtx 4090', 'rtx 4090', 'RTX 4090 x 3', 'this machine' -> Option. BadInput names `what`."""
    from hardware_db.loader import split_count

    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"{what}: empty; want '[N x] DEVICE' such as '2x rtx 4090' or 'this machine'")
    if _is_this_machine(text):
        dev, n, desc = this_machine_devices(machine, catalog)
        # Its devices are owned; the plan uses as many per replica as the model needs.
        return Option(dev, None, True, desc, machine_devices=n)
    count, name = split_count(text)
    if count is not None and not 1 <= count <= 100_000:
        raise BadInput(f"{what}: device count must be from 1 to 100000, got {count} in '{text.strip()[:60]}'")
    try:
        # resolve_name also reads vendor prefixes, memory sizes and default variants ("A100")
        row = catalog.resolve_name(name).row if hasattr(catalog, "resolve_name") else catalog.resolve(name)
    except BadInput as e:
        raise BadInput(str(e).replace("--device", what, 1)) from None
    label = f"{count} x {row['name']}" if count else row["name"]
    return Option(row["id"], count, False, label)


def parse_owned(texts, catalog, *, machine=None) -> dict[str, int]:
    """--own values ('1x rtx 4090', 'this machine') -> device id -> count owned."""
    owned: dict[str, int] = {}
    for t in texts or ():
        o = parse_option(t, catalog, machine=machine, what="--own")
        owned[o.device_id] = owned.get(o.device_id, 0) + (o.count or o.machine_devices or 1)
    return owned


def parse_prices(texts, catalog) -> dict[str, float]:
    """--price values ('rtx 6000 ada=6800', 'rtx 4090 = $1,599') -> device id -> USD."""
    prices: dict[str, float] = {}
    for t in texts or ():
        if not isinstance(t, str) or "=" not in t:
            raise BadInput(f"--price: want DEVICE=USD such as 'rtx 6000 ada=6800', got '{str(t)[:60]}'")
        name, _, value = t.rpartition("=")
        raw = value.strip().replace("$", "").replace(",", "").replace("_", "")
        try:
            usd = float(raw)
        except ValueError:
            raise BadInput(f"--price: the price must be a number of US dollars, got '{value.strip()[:30]}'") from None
        if not math.isfinite(usd) or not 0 < usd <= 10_000_000:
            raise BadInput(f"--price: the price must be more than 0 and at most 10000000 USD, got '{value.strip()[:30]}'")
        try:
            row = catalog.resolve_name(name).row if hasattr(catalog, "resolve_name") else catalog.resolve(name)
        except BadInput as e:
            raise BadInput(str(e).replace("--device", "--price", 1)) from None
        prices[row["id"]] = usd
    return prices


# ---------------------------------------------------------------------------------------------
# Queueing


ERLANG_EXACT_MAX = 2_000  # servers up to which Erlang C is computed exactly


def erlang_c(c: int, a: float) -> float:
    """Probability an arrival waits in an M/M/c queue with offered load a = lambda / mu (< c).

    Erlang B by its stable recursion B(k) = a B(k-1) / (k + a B(k-1)), then
    C = c B / (c - a (1 - B)).
    """
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    if c > ERLANG_EXACT_MAX:
        # Large fleets: the Halfin-Whitt limit (Halfin & Whitt 1981), C ~ 1 / (1 + beta Phi(beta) / phi(beta))
        # with beta = (c - a) / sqrt(a); exact to a few per cent at these sizes, and O(1) not O(c).
        beta = (c - a) / math.sqrt(a)
        if beta > 8:
            return 0.0
        phi = math.exp(-beta * beta / 2) / math.sqrt(2 * math.pi)
        cdf = 0.5 * (1 + math.erf(beta / math.sqrt(2)))
        return 1.0 / (1.0 + beta * cdf / phi)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def wait_s(c: int, a: float, service_s: float, percentile: float) -> tuple[float, float]:
    """(mean wait, percentile wait) in seconds of an M/M/c queue; inf when unstable."""
    if a >= c:
        return math.inf, math.inf
    pw = erlang_c(c, a)
    drain = (c - a) / service_s  # c mu - lambda, per second
    mean = pw / drain
    tail = 1 - percentile / 100
    pct = math.log(pw / tail) / drain if pw > tail else 0.0
    return mean, pct


# ---------------------------------------------------------------------------------------------
# Planning


def _split(wl: Workload, n: int, forced: str | None = None) -> str:
    """How the engine splits one replica over n devices.

    GGUF files run on llama.cpp, whose default multi-GPU mode splits layers (any count). Other
    precisions run on vLLM/TensorRT-style engines: tensor parallel where the attention heads
    divide by n, else layers (pipeline stages). A workload's `inference.split` wins when set.
    """
    if n <= 1:
        return "none"
    if forced:
        return forced
    inf = wl.inference
    chosen = getattr(inf, "split", "auto") if inf is not None else "auto"
    if chosen in ("tensor", "layers"):
        return chosen
    engine = getattr(inf, "engine", "auto") if inf is not None else "auto"
    gguf = inf is not None and inf.precision.startswith("q")
    if engine in ("llama.cpp", "ollama", "lm studio", "mlx") or (engine == "auto" and gguf):
        return "layers"
    heads = wl.model.heads
    if heads is None:
        return "tensor" if n & (n - 1) == 0 else "layers"
    kv = wl.model.kv_heads or heads
    return "tensor" if heads % n == 0 and (kv % n == 0 or n % kv == 0) else "layers"


# A row whose price and power are a whole computer (a Mac, DGX Spark; hardware_db `system`
# column): each device is its own host and nothing is added for one, whatever the workload's
# economics.host_* say (those describe hosts for cards).
WHOLE_COMPUTER = HostClass("whole-computer", 1, 0.0, 0.0, "hardware_db: the row's price and power are the whole computer")


def _host_class(table: DeviceTable, wl: Workload) -> HostClass:
    if is_system(table.rows[0]):
        return WHOLE_COMPUTER
    base = HOST_CLASSES[SEGMENT_HOST.get(table.segment[0], "server")]
    e = wl.economics
    return HostClass(base.name, e.devices_per_host or base.devices,
                     base.price_usd if e.host_price_usd is None else e.host_price_usd,
                     base.power_w if e.host_power_w is None else e.host_power_w, base.source)


def _hosts(devices_per_replica: int, replicas: int, slots: int) -> int:
    if devices_per_replica <= slots:
        per_host = slots // devices_per_replica
        return math.ceil(replicas / per_host)
    return replicas * math.ceil(devices_per_replica / slots)


def _table_of(source) -> DeviceTable:
    """A DeviceTable from a Catalog, or the table itself (the GUI adds this machine's CPU row)."""
    return source if isinstance(source, DeviceTable) else device_table(source)


def _sub_table(catalog, device_id: str, price: float | None) -> DeviceTable:
    table = _table_of(catalog)
    idx = np.flatnonzero(table.ids == device_id)
    if not len(idx):
        raise BadInput(f"plan: '{device_id}' is not in the catalog")
    sub = table.take(idx[:1])
    if price is not None:
        sub.launch_price_usd[0] = price
        sub.rows[0] = {**sub.rows[0], "launch_price_usd": price}
        if getattr(sub, "price_note", None) is not None:
            sub.price_note[0] = "typed price"
    return sub


def _price_note(sub: DeviceTable) -> str:
    """What the catalog's purchase price is: a launch list price, or a dated street/report figure."""
    note = getattr(sub, "price_note", None)
    return str(note[0]) if note is not None and note[0] else "launch list price"


def _fewest_that_fit(wl: Workload, sub: DeviceTable, calibrations) -> int | None:
    """The fewest devices whose memory holds one replica (any count: layer split allows it)."""
    fast = sub.interconnect_gbps[0] >= E.FAST_INTERCONNECT_GBPS
    limit = MAX_TP_DEVICES if fast else MAX_PCIE_DEVICES
    cap = sub.memory_gb[0] * E.USABLE_MEMORY_FRACTION
    if not (np.isfinite(cap) and cap > 0):
        return None
    # First guess from one device's need: the model's bytes divide over n devices, the runtime's
    # fixed share does not (estimate._inference). The estimate at that count has the last word.
    one = estimate_table(wl, sub, count=1, calibrations=calibrations).point
    if one["inf_fits"][0]:
        return 1
    fixed = E.RUNTIME_OVERHEAD_GB
    need = one["inf_memory_required_gb"][0] - fixed
    start = int(np.ceil(need / (cap - fixed))) if cap > fixed and np.isfinite(need) else 2
    for n in range(max(2, min(limit, start)), limit + 1):
        if estimate_table(wl, sub, count=n, calibrations=calibrations).point["inf_fits"][0]:
            return n
    return None


def _replicas(lam: float, busy_s: float, batch: int, latency_s: float, util: float,
              slo_s: float | None, pct: float) -> tuple[int, float, float]:
    """(replicas, mean wait s, percentile wait s): the fewest replicas at or under the target
    utilisation whose percentile latency (wait + `latency_s`) meets `slo_s`."""
    if lam <= 0:
        return 1, 0.0, 0.0
    r = max(1, math.ceil(lam * busy_s / util - 1e-9))
    service = busy_s * batch  # one slot holds a request this long
    for _ in range(10_000):
        c = r * batch
        mean, p = wait_s(c, lam * service, service, pct)
        if slo_s is None or latency_s + p <= slo_s or latency_s > slo_s or p == 0.0:
            return r, mean, p
        r += 1
    return r, mean, p


def _inference_plan(wl, sub, option, calibrations) -> dict:
    if option.split and "split" in {f.key for f in SECTIONS["inference"]}:
        wl = _with_inference(wl, split=option.split) or wl  # a fix tried: the split forced
    e, inf = wl.economics, wl.inference
    n = option.count or _fewest_that_fit(wl, sub, calibrations)
    fits_somewhere = n is not None
    n = n or 1
    est = estimate_table(wl, sub, count=n, calibrations=calibrations)
    if "split" in est.point:  # the engine's split, as the estimate models it (advisor.model.engines)
        split = str(est.point["split"][0])
        timing = est
    else:
        # Layers split over n devices: each token passes the devices in turn, so a request is as
        # fast as on one device (memory aside); tensor split: the estimate's n-way speed-up.
        split = _split(wl, n, option.split)
        timing = est if split != "layers" else estimate_table(wl, sub, count=1, calibrations=calibrations)
    p = timing.point
    fits = bool(est.point["inf_fits"][0]) and fits_somewhere
    lat_s = _num(p["request_latency_ms"][0])
    lat_hi_s = max(_num(timing.low["request_latency_ms"][0]) or 0, _num(timing.high["request_latency_ms"][0]) or 0)
    cap = _num(p["capacity_requests_per_day"][0])
    why: list[str] = []
    out: dict = {"devices_per_replica": n, "split": split, "fits": fits}
    if lat_s is None or not cap:
        out.update(replicas=None, meets_latency_slo=False, request_latency_ms=None, utilization=None)
        why.append("the catalog lacks the peak figures needed to estimate it")
        return out | {"why": why, "_est": est}
    lat_s, lat_hi_s = lat_s / 1e3, lat_hi_s / 1e3
    busy = SECONDS_PER_DAY * e.target_utilization / cap  # replica-seconds per request
    b = inf.batch_size
    lam = inf.requests_per_day / SECONDS_PER_DAY * e.peak_to_average
    slo = inf.latency_slo_ms / 1e3 if inf.latency_slo_ms else None
    r, mean_w, pct_w = _replicas(lam, busy, b, lat_hi_s, e.target_utilization, slo, e.latency_percentile)
    total_replicas = r + e.spare_replicas
    p95 = lat_hi_s + pct_w
    meets = (slo is None or p95 <= slo) and fits  # a replica that cannot hold the model serves nothing
    # Average utilisation of the fleet (over the day, not the peak), the duty that sets energy.
    duty = min(1.0, inf.requests_per_day / SECONDS_PER_DAY * busy / total_replicas)
    out.update({
        "replicas": total_replicas, "replicas_for_traffic": r, "spare_replicas": e.spare_replicas,
        "meets_latency_slo": bool(meets),
        "request_latency_ms": (lat_s + mean_w) * 1e3,
        "request_latency_p_ms": p95 * 1e3, "latency_percentile": e.latency_percentile,
        "wait_ms": mean_w * 1e3,
        "utilization": lam * busy / r, "utilization_average": duty,
        "peak_requests_per_s": lam,
    })
    if not fits:
        why.append(f"does not fit: {est.point['inf_memory_per_device_gb'][0]:.0f} GB needed per device, "
                   f"{sub.memory_gb[0]:g} GB per card" + ("" if option.count else " at any count one host holds"))
    per = f"{devices_word(n)} per replica" + ("" if n == 1 else f" ({split} split)")
    why.append(f"{per} x {total_replicas:,} replica{'s' if total_replicas != 1 else ''}"
               + (f" ({r:,} for the traffic + {e.spare_replicas:,} spare)" if e.spare_replicas else ""))
    why.append(f"peak {lam:,.2f} requests/s ({e.peak_to_average:g} x the daily average) at "
               f"{lam * busy / r:.0%} busy (target {e.target_utilization:.0%})")
    lat_txt = f"p{e.latency_percentile:g} latency {p95 * 1e3:,.0f} ms incl. {pct_w * 1e3:,.0f} ms queueing (M/M/c)"
    if slo is not None:
        lat_txt += f" {'within' if meets else 'MISSES'} the {slo * 1e3:,.0f} ms target"
        if not meets and lat_s + mean_w <= slo:
            lat_txt += " (the central estimate meets it: its range crosses the target)"
    why.append(lat_txt)
    # Energy: each device idles between requests; the host draws its own power all the time.
    idle = sub.idle_w[0] if np.isfinite(sub.idle_w[0]) else sub.tdp_w[0] * E.IDLE_FRACTION_OF_TDP
    busy_w = timing.point["busy_power_w"][0]
    dev_w = idle + duty * (busy_w - idle)
    out["_energy"] = {"device_avg_w": _num(dev_w), "duty": duty}
    out["_est"] = est
    out["why"] = why
    return out


def plan_option(wl: Workload, catalog, option: Option, *, owned: dict[str, int] | None = None,
                prices: dict[str, float] | None = None, calibrations=None) -> dict:
    """The plan object (DESIGN.md "Plans") for one option."""
    owned = owned or {}
    prices = prices or {}
    e = wl.economics
    sub = _sub_table(catalog, option.device_id, prices.get(option.device_id))
    host = _host_class(sub, wl)
    have = owned.get(option.device_id, 0) + option.machine_devices
    row_name = sub.names[0]
    label = option.label or (f"{option.count} x {row_name}" if option.count else row_name)
    if wl.inference is not None:
        out = _inference_plan(wl, sub, option, calibrations)
    else:
        out = _training_only(wl, sub, option, calibrations)
    est = out.pop("_est")
    energy = out.pop("_energy", None)
    n = out["devices_per_replica"]
    replicas = out.get("replicas") or 1
    total = n * replicas
    owned_used = min(have, total)
    to_buy = total - owned_used
    hosts = _hosts(n, replicas, host.devices)
    owned_devices_all = sum(owned.values()) + option.machine_devices
    hosts_owned = min(hosts, math.ceil(owned_devices_all / host.devices)) if owned_devices_all else 0
    hosts_to_buy = hosts - hosts_owned
    unit = _num(sub.launch_price_usd[0])
    cloud_h = _num(sub.cloud_usd_per_hour[0])
    price_missing = []
    if unit is None and to_buy > 0:
        price_missing.append(option.device_id)
    host_upfront = hosts_to_buy * host.price_usd
    upfront = None if (unit is None and to_buy > 0) else to_buy * (unit or 0.0) + host_upfront
    if e.mode == "cloud" and cloud_h is None and option.device_id not in price_missing:
        price_missing.append(option.device_id)
    out.update({
        "label": label, "device": option.device_id, "device_name": row_name,
        "this_machine": option.this_machine, "devices_total": total, "owned": owned_used,
        "owned_unused": max(0, have - total), "to_buy": to_buy,
        "hosts": hosts, "hosts_owned": hosts_owned, "hosts_to_buy": hosts_to_buy, "host_class": host.name,
        "devices_per_host": host.devices, "host_price_usd": host.price_usd, "host_power_w": host.power_w,
        "unit_price_usd": unit, "unit_price_source": "--price" if option.device_id in (prices or {}) else
        (_price_note(sub) if unit is not None else None),
        "host_upfront_usd": host_upfront, "upfront_usd": upfront,
        "cloud_usd_per_device_hour": cloud_h, "price_missing": price_missing, "calibrated": bool(est.calibrated[0]),
        "horizon_years": e.horizon_years, "mode": e.mode,
    })
    if wl.inference is not None:
        _running_costs(wl, out, energy, hosts, host, total, cloud_h)
        why = out["why"]
        if not out["fits"]:
            why.insert(0, "as named it cannot hold the model: nothing here is a working plan")
        elif to_buy == 0:
            why.insert(0, f"nothing to buy: the {devices_word(owned_used)} owned "
                          f"{'covers' if owned_used == 1 else 'cover'} it")
        else:
            why.insert(0, f"buy {devices_word(to_buy)}" + (f" and {hosts_to_buy} {host.name} host"
                                                           f"{'s' if hosts_to_buy != 1 else ''}"
                                                           if hosts_to_buy and host is not WHOLE_COMPUTER else "")
                       + (f" ({owned_used:,} owned)" if owned_used else ""))
        if out["fits"] and not out["meets_latency_slo"] and out.get("replicas"):
            out["fixes"] = _fixes(wl, catalog, option, owned, prices, calibrations, n)
            if out["fixes"]:
                why.append("fix: " + "; ".join(f["change"] for f in out["fixes"] if f["meets_latency_slo"])
                           if any(f["meets_latency_slo"] for f in out["fixes"])
                           else "no single change tried (more devices per replica, batch 1, lower precision) meets it")
        if price_missing:
            why.append(f"no price for {row_name}: give one with --price '{row_name}=USD'")
    if wl.training is not None:
        out["training"] = training_plan(wl, catalog, option, owned=owned, prices=prices, calibrations=calibrations)
        if wl.inference is not None:
            t_kwh, y_kwh = out["training"]["energy_kwh"], out.get("energy_kwh_per_year")
            if t_kwh is not None and y_kwh is not None:
                from advisor.yardstick import co2_in_words

                i_kwh = y_kwh * e.horizon_years
                out["lifecycle_energy"] = {
                    "training_energy_kwh": t_kwh, "inference_energy_kwh": i_kwh,
                    "inference_energy_share": i_kwh / (t_kwh + i_kwh) if t_kwh + i_kwh > 0 else None,
                    "training_co2_kg": t_kwh * e.carbon_kg_per_kwh, "inference_co2_kg": i_kwh * e.carbon_kg_per_kwh,
                }
                out["why"].append(f"energy: training {t_kwh:,.0f} kWh once, serving {i_kwh:,.0f} kWh over "
                                  f"{e.horizon_years:g} year(s); "
                                  + co2_in_words((t_kwh + i_kwh) * e.carbon_kg_per_kwh))
        if wl.inference is None:
            out.update({k: out["training"][k] for k in ("tco_usd", "cloud_tco_usd", "yearly_usd", "breakeven_months",
                                                        "why", "energy_kwh_per_year", "co2_kg_per_year")})
    out["assumptions"] = assumptions(wl, host)
    if option.this_machine:
        need = None
        if not out.get("fits") and wl.inference is not None:
            need = _fewest_that_fit(wl, _sub_table(catalog, option.device_id, None), calibrations)
        elif not out.get("fits") and wl.training is not None:
            need = out["training"].get("devices")
        out["why"].insert(0, _verdict(out, option, need))
    return out


def _running_costs(wl, out, energy, hosts, host, total, cloud_h) -> None:
    e = wl.economics
    dev_w = energy["device_avg_w"] if energy and energy["device_avg_w"] is not None else math.nan
    it_w = total * dev_w + hosts * host.power_w
    kwh_year = it_w * e.pue * HOURS_PER_YEAR / 1000
    electricity = kwh_year * e.electricity_usd_per_kwh
    hosting = hosts * e.hosting_usd_per_host_year
    yearly = electricity + hosting
    upfront = out["upfront_usd"]
    out.update({
        "power_w": _num(it_w * e.pue), "energy_kwh_per_year": _num(kwh_year),
        "co2_kg_per_year": _num(kwh_year * e.carbon_kg_per_kwh),
        "electricity_usd_per_year": _num(electricity), "hosting_usd_per_year": hosting,
        "yearly_usd": _num(yearly),
        "tco_usd": _num(upfront + yearly * e.horizon_years) if upfront is not None else None,
        "cloud_usd_per_year": _num(cloud_h * total * HOURS_PER_YEAR) if cloud_h is not None else None,
        "cloud_tco_usd": _num(cloud_h * total * HOURS_PER_YEAR * e.horizon_years) if cloud_h is not None else None,
    })
    out["breakeven_months"] = breakeven_months(upfront, yearly, out["cloud_usd_per_year"])
    if out["tco_usd"] is not None and out["cloud_tco_usd"] is not None:
        cheaper = "owning" if out["tco_usd"] <= out["cloud_tco_usd"] else "renting"
        be = out["breakeven_months"]
        out["why"].append(f"over {e.horizon_years:g} year(s): own ${out['tco_usd']:,.0f} vs rent "
                          f"${out['cloud_tco_usd']:,.0f}: {cheaper} is cheaper"
                          + ("; nothing to buy" if upfront == 0 else
                             f"; buying pays off after {be:.1f} months" if be is not None else "; buying never pays off"))


def breakeven_months(upfront: float | None, yearly_owned: float, cloud_yearly: float | None) -> float | None:
    """Months until upfront + owned running costs fall below renting; None: never (or unknown)."""
    if upfront is None or cloud_yearly is None or not math.isfinite(yearly_owned):
        return None
    saving = (cloud_yearly - yearly_owned) / 12
    if upfront <= 0:
        return 0.0 if saving >= 0 else None
    return upfront / saving if saving > 0 else None


def _fixes(wl, catalog, option, owned, prices, calibrations, n) -> list[dict]:
    """Plans with one change each that may bring the percentile latency under the target."""
    from dataclasses import replace

    tries: list[tuple[str, Workload, Option]] = []
    sub = _sub_table(catalog, option.device_id, None)
    limit = MAX_TP_DEVICES if sub.interconnect_gbps[0] >= E.FAST_INTERCONNECT_GBPS else MAX_PCIE_DEVICES
    heads = wl.model.heads
    for m in range(n + 1, limit + 1):
        if (heads and heads % m) or (not heads and m & (m - 1)):
            continue
        tries.append((f"{m} x {sub.names[0]} per replica, tensor split (vLLM tensor parallel, "
                      "llama.cpp --split-mode row)", wl,
                      replace(option, count=m, this_machine=False, split="tensor", label=f"{m} x {sub.names[0]}")))
        break
    if wl.inference.batch_size > 1:
        tries.append(("batch size 1", _with_inference(wl, batch_size=1), option))
    lower = LOWER_PRECISION.get(wl.inference.precision)
    if lower:
        tries.append((f"precision {lower}", _with_inference(wl, precision=lower), option))
    out = []
    for change, w2, o2 in tries:
        if w2 is None:
            continue
        p = plan_option(w2, catalog, o2, owned=owned, prices=prices, calibrations=calibrations) \
            if w2.inference.latency_slo_ms else None
        if p is None:
            continue
        out.append({"change": change, "label": p["label"], "meets_latency_slo": p["meets_latency_slo"],
                    "request_latency_p_ms": p.get("request_latency_p_ms"), "devices_total": p["devices_total"],
                    "to_buy": p["to_buy"], "upfront_usd": p["upfront_usd"], "plan": _strip(p)})
    return out


def _strip(p: dict) -> dict:
    return {k: v for k, v in p.items() if k not in ("fixes", "training", "assumptions")}


def _with_inference(wl: Workload, **changes) -> Workload | None:
    from advisor.workload import workload_from_dict

    d = wl.to_dict()
    d["inference"].update(changes)
    try:
        return workload_from_dict(d, "plan")
    except BadInput:
        return None  # e.g. a split field this version of the workload does not know yet


def _training_only(wl, sub, option, calibrations) -> dict:
    est = estimate_table(wl, sub, count=option.count, calibrations=calibrations)
    n = est.point["train_devices"][0]
    n = int(n) if np.isfinite(n) else (option.count or 1)
    return {"devices_per_replica": n, "split": "data parallel" if n > 1 else "none", "replicas": 1,
            "fits": bool(est.point["train_fits"][0]), "meets_latency_slo": True, "request_latency_ms": None,
            "utilization": None, "why": [], "_est": est}


def training_plan(wl: Workload, catalog, option: Option, *, owned=None, prices=None, calibrations=None) -> dict:
    """Devices for the target days, what buying them (with hosts) or renting them costs.

    A one-off run on bought hardware is charged its full purchase (capex) plus electricity:
    the hardware outlives the run, but the run is why it was bought; what it fetches when sold
    again is not guessed here.
    """
    owned, prices = owned or {}, prices or {}
    e, tr = wl.economics, wl.training
    sub = _sub_table(catalog, option.device_id, prices.get(option.device_id))
    host = _host_class(sub, wl)
    est = estimate_table(wl, sub, count=option.count, calibrations=calibrations)
    p = est.point
    n_raw = p["train_devices"][0]
    n = int(n_raw) if np.isfinite(n_raw) else None
    mem = sub.memory_gb[0]
    why: list[str] = []
    per_dev_need = _num(p["train_memory_per_device_gb"][0])
    total_state = sum(_num(p[k][0]) or 0 for k in ("mem_train_weights_gb", "mem_gradients_gb", "mem_optimizer_gb"))
    need_one = total_state + (_num(p["mem_activations_gb"][0]) or 0) + (_num(p["mem_train_overhead_gb"][0]) or 0)
    if need_one > mem * E.USABLE_MEMORY_FRACTION:
        why.append(f"does not fit one card: {need_one:,.0f} GB needed, {mem:g} GB per card "
                   f"(weights, gradients and {tr.optimizer} state split over devices)")
    fits = bool(p["train_fits"][0]) and n is not None
    if not fits:
        why.append(f"training does not fit on {n or option.count or '?'} x {mem:g} GB"
                   + (f" ({per_dev_need:,.0f} GB per device needed)" if per_dev_need else ""))
    hours = _num(p["time_hours"][0])
    n_eff = n or 1
    have = min(owned.get(option.device_id, 0) + option.machine_devices, n_eff)
    to_buy = n_eff - have
    hosts = math.ceil(n_eff / host.devices)
    owned_all = sum(owned.values()) + option.machine_devices
    hosts_owned = min(hosts, math.ceil(owned_all / host.devices)) if owned_all else 0
    unit = _num(sub.launch_price_usd[0])
    cloud_h = _num(sub.cloud_usd_per_hour[0])
    host_upfront = (hosts - hosts_owned) * host.price_usd
    upfront = None if (unit is None and to_buy) else to_buy * (unit or 0) + host_upfront
    fast = sub.interconnect_gbps[0] >= E.FAST_INTERCONNECT_GBPS
    link = sub.rows[0].get("interconnect") or ("fast interconnect" if fast else "PCIe")
    if hosts > 1:
        interconnect = f"{link} inside each host; {hosts} hosts need a cluster network (InfiniBand/RoCE class)"
    else:
        interconnect = f"{link} inside one host"
    kwh = _num(p["energy_kwh"][0])
    host_kwh = hosts * host.power_w * (hours or 0) / 1000 * e.pue
    kwh_total = (kwh or 0) + host_kwh if kwh is not None else None
    electricity = kwh_total * e.electricity_usd_per_kwh if kwh_total is not None else None
    capex_total = upfront + electricity if upfront is not None and electricity is not None else None
    rent = cloud_h * n_eff * hours if cloud_h is not None and hours is not None else None
    if hours is not None and n:
        took = f"{hours:,.1f} hours" if hours < 48 else f"{hours / 24:,.1f} days"
        why.append(f"{devices_word(n)} train it in {took} (target {tr.target_days:g} days)"
                   if tr.devices is None and option.count is None else f"{devices_word(n)}: {took}")
    why.append(f"interconnect: {interconnect}")
    if capex_total is not None:
        why.append(f"buying: ${upfront:,.0f} upfront (incl. {hosts - hosts_owned} host(s)) + ${electricity:,.0f} "
                   "electricity, charged to this run as capex (resale not counted)")
    if rent is not None:
        why.append(f"renting {devices_word(n_eff)} for the run: ${rent:,.0f}")
    return {
        "devices": n, "fits": fits, "time_hours": hours, "to_buy": to_buy, "owned": have, "hosts": hosts,
        "hosts_to_buy": hosts - hosts_owned, "unit_price_usd": unit, "host_upfront_usd": host_upfront,
        "upfront_usd": upfront, "interconnect": interconnect, "energy_kwh": kwh_total,
        "co2_kg": kwh_total * e.carbon_kg_per_kwh if kwh_total is not None else None,
        "electricity_usd": electricity, "capex_usd": capex_total, "rent_usd": rent,
        "memory_needed_one_device_gb": need_one, "memory_per_device_gb": _num(mem),
        "price_missing": [option.device_id] if unit is None and to_buy else [],
        # For a training-only plan these are its headline figures.
        "tco_usd": capex_total, "cloud_tco_usd": rent, "yearly_usd": None,
        "breakeven_months": None, "energy_kwh_per_year": None, "co2_kg_per_year": None,
        "why": why,
    }


def _verdict(plan: dict, option: Option, need: int | None = None) -> str:
    if not plan.get("fits"):
        have = option.machine_devices or option.count or 1
        if need and need > have:
            more = need - have
            return (f"{option.label}: cannot hold it; add {devices_word(more)} of the same "
                    f"({need} in all hold one copy), or choose another option")
        return f"{option.label}: cannot hold it on any count of this device one host takes; choose another option"
    if plan.get("meets_latency_slo") is False:
        return f"{option.label}: runs it but misses the latency target"
    extra = plan["to_buy"]
    if extra:
        return f"{option.label}: can do it with {devices_word(extra)} more of the same"
    return f"{option.label}: can do it as it is"


def assumptions(wl: Workload, host: HostClass | None = None) -> list[str]:
    """The plain-language assumptions every plan rests on (for the CLI, the GUI and the PDF)."""
    e = wl.economics
    out = []
    if wl.inference is not None:
        out += [
            f"traffic peaks at {e.peak_to_average:g} x the daily average; replicas are sized for the peak at "
            f"{e.target_utilization:.0%} busy" + (f", plus {e.spare_replicas} spare" if e.spare_replicas else ", no spare"),
            "queueing: Poisson arrivals, exponential service (M/M/c, c = replicas x batch); conservative for "
            "LLM serving, whose near-constant service times wait about half as long",
            f"latency checked at p{e.latency_percentile:g}: the queueing wait plus the slow end of the estimate's range",
        ]
    if host is WHOLE_COMPUTER:
        out.append("hosts: none added; the catalog's price and power for this device are of the whole computer")
    elif host is not None:
        out.append(f"hosts: a {host.name} holds {host.devices} GPUs, costs ${host.price_usd:,.0f} and draws "
                   f"{host.power_w:,.0f} W besides them (economics.host_price_usd / host_power_w / devices_per_host)")
    out.append(f"owning: what must be bought + electricity at ${e.electricity_usd_per_kwh:g}/kWh x PUE {e.pue:g}"
               + (f" + ${e.hosting_usd_per_host_year:,.0f} hosting per host-year" if e.hosting_usd_per_host_year else "")
               + "; hardware already owned costs nothing more; renting: the catalog's on-demand price around the clock")
    return out


def default_options(wl: Workload, catalog, *, top: int = 3, calibrations=None, prices=None) -> list[Option]:
    """The top recommended devices as options (count left to the planner)."""
    from advisor.model.estimate import estimate_table as est_table
    from advisor.recommend import rank

    table = _table_of(catalog)
    if prices:
        table = table.take(np.arange(len(table)))
        for dev, usd in prices.items():
            idx = np.flatnonzero(table.ids == dev)
            table.launch_price_usd[idx] = usd
    est = est_table(wl, table, calibrations=calibrations)
    rk = rank(est)
    return [Option(str(est.table.ids[i]), None, False, str(est.table.names[i])) for i in rk.order[:top]]


def plan(wl: Workload, catalog, options: list[Option] | None = None, *, owned: dict[str, int] | None = None,
         prices: dict[str, float] | None = None, top: int = 3, calibrations=None) -> dict:
    """The `plan --json` object: {"workload", "mode", "options": [plan, ...], "assumptions"}."""
    opts = options or default_options(wl, catalog, top=top, calibrations=calibrations, prices=prices)
    plans = [plan_option(wl, catalog, o, owned=owned, prices=prices, calibrations=calibrations) for o in opts]
    if not options:  # the planner's own picks: those meeting the target first, then the cheapest to own
        plans.sort(key=lambda p: (not p["fits"], not p["meets_latency_slo"],
                                  p["tco_usd"] if p.get("tco_usd") is not None else math.inf))
    return {"workload": wl.name, "phase": wl.phase, "mode": wl.economics.mode, "options": plans,
            "owned": dict(owned or {}), "prices": dict(prices or {}),
            "assumptions": assumptions(wl)}


def _fmt_money(x) -> str:
    return "n/a" if x is None else f"${x:,.0f}"


def format_plan(out: dict) -> str:
    """Plain text of a `plan()` result: one block per option, owned and cloud side by side."""
    lines = [f"{out['workload']}: {out['phase']} plan ({out['mode']} mode is the workload's; both shown)"]
    for o in out["options"]:
        lines.append("")
        shape = (f"{o['devices_per_replica']} per replica x {o.get('replicas') or 1} = "
                 if out["phase"] != "training" else "")
        lines.append(f"{o['label']}{'' if o['fits'] else ' (DOES NOT FIT)'}: "
                     f"{shape}{devices_word(o['devices_total'])}; owned {o['owned']}, to buy {o['to_buy']}, "
                     f"{o['hosts']} {o['host_class']} host{'s' if o['hosts'] != 1 else ''}")
        src = o.get("unit_price_source")
        unit = _fmt_money(o["unit_price_usd"]) + (" (--price)" if src == "--price" else
                                                  f" ({src})" if src and src != "launch list price" else "")
        lines.append(f"  upfront {_fmt_money(o['upfront_usd'])} = {o['to_buy']} x {unit} + hosts "
                     f"{_fmt_money(o['host_upfront_usd'])}")
        if o.get("yearly_usd") is not None:
            lines.append(f"  per year {_fmt_money(o['yearly_usd'])} (electricity, hosting); "
                         f"{o['horizon_years']:g}-year TCO owned {_fmt_money(o['tco_usd'])} | rented "
                         f"{_fmt_money(o['cloud_tco_usd'])}; break-even "
                         + ("nothing to buy" if o["upfront_usd"] == 0 else "never" if o["breakeven_months"] is None
                            else f"{o['breakeven_months']:.1f} months"))
        elif o.get("tco_usd") is not None or o.get("cloud_tco_usd") is not None:
            lines.append(f"  run bought {_fmt_money(o['tco_usd'])} | rented {_fmt_money(o['cloud_tco_usd'])}")
        if o.get("request_latency_p_ms") is not None:
            lines.append(f"  latency mean {o['request_latency_ms']:,.0f} ms, p{o['latency_percentile']:g} "
                         f"{o['request_latency_p_ms']:,.0f} ms -> "
                         + ("DOES NOT FIT" if not o["fits"] else
                            "meets the target" if o["meets_latency_slo"] else "MISSES the target")
                         + f"; peak utilisation {o['utilization']:.0%}")
        if o["price_missing"]:
            lines.append(f"  price missing: {', '.join(o['price_missing'])}")
        for w in o["why"]:
            lines.append(f"  - {w}")
        for f in o.get("fixes", []):
            lines.append(f"  fix? {f['change']}: p95 {f['request_latency_p_ms'] or 0:,.0f} ms, "
                         f"{'meets' if f['meets_latency_slo'] else 'still misses'}; buy {f['to_buy']}, "
                         f"upfront {_fmt_money(f['upfront_usd'])}")
        if "training" in o and out["phase"] == "both":
            t = o["training"]
            lines.append("  training: " + "; ".join(t["why"]))
    lines.append("")
    lines.append("assumptions:")
    lines += [f"  - {a}" for a in out["assumptions"]]
    return "\n".join(lines)


def money(x) -> str:
    """Whole dollars as the CLI, the GUI and the PDF all print them ('$1,599'; 'n/a' unknown)."""
    return _fmt_money(x)


def tco_years(p: dict, years: float = 3) -> float | None:
    """Owning over `years`: upfront + yearly running cost x years (a training plan: its capex)."""
    if p.get("upfront_usd") is None:
        return None
    if p.get("yearly_usd") is None:
        return p.get("tco_usd")
    return p["upfront_usd"] + p["yearly_usd"] * years


def plan_rows(p: dict) -> list[tuple[str, str]]:
    """(label, text) rows of one plan, the same words in the GUI's Plans view and the PDF."""
    rows = [
        ("Device", p["device_name"]),
        ("Per replica", f"{devices_word(p['devices_per_replica'])}" + ("" if p["split"] in ("none", None)
                                                                       else f" ({p['split']} split)")),
        ("Replicas", f"{p.get('replicas') or 1:,}"),
        ("Devices in all", f"{p['devices_total']:,}"),
        ("Fits", "yes" if p["fits"] else "no"),
        ("Owned", f"{p['owned']:,}"),
        ("To buy", f"{p['to_buy']:,}"),
        ("Hosts", f"{p['hosts']:,} {p['host_class']} ({p['hosts_to_buy']:,} to buy)"),
        ("Unit price", money(p["unit_price_usd"]) + (" (typed)" if p.get("unit_price_source") == "--price" else "")),
        ("Hosts upfront", money(p["host_upfront_usd"])),
        ("Upfront", money(p["upfront_usd"])),
        ("Per year", money(p.get("yearly_usd"))),
        (f"TCO owned ({p['horizon_years']:g} y)", money(p.get("tco_usd"))),
        (f"Rent the same ({p['horizon_years']:g} y)", money(p.get("cloud_tco_usd"))),
        ("Break-even", "nothing to buy" if p["upfront_usd"] == 0 else "never" if p.get("breakeven_months") is None
         else f"{p['breakeven_months']:.1f} months"),
    ]
    if p.get("request_latency_p_ms") is not None:
        rows += [
            (f"Latency p{p['latency_percentile']:g}", f"{p['request_latency_p_ms']:,.0f} ms"),
            ("Meets target", "n/a (does not fit)" if not p["fits"] else "yes" if p["meets_latency_slo"] else "NO"),
            ("Peak utilisation", f"{p['utilization']:.0%}"),
        ]
    if p.get("energy_kwh_per_year") is not None:
        rows.append(("kWh per year", f"{p['energy_kwh_per_year']:,.0f}"))
    if p["price_missing"]:
        rows.append(("Price missing", ", ".join(p["price_missing"])))
    return rows
