//! The client's own cost: CPU time (user + system, every thread) from
//! `/proc/self/stat` and peak resident memory (`VmHWM`) from
//! `/proc/self/status`. Linux only; elsewhere the line says so.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` times: Linux's `USER_HZ`,
/// 100 on every architecture it runs on.
const USER_HZ: f64 = 100.0;

/// CPU time and peak RSS of this process so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resources {
    /// User CPU time.
    pub user: Duration,
    /// System CPU time.
    pub system: Duration,
    /// Peak resident set, bytes.
    pub peak_rss: u64,
}

impl Resources {
    /// Reads them from `/proc/self`; `None` where it does not exist.
    pub fn now() -> Option<Resources> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the parenthesised command (which may hold spaces):
        // state is field 3, utime 14, stime 15.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> Option<Duration> {
            let t: u64 = fields.get(i - 3)?.parse().ok()?;
            Some(Duration::from_secs_f64(t as f64 / USER_HZ))
        };
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let hwm_kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(Resources {
            user: ticks(14)?,
            system: ticks(15)?,
            peak_rss: hwm_kb * 1024,
        })
    }
}

/// The line after the summary: CPU seconds (user + sys, and per million
/// records) and peak RSS.
pub fn resource_line(records: u64) -> String {
    match Resources::now() {
        Some(r) => {
            let cpu = (r.user + r.system).as_secs_f64();
            format!(
                "client cpu {cpu:.2} s ({:.2} s user, {:.2} s sys), {:.3} cpu s per million records, peak rss {:.1} MiB.",
                r.user.as_secs_f64(),
                r.system.as_secs_f64(),
                cpu * 1e6 / records.max(1) as f64,
                r.peak_rss as f64 / (1024.0 * 1024.0),
            )
        }
        None => "client cpu and peak rss: unavailable (no /proc/self)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let r = Resources::now().expect("Linux /proc");
        assert!(r.peak_rss > 0);
    }
}
