"""Measurement discipline shared by every probe: warm up, repeat until the spread settles,
report the median and the spread.

Why the median and not the best: the best of N picks the luckiest sample, so a short run
(few samples) and a long one report different figures; the median of settled repetitions is
the same figure whichever the budget, and the spread says how far to trust it.

The spread is the robust relative standard deviation, 1.4826 x MAD / median (the MAD
scaled to match a normal distribution's standard deviation), so one stray sample (another
process taking a core for 100 ms) does not inflate it. A figure's stated range is
median x (1 +/- 2 x spread), about 95% for normal noise; two runs agree when their ranges
overlap. A run's own spread understates how far the next run moves: the stated spread also
takes in this machine's run-to-run spread (`advisor.probes.repeatability`).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

#: The spread at which repetitions stop early: the median no longer moves by more than this.
SETTLED_SPREAD = 0.03
#: A figure whose spread stays above this is reported but flagged and never calibrates.
UNSETTLED_SPREAD = 0.25
#: Repetitions timed even when the probe's budget is spent (a median of fewer means nothing).
HARD_MIN_REPS = 3
#: The smallest spread a figure states: timer resolution and clock steps make claims
#: tighter than 1% meaningless on a desktop OS.
MIN_STATED_SPREAD = 0.01


@dataclass(frozen=True)
class Sample:
    """The repetitions of one figure.

    Attributes:
        median: the figure (median of the repetitions).
        spread: robust relative standard deviation (0.02 = 2%).
        reps: repetitions timed (after warm-up).
        low, high: smallest and largest repetition.
        settled: True when the spread fell under SETTLED_SPREAD before the budget ran out.
        warmup_s: seconds spent warming up before the first timed repetition.
    """

    median: float
    spread: float
    reps: int
    low: float
    high: float
    settled: bool
    warmup_s: float

    def to_dict(self, digits: int = 3) -> dict:
        return {"median": round(self.median, digits), "spread": round(self.spread, 4), "reps": self.reps,
                "min": round(self.low, digits), "max": round(self.high, digits), "settled": self.settled,
                "warmup_s": round(self.warmup_s, 3)}


def robust_spread(values: list[float]) -> float:
    """1.4826 x MAD / median of `values` (0 for fewer than two values or a zero median)."""
    if len(values) < 2:
        return 0.0
    med = statistics.median(values)
    if med == 0:
        return 0.0
    mad = statistics.median(abs(v - med) for v in values)
    return 1.4826 * mad / abs(med)


def stated_range(median: float, spread: float) -> tuple[float, float]:
    """The range a figure claims: median x (1 +/- 2 x spread), spread at least MIN_STATED_SPREAD."""
    s = max(spread, MIN_STATED_SPREAD)
    return median * (1 - 2 * s), median * (1 + 2 * s)


def stated_spread(m) -> float | None:
    """The spread a measurement record states: its `stated_spread` (which takes in this
    machine's run-to-run spread: `advisor.probes.repeatability`) when the run was annotated,
    else its within-run `spread` (runs stored before, imports); None when it states neither."""
    if not isinstance(m, dict):
        return None
    for key in ("stated_spread", "spread"):
        v = m.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    return None


def agree(a: dict | Sample, b: dict | Sample) -> bool:
    """True when two measurements of one figure agree within their stated spreads
    (`stated_spread`)."""
    def rng(x):
        if isinstance(x, Sample):
            return stated_range(x.median, x.spread)
        return stated_range(float(x["median"]), stated_spread(x) or 0.0)

    lo_a, hi_a = rng(a)
    lo_b, hi_b = rng(b)
    return lo_a <= hi_b and lo_b <= hi_a


def repeat_until_settled(ctx, run_once: Callable[[], float], work: float, *, min_reps: int = 5,
                         max_reps: int = 400, warmup_s: float = 0.15, warmup_reps: int = 2,
                         budget_s: float | None = None, after_rep: Callable[[], None] | None = None,
                         floor_reps: int | None = None) -> Sample:
    """Time `run_once` (which returns the seconds one repetition took) and turn it into a rate.

    Args:
        ctx: the probe context (`check()` for cancel, `time_left()` for the budget).
        run_once: does one repetition and returns its duration in seconds.
        work: units of work per repetition (FLOPs, bytes, samples): the rate is work / seconds.
        min_reps: repetitions always timed, even past the budget (a median needs a few).
        max_reps: stop after this many.
        warmup_s, warmup_reps: untimed repetitions first, at least `warmup_reps` and until
            `warmup_s` has passed: thread pools start, pages fault in, clocks ramp up.
        budget_s: seconds for the timed repetitions (default: the probe's time left).
        after_rep: called after each timed repetition (progress).
        floor_reps: repetitions timed even when the probe's budget is spent (default
            HARD_MIN_REPS); fewer than HARD_MIN_REPS leave the figure flagged as unsettled.

    Stops when at least min_reps are timed and the spread of the repetitions is under
    SETTLED_SPREAD (checked from the 8th on, so a lucky start cannot stop it), or when the
    budget or max_reps is reached.
    """
    t0 = time.perf_counter()
    done = 0
    # at least one untimed call; more only while the budget lasts
    while done < 1 or (ctx.time_left() > 0 and (done < warmup_reps or time.perf_counter() - t0 < warmup_s)):
        ctx.check()
        run_once()
        done += 1
    warm = time.perf_counter() - t0
    budget = ctx.time_left() if budget_s is None else min(budget_s, max(ctx.time_left(), 0.0))
    end = time.perf_counter() + budget
    rates: list[float] = []
    settled = False
    while len(rates) < max_reps:
        ctx.check()
        dt = run_once()
        rates.append(work / dt if dt > 0 else math.inf)
        if after_rep is not None:
            after_rep()
        n = len(rates)
        if n >= max(min_reps, 8) and robust_spread(rates) <= SETTLED_SPREAD:
            settled = True
            break
        if n >= min_reps and time.perf_counter() >= end:
            break
        if n >= (HARD_MIN_REPS if floor_reps is None else floor_reps) and ctx.time_left() <= 0:
            break  # the probe's budget is spent: a slow machine gets fewer repetitions (and a wider spread)
    finite = [r for r in rates if math.isfinite(r)] or [0.0]
    return Sample(median=statistics.median(finite), spread=robust_spread(finite), reps=len(rates),
                  low=min(finite), high=max(finite), settled=settled, warmup_s=warm)


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    """`fn` wrapped to return how long one call took (perf_counter seconds)."""
    def run() -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t
    return run
