"""The explorer's figures, inline SVG with no script: claims per label, certainty by polarity, a timeline."""

from __future__ import annotations

import calendar
import math
from collections import Counter
from typing import Optional

from markupsafe import Markup

from .release import CERTAINTIES, CLAIM_TYPES, COLOUR, POL_SIGN, POLARITIES, Site
from .render import _esc

# --------------------------------------------------------------------------- figures (inline SVG)


def _svg_text(x: float, y: float, text: str, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{_esc(text)}</text>'


def _clip(label: str, width_chars: int) -> str:
    return label if len(label) <= width_chars else label[: max(1, width_chars - 1)] + "\u2026"


def _svg_open(fid: str, w: int, h: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-labelledby="{fid}-t {fid}-d" class="chart"><title id="{fid}-t">{_esc(title)}</title>'
        f'<desc id="{fid}-d">{_esc(desc)}</desc>'
    )


def svg_hbars(fid: str, title: str, rows: list[tuple[str, int, Optional[str]]], unit: str = "claims") -> Markup:
    """Horizontal bars with the value printed at the end of each bar; labels link when given an href."""
    if not rows:
        return Markup('<p class="empty">No data in this release.</p>')
    label_chars = min(38, max(8, max(len(r[0]) for r in rows)))
    lw = int(label_chars * 7.2) + 16
    bw, rh, pad = 380, 22, 8
    w, h = lw + bw + 50, pad * 2 + rh * len(rows)
    vmax = max(v for _, v, _ in rows) or 1
    desc = "; ".join(f"{lab}: {v}" for lab, v, _ in rows)
    parts = [_svg_open(fid, w, h, title, desc)]
    for i, (lab, v, href) in enumerate(rows):
        y = pad + i * rh
        label = _svg_text(lw - 8, y + 15, _clip(lab, label_chars), "lab", "end")
        if href:
            label = f'<a href="{_esc(href)}">{label}</a>'
        parts.append(f"<g><title>{_esc(f'{lab}: {v} {unit}')}</title>{label}")
        bar = max(1.0, v / vmax * bw) if v else 0
        parts.append(f'<rect x="{lw}" y="{y + 4}" width="{bar:.1f}" height="{rh - 8}" fill="{COLOUR["bar"]}"/>')
        parts.append(_svg_text(lw + bar + 5, y + 15, str(v), "val") + "</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def svg_certainty_polarity(fid: str, counts: Counter) -> Markup:
    """Grouped bars: one group per certainty, a solid bar for positive and a hatched one for negative."""
    lw, bw, gh, pad = 120, 400, 44, 10
    w, h = lw + bw + 60, pad * 2 + gh * len(CERTAINTIES) + 24
    vmax = max(counts.values(), default=0) or 1
    desc = "; ".join(f"{c} {p}: {counts[(c, p)]}" for c in CERTAINTIES for p in POLARITIES)
    parts = [
        _svg_open(fid, w, h, "Certainty by polarity", desc),
        f'<defs><pattern id="{fid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#f6d5d1"/><rect width="3" height="6" fill="{COLOUR["negative"]}"/></pattern></defs>',
    ]
    for gi, cert in enumerate(CERTAINTIES):
        y0 = pad + gi * gh
        parts.append(_svg_text(lw - 8, y0 + 22, cert, "lab", "end"))
        for pi, pol in enumerate(POLARITIES):
            v = counts[(cert, pol)]
            y = y0 + 4 + pi * 18
            bar = max(1.0, v / vmax * bw) if v else 0
            fill = COLOUR["positive"] if pol == "positive" else f"url(#{fid}-hatch)"
            stroke = f' stroke="{COLOUR["negative"]}"' if pol == "negative" and v else ""
            parts.append(f"<g><title>{_esc(f'{cert}, {pol}: {v} claims')}</title>")
            parts.append(f'<rect x="{lw}" y="{y}" width="{bar:.1f}" height="14" fill="{fill}"{stroke}/>')
            parts.append(_svg_text(lw + bar + 5, y + 11, f"{POL_SIGN[pol]} {v}", "val") + "</g>")
    ly = pad + gh * len(CERTAINTIES) + 8
    parts.append(f'<rect x="{lw}" y="{ly}" width="14" height="12" fill="{COLOUR["positive"]}"/>')
    parts.append(_svg_text(lw + 20, ly + 10, "+ positive (solid)", "val"))
    parts.append(f'<rect x="{lw + 170}" y="{ly}" width="14" height="12" fill="url(#{fid}-hatch)" stroke="{COLOUR["negative"]}"/>')
    parts.append(_svg_text(lw + 190, ly + 10, "\u2212 negative (hatched)", "val"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _date_parts(d: str) -> tuple[int, Optional[int], Optional[int]]:
    bits = [int(x) for x in d.split("-")]
    return bits[0], (bits[1] if len(bits) > 1 else None), (bits[2] if len(bits) > 2 else None)


def _date_extent(d: str) -> tuple[float, float]:
    """A partial date as an interval in months since year 0."""
    y, m, day = _date_parts(d)
    if m is None:
        return y * 12.0, y * 12.0 + 12
    if day is None:
        return y * 12.0 + m - 1, y * 12.0 + m
    x = y * 12 + m - 1 + (day - 0.5) / calendar.monthrange(y, m)[1]
    return x, x


def svg_timeline(fid: str, dates: dict[str, Counter]) -> Markup:
    """Event and statement dates on one month axis; day dates as dots, months as bars, years as bands."""
    every = [d for c in dates.values() for d in c]
    if not every:
        return Markup('<p class="empty">No event or statement dates in this release.</p>')
    lo = min(_date_extent(d)[0] for d in every)
    hi = max(_date_extent(d)[1] for d in every)
    lo = math.floor(lo) - 1
    hi = math.ceil(hi) + 1
    lo -= lo % 3
    hi += (3 - hi % 3) % 3
    span = max(hi - lo, 3)
    lw, pw, rh, top = 130, 900, 76, 24
    rows = list(dates)
    w, h = lw + pw + 40, top + rh * len(rows) + 40
    x = lambda v: lw + (v - lo) / span * pw  # noqa: E731
    desc = "; ".join(f"{k}: " + ", ".join(f"{d} ({n})" for d, n in sorted(c.items())) for k, c in dates.items())
    parts = [_svg_open(fid, w, h, "Timeline of event and statement dates", desc)]
    axis_y = top + rh * len(rows) + 4
    step = 3 if span <= 48 else 12
    for m in range(lo, hi + 1):
        xm = x(m)
        year, month = divmod(m, 12)
        if m % step == 0:
            parts.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{top}" y2="{axis_y + 4}" class="grid"/>')
            parts.append(_svg_text(xm, axis_y + 17, f"{year}-{month + 1:02d}", "tick", "middle"))
        else:
            parts.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{axis_y}" y2="{axis_y + 3}" class="axis"/>')
    parts.append(f'<line x1="{lw}" x2="{lw + pw}" y1="{axis_y}" y2="{axis_y}" class="axis"/>')
    for ri, kind in enumerate(rows):
        cy = top + ri * rh + rh / 2
        placed: list[tuple[float, int]] = []
        colour = COLOUR.get(kind, COLOUR["bar"])
        parts.append(_svg_text(lw - 10, cy + 4, f"{kind} dates", "lab", "end"))
        parts.append(f'<line x1="{lw}" x2="{lw + pw}" y1="{cy}" y2="{cy}" class="lane"/>')
        for d, cnt in sorted(dates[kind].items(), key=lambda t: (_date_extent(t[0]), t[0])):
            a, b = _date_extent(d)
            tip = f"<title>{_esc(f'{kind} date {d}: {cnt} claim' + ('s' if cnt != 1 else ''))}</title>"
            r = 3 + 1.6 * math.sqrt(cnt)
            if a == b:
                shape = f'<circle cx="{x(a):.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" fill-opacity=".8"/>'
                lx = x(a)
            elif b - a <= 1:
                shape = (
                    f'<rect x="{x(a):.1f}" y="{cy - r:.1f}" width="{x(b) - x(a):.1f}" height="{2 * r:.1f}" rx="3" '
                    f'fill="{colour}" fill-opacity=".45" stroke="{colour}"/>'
                )
                lx = (x(a) + x(b)) / 2
            else:
                shape = (
                    f'<rect x="{x(a):.1f}" y="{cy + 8:.1f}" width="{x(b) - x(a):.1f}" height="8" '
                    f'fill="{colour}" fill-opacity=".18" stroke="{colour}" stroke-dasharray="3 2"/>'
                )
                lx = (x(a) + x(b)) / 2
                parts.append(f"<g>{tip}{shape}{_svg_text(lx, cy + 27, f'{d}: {cnt}', 'val', 'middle')}</g>")
                continue
            label = ""
            if cnt > 1:
                # counts go above the lane, one level higher when a neighbour's count is too close
                level = next(lv for lv in range(99) if all(abs(px - lx) >= 18 or pl != lv for px, pl in placed))
                placed.append((lx, level))
                label = _svg_text(lx, cy - 14 - 11 * level, str(cnt), "val", "middle")
            parts.append(f"<g>{tip}{shape}{label}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def figures(site: Site) -> list[dict]:
    claims = list(site.claims.values())
    figs = []

    rows = [(a["title"], len(site.by_article.get(aid, [])), f"articles/{aid}.html") for aid, a in site.articles.items()]
    figs.append(
        {
            "id": "fig-per-article",
            "title": "Claims per article",
            "svg": svg_hbars("fig-per-article", "Claims per article", rows),
            "head": ["article", "claims"],
            "rows": [(Markup('<a href="{}">{}</a>').format(h, t), n) for t, n, h in rows],
        }
    )

    per = Counter(c["claimant"]["entity_id"] or "" for c in claims)
    order = sorted(per.items(), key=lambda t: (-t[1], site.entity_name(t[0] or None).lower()))
    crow = [
        (site.entity_name(eid or None) if eid else "author (the article's own voice)", n, f"entities/{eid}.html" if eid in site.entities else None)
        for eid, n in order
    ]
    figs.append(
        {
            "id": "fig-per-claimant",
            "title": "Claims per claimant",
            "svg": svg_hbars("fig-per-claimant", "Claims per claimant", crow[:25]),
            "note": f"The 25 most frequent of {len(crow)} claimants; the table lists all." if len(crow) > 25 else "",
            "head": ["claimant", "claims"],
            "rows": [(Markup('<a href="{}">{}</a>').format(h, t) if h else t, n) for t, n, h in crow],
        }
    )

    cp = Counter((c["factuality"]["certainty"], c["factuality"]["polarity"]) for c in claims)
    figs.append(
        {
            "id": "fig-certainty",
            "title": "Certainty by polarity",
            "svg": svg_certainty_polarity("fig-certainty", cp),
            "head": ["certainty", "+ positive", "\u2212 negative", "total"],
            "rows": [(cert, cp[(cert, "positive")], cp[(cert, "negative")], cp[(cert, "positive")] + cp[(cert, "negative")]) for cert in CERTAINTIES],
        }
    )

    types = Counter(t for c in claims for t in c["claim_types"])
    trows = [(t, types[t], None) for t in CLAIM_TYPES]
    figs.append(
        {
            "id": "fig-types",
            "title": "Claim types",
            "svg": svg_hbars("fig-types", "Claim types", trows),
            "note": "A claim can have several types.",
            "head": ["type", "claims"],
            "rows": [(t, n) for t, n, _ in trows],
        }
    )

    dates = {
        "event": Counter(c["event"]["date"] for c in claims if c["event"] and c["event"]["date"]),
        "statement": Counter(c["statement_date"] for c in claims if c["statement_date"]),
    }
    figs.append(
        {
            "id": "fig-timeline",
            "title": "Timeline of event and statement dates",
            "svg": svg_timeline("fig-timeline", dates),
            "note": "Dots: a day; bars: a month; dashed bands: a year only. Size grows with the number of claims.",
            "head": ["kind", "date", "claims"],
            "rows": [(k, d, n) for k in dates for d, n in sorted(dates[k].items())],
        }
    )
    return figs


