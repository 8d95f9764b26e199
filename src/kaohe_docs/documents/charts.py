"""Small SVG charts drawn from the data (no plotting library): stacked bars with a legend."""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#b22222", "#e08a2c", "#6f8fbf", "#555555")  # 好, 较好, 一般, 较差


def stacked_bars(labels: list[str], series: list[tuple[str, list[int]]], font: str, width: int = 640,
                 bar_height: int = 22) -> Markup:
    """Horizontal stacked bars: one bar per label, one segment per series; counts printed inside."""
    left, top, gap, legend = 130, 30, 10, 22
    height = top + len(labels) * (bar_height + gap) + legend
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    scale = (width - left - 40) / max(max(totals, default=1), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'font-family="{escape(font)}" font-size="12">']
    for n, (name, _) in enumerate(series):
        key_x = left + n * 90  # the legend's key: whole pixels
        out.append(f'<rect x="{key_x}" y="4" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>'
                   f'<text x="{key_x + 16}" y="15">{escape(name)}</text>')
    for i, label in enumerate(labels):
        y = top + i * (bar_height + gap)
        out.append(f'<text x="{left - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>')
        x = float(left)
        for n, (_, values) in enumerate(series):
            w = values[i] * scale
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{PALETTE[n % len(PALETTE)]}"/>')
                if w >= 14:
                    out.append(f'<text x="{x + w / 2:.1f}" y="{y + bar_height * 0.7:.1f}" text-anchor="middle" '
                               f'fill="#fff">{values[i]}</text>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + bar_height * 0.7:.1f}">{totals[i]}</text>')
    out.append("</svg>")
    return Markup("".join(out))
