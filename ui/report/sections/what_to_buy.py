"""The PDF report's "What to buy" section: the purchase plans side by side, why, the fixes
for a missed latency target, and the assumptions the plans rest on.

Pure text in, HTML out (no Qt): the report lays it out, splitting the table and the lists
between rows so no page is left half empty. Every text that comes from files (device names,
workload names, typed options) is escaped. The rows are `advisor.plan.plan_rows`, the same
words the GUI's Plans view shows.
"""

from __future__ import annotations

from ui.report.text import esc as _e
from ui.report.text import table


def build(d, b) -> list:
    return [b.html(h) if isinstance(h, str) else b.flow(*h) for h in what_to_buy_parts(getattr(d, "plans", None))]


def what_to_buy_parts(result: dict | None) -> list:
    """HTML strings and (heading, rows, header or None) flows, in order; [] when nothing is planned."""
    from advisor.plan import plan_rows

    if not result or not result.get("options"):
        return []
    plans = result["options"]
    rows = [dict(plan_rows(p)) for p in plans]
    labels: list[str] = []
    for p in plans:
        for label, _ in plan_rows(p):
            if label not in labels:
                labels.append(label)
    header = [("Plan", False)] + [(p["label"], True) for p in plans]
    body = ["<tr><td>" + _e(label) + "</td>"
            + "".join(f"<td class='num'>{_e(r.get(label, ''))}</td>" for r in rows) + "</tr>"
            for label in labels]
    intro = ("<h2>What to buy</h2>"
             "<p class='muted'>Each option: N devices hold one copy of the model (a replica); replicas are added "
             "until the traffic is served at the target utilisation and within the latency target. Owning (what "
             "must be bought, then electricity and hosting) and renting the same fleet are shown side by side, "
             "never mixed in one number.</p>")
    out: list = [(intro, body, header)]
    for p in plans:
        items = [f"<p>&#8226; {_e(w)}</p>" for w in p["why"]]
        for f in p.get("fixes") or []:
            items.append(f"<p>&#8226; fix? {_e(f['change'])}: p{p.get('latency_percentile', 95):g} "
                         f"{(f['request_latency_p_ms'] or 0):,.0f} ms, "
                         f"{'meets the target' if f['meets_latency_slo'] else 'still misses it'}; "
                         f"buy {f['to_buy']:,}, upfront {_e(_money(f['upfront_usd']))}</p>")
        t = p.get("training")
        if t and result.get("phase") == "both":
            items += [f"<p>&#8226; training: {_e(w)}</p>" for w in t["why"]]
        out.append((f"<h3>{_e(p['label'])}</h3>", items, None))
    out.append(("<h3>What the plans assume</h3>", [f"<p>&#8226; {_e(a)}</p>" for a in _assumptions(result)], None))
    return out


def what_to_buy_html(result: dict | None) -> str:
    """The whole section as one HTML string (for a look at it, and tests)."""
    html = []
    for part in what_to_buy_parts(result):
        if isinstance(part, str):
            html.append(part)
        else:
            prefix, rows, header = part
            html.append(prefix + (table(header, rows) if header else "".join(rows)))
    return "".join(html)


def _money(x) -> str:
    from advisor.plan import money

    return money(x)


def _assumptions(result: dict) -> list[str]:
    seen: list[str] = []
    for a in [*result.get("assumptions", []), *(a for p in result["options"] for a in p.get("assumptions", []))]:
        if a not in seen:
            seen.append(a)
    return seen
