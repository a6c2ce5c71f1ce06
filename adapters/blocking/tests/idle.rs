//! An idle producer uses no CPU: every thread is blocked. Its own test
//! binary, so no other test's threads share the process being measured.

#[path = "../../../tests/support/loopback.rs"]
mod loopback;

use std::fs;
use std::thread;
use std::time::Duration;

use kafka_sansio_blocking::{Producer, ProducerRecord};
use loopback::{LoopbackCluster, Style, quick_config};

/// CPU time (user + system) of the whole process, in clock ticks
/// (`/proc/self/stat` fields 14 and 15).
fn cpu_ticks() -> u64 {
    let stat = fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The state letter of every thread of the process but the calling one.
fn other_thread_states() -> Vec<(String, char)> {
    let me = fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    let me = me.file_name().unwrap().to_string_lossy().into_owned();
    let mut states = Vec::new();
    for task in fs::read_dir("/proc/self/task").expect("tasks").flatten() {
        let tid = task.file_name().to_string_lossy().into_owned();
        if tid == me {
            continue;
        }
        let Ok(stat) = fs::read_to_string(task.path().join("stat")) else {
            continue; // it ended meanwhile
        };
        let name = stat[stat.find('(').unwrap() + 1..stat.rfind(')').unwrap()].to_owned();
        let state = stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap();
        states.push((name, state));
    }
    states
}

#[test]
fn an_idle_connected_producer_uses_no_cpu() {
    let broker = LoopbackCluster::start(1, &[("idle", 1)], Style::Plain);
    let producer = Producer::new(quick_config(&broker.bootstrap(), &[])).unwrap();
    // Connected, metadata and producer id known, a record delivered.
    let report = producer
        .send(ProducerRecord::new("idle", "x"))
        .unwrap()
        .wait();
    assert!(report.result.is_ok(), "{report:?}");
    thread::sleep(Duration::from_millis(200));

    let before = cpu_ticks();
    thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks() - before;
    println!("CPU over 1 s idle: {used} ticks");
    // A busy wait would use about 100 ticks (USER_HZ is 100).
    assert!(used <= 3, "{used} ticks of CPU while idle");

    // Sampled a few times, since a thread may wake for a moment.
    let all_blocked = (0..5).any(|_| {
        thread::sleep(Duration::from_millis(50));
        let states = other_thread_states();
        println!("{states:?}");
        states.iter().all(|(_, s)| matches!(s, 'S' | 'D'))
    });
    assert!(all_blocked, "every other thread is blocked");
    drop(producer);
}
