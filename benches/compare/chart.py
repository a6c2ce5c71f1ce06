#!/usr/bin/env python3
"""Chart of a comparison run: benches/compare/chart.py RESULTS.csv OUT.svg

Reads the results file written by benches/compare/run.sh (medians per client and
configuration, computed by results.py) and writes a self-contained SVG with the Python
standard library only. For every configuration, one bar per client in two panels:
throughput (records/s; bar length relative to the best client of that configuration) and
client CPU seconds per million records (bar length relative to the largest of that
configuration). Each bar is labelled with its value.
"""
import os
import sys
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402  (the one reader of the results file)

COLORS = {"ours-blocking": "#c0392b", "ours-async": "#e67e22", "java": "#2c7fb8",
          "librdkafka": "#41ab5d", "franz-go": "#756bb1"}
OTHER = "#7f7f7f"

BAR_H, BAR_GAP, GROUP_GAP, HEAD_H = 14, 3, 16, 18
LEFT, PANEL_W, PANEL_GAP, LABEL_W = 110, 300, 40, 150
TOP = 64


def text(x, y, s, size=11, anchor="start", weight="normal", fill="#222"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(s)}</text>')


def chart(med, title):
    cfgs = sorted(med, key=lambda c: (-c[0], c[2], c[3], c[4]))
    clients = results.ordered_clients({c for cfg in cfgs for c in med[cfg]})
    panel_x = [LEFT, LEFT + PANEL_W + LABEL_W + PANEL_GAP]
    width = panel_x[1] + PANEL_W + LABEL_W + 10
    body, y = [], TOP
    for cfg in cfgs:
        body.append(text(10, y + 12, results.config_label(cfg), 12, weight="bold"))
        y += HEAD_H
        group_top = y
        figs = med[cfg]
        best_rate = max((f["records_per_s"] or 0 for f in figs.values()), default=0) or 1
        max_cpu = max((f["cpu_s_per_m"] or 0 for f in figs.values()), default=0) or 1
        for client in clients:
            if client not in figs:
                continue
            f = figs[client]
            color = COLORS.get(client, OTHER)
            body.append(text(LEFT - 6, y + BAR_H - 3, client, 11, anchor="end"))
            for px, value, scale, label in (
                (panel_x[0], f["records_per_s"], best_rate,
                 None if f["records_per_s"] is None else
                 f"{f['records_per_s']:,.0f}/s  {f['mib_per_s']:.1f} MiB/s"),
                (panel_x[1], f["cpu_s_per_m"], max_cpu,
                 None if f["cpu_s_per_m"] is None else f"{f['cpu_s_per_m']:.2f} s"),
            ):
                if value is None:
                    body.append(text(px + 4, y + BAR_H - 3, "failed", 11, fill="#a00"))
                    continue
                w = max(1.0, PANEL_W * value / scale)
                body.append(f'<rect x="{px}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{color}"/>')
                body.append(text(px + w + 4, y + BAR_H - 3, label, 10))
            y += BAR_H + BAR_GAP
        for px in panel_x:  # the zero line of each panel
            body.append(f'<line x1="{px}" y1="{group_top - 2}" x2="{px}" y2="{y}" stroke="#999"/>')
        y += GROUP_GAP
    height = y + 10
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        text(10, 22, title, 15, weight="bold"),
        text(panel_x[0], TOP - 10, "throughput (records/s; longest = best in configuration)", 12,
             weight="bold"),
        text(panel_x[1], TOP - 10, "client CPU s per million records (shorter is better)", 12,
             weight="bold"),
    ]
    return "\n".join(head + body + ["</svg>", ""])


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    med = results.medians(results.read_rows(argv[0]))
    if not med:
        print(f"chart.py: no measured runs in {argv[0]}", file=sys.stderr)
        return 1
    title = argv[2] if len(argv) == 3 else "kafka-sansio vs peers: medians per configuration"
    with open(argv[1], "w") as f:
        f.write(chart(med, title))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
