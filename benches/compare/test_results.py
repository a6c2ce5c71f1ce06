#!/usr/bin/env python3
"""Checks of results.py, the one parser of every client's output:
python3 benches/compare/test_results.py"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402

JAVA = ("Option --producer-props has been deprecated and will be removed in a future version.\n"
        "57908 records sent, 11519.4 records/sec (1.10 MB/sec), 326.0 ms avg latency, 1379.0 ms max latency.\n"
        "300000 records sent, 25025.025025 records/sec (2.39 MB/sec), 2312.49 ms avg latency, "
        "3896.00 ms max latency, 2692 ms 50th, 3619 ms 95th, 3800 ms 99th, 3895 ms 99.9th.\n")
OURS = ("209715 records sent, 107418.298803 records/sec (10.24 MB/sec), 786.29 ms avg latency, "
        "1194.00 ms max latency, 769 ms 50th, 1158 ms 95th, 1189 ms 99th, 1190 ms 99.9th.\n"
        "client cpu 0.18 s (0.16 s user, 0.02 s sys), 0.858 cpu s per million records, peak rss 35.2 MiB.\n")


class FinalLine(unittest.TestCase):
    def test_java_final_line_with_long_rate(self):
        f = results.parse_final_line(JAVA)
        self.assertEqual(f["records_sent"], 300000)
        self.assertAlmostEqual(f["records_per_s"], 25025.025025)
        self.assertEqual((f["p50_ms"], f["p99_ms"], f["p999_ms"]), (2692, 3800, 3895))

    def test_line_after_the_final_line_is_ignored(self):
        f = results.parse_final_line(OURS)
        self.assertEqual(f["records_sent"], 209715)
        self.assertEqual(f["mib_per_s"], 10.24)

    def test_window_lines_alone_are_no_result(self):
        self.assertIsNone(results.parse_final_line(JAVA.splitlines()[1]))


class Record(unittest.TestCase):
    def run_record(self, log, timing, exit_code):
        with tempfile.TemporaryDirectory() as d:
            paths = [os.path.join(d, n) for n in ("r.csv", "run.log", "run.time")]
            for path, text in zip(paths[1:], (log, timing)):
                with open(path, "w") as f:
                    f.write(text)
            rc = results.record(*paths, ["phase=run", "nodes=1", "rf=1", "record_size=100",
                                         "batch_size=16384", "compression=none", "client=java",
                                         "repeat=1", f"exit={exit_code}"])
            return rc, results.read_rows(paths[0])

    def test_cpu_per_million_records_from_the_time_file(self):
        rc, rows = self.run_record(JAVA, "2.50 0.50 236560 13.87\n", 0)
        self.assertEqual(rc, 0)
        self.assertAlmostEqual(float(rows[0]["cpu_s_per_m"]), 3.0 / 300000 * 1e6, places=3)
        self.assertAlmostEqual(float(rows[0]["peak_rss_mib"]), 236560 / 1024, places=2)

    def test_failed_run_is_recorded_and_left_out_of_the_medians(self):
        rc, rows = self.run_record("perf: unknown argument\n",
                                   "Command exited with non-zero status 2\n0.00 0.00 8180 0.02\n", 2)
        self.assertEqual(rc, 1)
        self.assertEqual(rows[0]["records_per_s"], "")
        med = results.medians(rows)
        figs = med[(1, 1, 100, 16384, "none")]["java"]
        self.assertEqual((figs["runs"], figs["failed"], figs["records_per_s"]), (0, 1, None))


class Spread(unittest.TestCase):
    @staticmethod
    def row(client, rate, phase="run", exit_code="0", size="1024"):
        return {"phase": phase, "nodes": "1", "rf": "1", "record_size": size,
                "batch_size": "16384", "compression": "none", "client": client,
                "exit": exit_code, "records_per_s": rate}

    def test_only_successful_measured_runs_count_and_one_run_is_no_spread(self):
        rows = [self.row("franz-go", "100"), self.row("franz-go", "80"),
                self.row("franz-go", "10", phase="warmup"), self.row("franz-go", "", exit_code="1"),
                self.row("java", "50")]
        [(cfg, client, ratio, cv)] = results.spread(rows)
        self.assertEqual((cfg, client), ((1, 1, 1024, 16384, "none"), "franz-go"))
        self.assertAlmostEqual(ratio, 0.8)
        self.assertAlmostEqual(cv, 10 / 90)


if __name__ == "__main__":
    unittest.main()
