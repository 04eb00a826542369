"""Title block: the workload's name and description, date, version, machine, catalog, paper."""

from __future__ import annotations

from ui.report.text import esc


def build(d, b) -> list:
    from advisor import __version__

    wl = d.workload
    date = d.created.strftime("%Y-%m-%d %H:%M %Z").strip()
    rows = (("Date", esc(date)), ("App version", f"hwadvisor {esc(__version__)}"),
            ("Run on", esc(d.machine_text)),
            ("Catalog", f"{len(d.estimates)} devices; {len(d.ranking.order)} fit this workload and have a "
                        f"price ({esc(wl.economics.mode)} pricing)"),
            ("Phase", {"inference": "serving (inference)", "training": "training",
                       "both": "training + serving (a lifecycle)"}[d.ranking.phase]),
            ("Paper", esc(b.paper)))
    text = ("<p class='muted' style='font-size:9pt'>Hardware advisor · recommendation report</p>"
            f"<h1>{esc(wl.name or 'Unnamed workload')}</h1>"
            + (f"<p style='font-size:10pt'>{esc(wl.description)}</p>" if wl.description else "")
            + "<table cellpadding='2' cellspacing='0' style='margin-top:6px'>"
            + "".join(f"<tr><td class='muted'>{k}</td><td>{v}</td></tr>" for k, v in rows)
            + "</table>")
    return [b.html(text)]
