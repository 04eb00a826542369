"""The PDF report's "What to buy" section: the purchase plans side by side, why, the fixes
for a missed latency target, the lifecycle in energy and the assumptions the plans rest on.

Pure text in, HTML out (no Qt): the report lays it out. Every text that comes from files
(device names, workload names, typed options) is escaped. The rows are `advisor.plan.plan_rows`,
the same words the GUI's Plans view shows.
"""

from __future__ import annotations

from ui.report.text import esc as _e


def build(d, b) -> list:
    html = what_to_buy_html(getattr(d, "plans", None))
    return [b.html(html)] if html else []


def what_to_buy_html(result: dict | None) -> str:
    """The section for an `advisor.plan.plan()` result ('' when there is nothing to plan)."""
    from advisor.plan import plan_rows

    if not result or not result.get("options"):
        return ""
    plans = result["options"]
    rows = [dict(plan_rows(p)) for p in plans]
    labels: list[str] = []
    for p in plans:
        for label, _ in plan_rows(p):
            if label not in labels:
                labels.append(label)
    head = "<tr><th align='left'>Plan</th>" + "".join(f"<th align='right'>{_e(p['label'])}</th>" for p in plans) + "</tr>"
    body = "".join("<tr><td>" + _e(label) + "</td>"
                   + "".join(f"<td class='num'>{_e(r.get(label, ''))}</td>" for r in rows) + "</tr>"
                   for label in labels)
    out = ["<h2>What to buy</h2>",
           "<p class='muted'>Each option: N devices hold one copy of the model (a replica); replicas are added "
           "until the traffic is served at the target utilisation and within the latency target. Owning (what "
           "must be bought, then electricity and hosting) and renting the same fleet are shown side by side, "
           "never mixed in one number.</p>",
           f"<table class='grid' width='100%' cellpadding='3' cellspacing='0'><thead>{head}</thead>{body}</table>"]
    for p in plans:
        out.append(f"<h3>{_e(p['label'])}</h3><ul>" + "".join(f"<li>{_e(w)}</li>" for w in p["why"]) + "</ul>")
        fixes = p.get("fixes") or []
        if fixes:
            out.append("<p>What fixes the missed latency target:</p><ul>" + "".join(
                f"<li>{_e(f['change'])}: p{p.get('latency_percentile', 95):g} "
                f"{(f['request_latency_p_ms'] or 0):,.0f} ms, {'meets it' if f['meets_latency_slo'] else 'still misses'}; "
                f"buy {f['to_buy']:,}, upfront {_e(_money(f['upfront_usd']))}</li>" for f in fixes) + "</ul>")
        t = p.get("training")
        if t and result.get("phase") == "both":
            out.append("<p>Training:</p><ul>" + "".join(f"<li>{_e(w)}</li>" for w in t["why"]) + "</ul>")
    out.append("<h3>What the plans assume</h3><ul>"
               + "".join(f"<li>{_e(a)}</li>" for a in _assumptions(result)) + "</ul>")
    return "".join(out)


def _money(x) -> str:
    from advisor.plan import money

    return money(x)


def _assumptions(result: dict) -> list[str]:
    seen: list[str] = []
    for a in [*result.get("assumptions", []), *(a for p in result["options"] for a in p.get("assumptions", []))]:
        if a not in seen:
            seen.append(a)
    return seen
