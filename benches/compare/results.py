#!/usr/bin/env python3
"""Results of benches/compare/run.sh: one parser for every client's output, one CSV, one table.

Every client of the comparison prints Apache Kafka ProducerPerformance's final line:

  N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
  P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.

("MB/sec" is MiB/s.) CPU time and peak RSS come from outside, from `/usr/bin/time` around the
client process, the same way for every client.

  results.py record CSV LOG TIMEFILE key=value...   parse one run, append a row to CSV
  results.py rate LOG                                records/s of a run's final line
  results.py table CSV [--markdown FILE]             medians per client and configuration, and
                                                     our clients against issue 6's targets
                                                     (markdown: FILE and FILE-targets)
  results.py spread CSV [--record-size BYTES]        how far each client's runs of a
                                                     configuration spread, and a summary
"""
import csv
import os
import re
import statistics
import sys

# The final line of ProducerPerformance (Java prints records/sec with %.1f in some versions and
# with more digits in others, so numbers are matched loosely).
NUM = r"([0-9]+(?:\.[0-9]+)?)"
FINAL_LINE = re.compile(
    rf"{NUM} records sent, {NUM} records/sec \({NUM} MB/sec\), {NUM} ms avg latency, "
    rf"{NUM} ms max latency, {NUM} ms 50th, {NUM} ms 95th, {NUM} ms 99th, {NUM} ms 99\.9th"
)
FINAL_FIELDS = ["records_sent", "records_per_s", "mib_per_s", "avg_ms", "max_ms",
                "p50_ms", "p95_ms", "p99_ms", "p999_ms"]

# What run.sh passes as key=value, then what this script measures.
META_FIELDS = ["phase", "nodes", "rf", "record_size", "batch_size", "compression", "client",
               "repeat", "num_records", "topic", "exit"]
COLUMNS = META_FIELDS + FINAL_FIELDS + ["user_s", "sys_s", "cpu_s_per_m", "peak_rss_mib", "wall_s"]

# Order of the clients in tables and charts.
CLIENT_ORDER = ["ours-blocking", "ours-async", "java", "librdkafka", "franz-go"]
CONFIG_KEYS = ["nodes", "rf", "record_size", "batch_size", "compression"]


def parse_final_line(text):
    """The figures of the last ProducerPerformance final line in `text`, or None."""
    matches = FINAL_LINE.findall(text)
    if not matches:
        return None
    return dict(zip(FINAL_FIELDS, (float(v) for v in matches[-1])))


def parse_time_file(path):
    """`/usr/bin/time -f '%U %S %M %e'` output: user s, sys s, peak RSS KiB, wall s."""
    try:
        with open(path) as f:
            lines = [ln.split() for ln in f if ln.strip()]
    except OSError:
        return None
    for fields in reversed(lines):  # the last line; earlier ones may be "Command exited ..."
        if len(fields) == 4:
            try:
                user, sys_, rss_kib, wall = (float(x) for x in fields)
            except ValueError:
                continue
            return {"user_s": user, "sys_s": sys_, "peak_rss_mib": rss_kib / 1024, "wall_s": wall}
    return None


def record(csv_path, log_path, time_path, pairs):
    row = dict(p.split("=", 1) for p in pairs)
    with open(log_path, errors="replace") as f:
        final = parse_final_line(f.read())
    timing = parse_time_file(time_path)
    if final:
        row.update({k: fmt(v) for k, v in final.items()})
    if timing:
        row.update({k: fmt(v) for k, v in timing.items()})
    if final and timing and final["records_sent"] > 0:
        cpu = timing["user_s"] + timing["sys_s"]
        row["cpu_s_per_m"] = fmt(cpu / final["records_sent"] * 1e6)
    new = not os.path.exists(csv_path) or os.path.getsize(csv_path) == 0
    with open(csv_path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerow(row)
    ok = final is not None and row.get("exit") == "0"
    return 0 if ok else 1


def fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def read_rows(csv_path):
    with open(csv_path, newline="") as f:
        return list(csv.DictReader(f))


def config_label(cfg):
    nodes, rf, size, batch, codec = cfg
    size_s = f"{size} B" if size < 1024 else f"{size // 1024} KiB"
    return f"{nodes} node{'s' if nodes > 1 else ''} RF{rf}, {size_s}, batch {batch // 1024} KiB, {codec}"


def config_of(row):
    return (int(row["nodes"]), int(row["rf"]), int(row["record_size"]), int(row["batch_size"]),
            row["compression"])


def measured_runs(rows):
    """{config: {client: [row, ...]}}: the measured runs (phase=run), failed ones included."""
    groups = {}
    for row in rows:
        if row.get("phase", "run") != "run":
            continue
        groups.setdefault(config_of(row), {}).setdefault(row["client"], []).append(row)
    return groups


def succeeded(runs):
    return [r for r in runs if r.get("exit") == "0" and r.get("records_per_s")]


def medians(rows):
    """{config: {client: {figure: median, "runs": ok, "failed": n}}} over the measured runs."""
    out = {}
    for cfg, by_client in measured_runs(rows).items():
        for client, runs in by_client.items():
            ok = succeeded(runs)
            figs = {"runs": len(ok), "failed": len(runs) - len(ok)}
            for key in ["records_per_s", "mib_per_s", "p50_ms", "p99_ms", "cpu_s_per_m",
                        "peak_rss_mib", "wall_s"]:
                vals = [float(r[key]) for r in ok if r.get(key)]
                figs[key] = statistics.median(vals) if vals else None
            out.setdefault(cfg, {})[client] = figs
    return out


def spread(rows):
    """[(config, client, slowest ÷ fastest, coefficient of variation)] of records/s over each
    client's successful measured runs of a configuration, where it has two or more."""
    out = []
    for cfg, by_client in sorted(measured_runs(rows).items()):
        for client in ordered_clients(by_client):
            rates = [float(r["records_per_s"]) for r in succeeded(by_client[client])]
            if len(rates) >= 2:
                cv = statistics.pstdev(rates) / statistics.mean(rates)
                out.append((cfg, client, min(rates) / max(rates), cv))
    return out


def print_spread(cells):
    for cfg, client, ratio, cv in cells:
        print(f"{config_label(cfg):45} {client:15} slowest/fastest {ratio:.3f}  cv {cv:.3f}")
    if cells:
        under = sum(1 for c in cells if c[2] < 0.8)
        print(f"{len(cells)} cells; slowest run under 0.8 of the fastest in {under}; median "
              f"coefficient of variation {statistics.median(c[3] for c in cells):.3f}")


def ordered_clients(names):
    known = [c for c in CLIENT_ORDER if c in names]
    return known + sorted(n for n in names if n not in CLIENT_ORDER)


def table_rows(med):
    header = ["configuration", "client", "records/s", "MiB/s", "p50 ms", "p99 ms",
              "CPU s / M rec", "peak RSS MiB", "vs best", "runs"]
    rows = []
    for cfg in sorted(med, key=lambda c: (-c[0], c[2], c[3], c[4])):
        by_client = med[cfg]
        best = max((f["records_per_s"] or 0 for f in by_client.values()), default=0)
        for client in ordered_clients(by_client):
            f = by_client[client]

            def num(key, spec):
                return "-" if f[key] is None else format(f[key], spec)

            ratio = "-" if not f["records_per_s"] or not best else f"{f['records_per_s'] / best:.2f}"
            runs = f"{f['runs']}" + (f" ({f['failed']} failed)" if f["failed"] else "")
            rows.append([config_label(cfg), client, num("records_per_s", ",.0f"),
                         num("mib_per_s", ".2f"), num("p50_ms", ".0f"), num("p99_ms", ".0f"),
                         num("cpu_s_per_m", ".2f"), num("peak_rss_mib", ".0f"), ratio, runs])
    return header, rows


OURS = ("ours-blocking", "ours-async")


def target_rows(med):
    """Issue 6's targets per configuration, for each of our clients: throughput over the best
    peer's (target >= 1.0) and CPU per record over librdkafka's (<= 0.5) and Java's (<= 0.33)."""
    header = ["configuration", "client", "records/s ÷ best peer", "CPU ÷ librdkafka", "CPU ÷ java"]
    rows = []
    for cfg in sorted(med, key=lambda c: (-c[0], c[2], c[3], c[4])):
        by_client = med[cfg]
        peers = [f["records_per_s"] for c, f in by_client.items() if c not in OURS and f["records_per_s"]]
        best_peer = max(peers, default=None)
        for client in OURS:
            f = by_client.get(client)
            if not f or not f["records_per_s"]:
                continue

            def ratio(a, b):
                return "-" if not a or not b else f"{a / b:.2f}"

            def cpu_of(peer):
                return by_client.get(peer, {}).get("cpu_s_per_m")

            rows.append([config_label(cfg), client, ratio(f["records_per_s"], best_peer),
                         ratio(f["cpu_s_per_m"], cpu_of("librdkafka")),
                         ratio(f["cpu_s_per_m"], cpu_of("java"))])
    return header, rows


def print_text(header, rows, out=sys.stdout):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    right = set(range(2, len(header)))
    line = lambda cells: "  ".join(
        str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    last_cfg = None
    for r in rows:
        if last_cfg is not None and r[0] != last_cfg:
            print(file=out)
        print(line(r if r[0] != last_cfg else [""] + r[1:]), file=out)
        last_cfg = r[0]


def write_markdown(header, rows, path):
    with open(path, "w") as f:
        f.write("| " + " | ".join(header) + " |\n")
        f.write("|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|\n")
        for r in rows:
            f.write("| " + " | ".join(r) + " |\n")


def main(argv):
    if len(argv) >= 4 and argv[0] == "record":
        return record(argv[1], argv[2], argv[3], argv[4:])
    if len(argv) == 2 and argv[0] == "rate":
        with open(argv[1], errors="replace") as f:
            final = parse_final_line(f.read())
        if not final:
            return 1
        print(f"{final['records_per_s']:.0f}")
        return 0
    if len(argv) in (2, 4) and argv[0] == "table":
        med = medians(read_rows(argv[1]))
        header, rows = table_rows(med)
        print_text(header, rows)
        t_header, t_rows = target_rows(med)
        if t_rows:
            print("\nTargets: records/s ÷ best peer >= 1.0; CPU per record ÷ librdkafka's <= 0.5, "
                  "÷ Java's <= 0.33\n")
            print_text(t_header, t_rows)
        if len(argv) == 4 and argv[2] == "--markdown":
            write_markdown(header, rows, argv[3])
            if t_rows:
                base, ext = os.path.splitext(argv[3])
                write_markdown(t_header, t_rows, f"{base}-targets{ext}")
        return 0
    if len(argv) in (2, 4) and argv[0] == "spread":
        rows = read_rows(argv[1])
        if len(argv) == 4:
            if argv[2] != "--record-size":
                print(__doc__, file=sys.stderr)
                return 2
            rows = [r for r in rows if r["record_size"] == argv[3]]
        print_spread(spread(rows))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
