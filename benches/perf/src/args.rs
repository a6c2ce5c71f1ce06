//! The command line, with ProducerPerformance's flags and checks.

use std::path::Path;

/// What `--help` and a bad command line print.
pub const USAGE: &str = "usage: perf --topic TOPIC --num-records N --record-size BYTES \
--throughput RECORDS_PER_SEC (-1: unthrottled) \
[--producer-props KEY=VALUE ...] [--producer.config FILE] \
[--print-metrics] [--warmup-records N]";

/// The parsed command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    /// `--topic`.
    pub topic: String,
    /// `--num-records`.
    pub num_records: u64,
    /// `--record-size`, in bytes.
    pub record_size: usize,
    /// `--throughput` in records per second; negative: no throttling.
    pub throughput: f64,
    /// Producer properties: `--producer.config`'s, then `--producer-props`
    /// (which win), with `client.id` defaulting to `perf-producer-client`.
    pub properties: Vec<(String, String)>,
    /// `--print-metrics`.
    pub print_metrics: bool,
    /// `--warmup-records`: left out of the steady-state summary.
    pub warmup_records: u64,
}

impl Args {
    /// The process's command line.
    pub fn from_env() -> Result<Args, String> {
        Args::parse(std::env::args().skip(1))
    }

    /// Parses flags as ProducerPerformance does: `--producer-props` takes
    /// every following argument up to the next flag.
    ///
    /// ```
    /// let args = kafka_sansio_perf::Args::parse(
    ///     "--topic t --num-records 10 --record-size 100 --throughput -1 \
    ///      --producer-props bootstrap.servers=127.0.0.1:9092 acks=all"
    ///         .split_whitespace()
    ///         .map(String::from),
    /// )?;
    /// assert_eq!(args.properties[1], ("acks".into(), "all".into()));
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut args = args.into_iter().peekable();
        let (mut topic, mut num_records, mut record_size, mut throughput) =
            (None, None, None, None);
        let (mut props, mut config_file) = (None::<Vec<String>>, None);
        let (mut print_metrics, mut warmup_records) = (false, 0u64);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--topic" => topic = Some(value()?),
                "--num-records" => num_records = Some(number(&flag, &value()?)?),
                "--record-size" => record_size = Some(number(&flag, &value()?)?),
                "--throughput" => throughput = Some(number::<f64>(&flag, &value()?)?),
                "--producer.config" => config_file = Some(value()?),
                "--warmup-records" => warmup_records = number(&flag, &value()?)?,
                "--print-metrics" => print_metrics = true,
                "--producer-props" => {
                    let list = props.get_or_insert_with(Vec::new);
                    while let Some(p) = args.next_if(|a| !a.starts_with("--")) {
                        list.push(p);
                    }
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                _ => return Err(format!("unknown argument {flag}")),
            }
        }
        let num_records: u64 = num_records.ok_or("--num-records is required")?;
        if num_records == 0 {
            return Err("--num-records should be greater than zero".to_owned());
        }
        if warmup_records >= num_records {
            return Err("--warmup-records must be fewer than --num-records".to_owned());
        }
        let record_size: usize = record_size.ok_or("--record-size is required")?;
        if record_size == 0 {
            return Err("--record-size should be greater than zero".to_owned());
        }
        if props.is_none() && config_file.is_none() {
            return Err("either --producer-props or --producer.config must be given".to_owned());
        }
        let mut properties = match config_file {
            Some(file) => read_properties(Path::new(&file))?,
            None => Vec::new(),
        };
        for p in props.unwrap_or_default() {
            let (k, v) = p
                .split_once('=')
                .ok_or(format!("invalid property {p:?}: expected KEY=VALUE"))?;
            properties.push((k.to_owned(), v.to_owned()));
        }
        if !properties.iter().any(|(k, _)| k == "client.id") {
            properties.push(("client.id".to_owned(), "perf-producer-client".to_owned()));
        }
        Ok(Args {
            topic: topic.ok_or("--topic is required")?,
            num_records,
            record_size,
            throughput: throughput.ok_or("--throughput is required (-1: unthrottled)")?,
            properties,
            print_metrics,
            warmup_records,
        })
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| format!("{flag} {value}: {e}"))
}

/// A Java properties file, simply: `key=value` or `key: value` lines,
/// `#` and `!` comments, blank lines.
fn read_properties(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--producer.config {path:?}: {e}"))?;
    let mut props = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let (k, v) = line
            .split_once(['=', ':'])
            .ok_or(format!("{path:?}: not KEY=VALUE: {line:?}"))?;
        props.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Ok(props)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Args, String> {
        Args::parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn props_run_to_the_next_flag_and_client_id_defaults() {
        let a = parse(
            "--topic t --producer-props a=1 b=2 --num-records 5 --record-size 1 --throughput 10",
        )
        .unwrap();
        assert_eq!(a.num_records, 5);
        assert_eq!(a.throughput, 10.0);
        let keys: Vec<&str> = a.properties.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "client.id"]);
    }

    #[test]
    fn refuses_what_the_java_tool_refuses() {
        let base = "--topic t --record-size 1 --throughput -1 --producer-props a=1";
        assert!(parse(&format!("{base} --num-records 0")).is_err());
        assert!(parse(&format!("{base} --num-records 5 --warmup-records 5")).is_err());
        assert!(parse("--topic t --record-size 1 --throughput -1 --num-records 5").is_err());
        assert!(parse(&format!("{base} --num-records 5 --bogus")).is_err());
    }

    #[test]
    fn config_file_is_read_and_props_win() {
        let path = std::env::temp_dir().join(format!("perf-{}.properties", std::process::id()));
        std::fs::write(&path, "# comment\nacks = 1\nlinger.ms: 7\n").unwrap();
        let a = parse(&format!(
            "--topic t --num-records 1 --record-size 1 --throughput -1 \
             --producer.config {} --producer-props acks=all",
            path.display()
        ))
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(a.properties[0], ("acks".into(), "1".into()));
        assert_eq!(a.properties[1], ("linger.ms".into(), "7".into()));
        // Later entries win in `ProducerConfig::from_properties`.
        assert_eq!(a.properties[2], ("acks".into(), "all".into()));
    }
}
