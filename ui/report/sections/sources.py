"""Sources: where each catalog row used comes from (on a fresh page)."""

from __future__ import annotations

from ui.report.text import esc


def build(d, b) -> list:
    return [b.page_break()] + [b.flow(*f) for f in sources_html(d)]


def sources_html(d) -> list[tuple[str, list[str], list]]:
    """The source of every catalog row used, as (heading, table rows, header) flows."""
    named = list(dict.fromkeys([*d.shown, *map(int, d.ranking.order[:12])]))
    for key in ("roofline", "memory"):
        named += [d.estimates.index_of(x) for x in d.charts[key]["ids"] if x in set(d.table.ids)]
    named = list(dict.fromkeys(named))
    others = [int(i) for i in d.ranking.order if int(i) not in set(named)]

    def rows(idx):
        out = []
        for i in idx:
            r = d.table.rows[i]
            urls = "<br>".join(esc(u.strip()) for u in str(r.get("source") or "no source").split("|") if u.strip())
            out.append(f"<tr><td width='26%'><b>{esc(d.table.names[i])}</b><br><span class='rng'>{esc(r['id'])} · "
                       f"{esc(r.get('file', ''))}</span></td><td class='small'>{urls}</td></tr>")
        return out

    head = ("<h2>Sources</h2><p class='muted'>Where each catalog row's figures come from (datasheets and vendor "
            "pages). First the devices named in this report, then the other devices plotted in the cost chart.</p>")
    header = [("Device", False), ("Source", False)]
    out = [(head, rows(named), header)]
    if others:
        out.append(("<h3>Other devices in the cost chart</h3>", rows(others), header))
    return out


