//! The nemesis: a seeded, bounded schedule of faults against the 3-node
//! cluster (SIGKILL and SIGTERM of a partition leader, SIGSTOP of a leader
//! or of the active controller, two of three nodes down at once), each
//! printed with its time as it happens, and the healing that undoes them
//! all, also when the test fails.

use std::fmt;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::kafka_tools::{cluster_sh, partition_states};

/// The cluster's nodes.
const NODES: [u8; 3] = [1, 2, 3];

/// One fault, with how long it lasts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL the partition's leader; restart it after `down`.
    KillLeader { partition: i32, down: Duration },
    /// SIGTERM the partition's leader (a controlled shutdown), wait until
    /// it exits, restart it.
    BounceLeader { partition: i32 },
    /// SIGSTOP the partition's leader for `paused`, then SIGCONT.
    PauseLeader { partition: i32, paused: Duration },
    /// SIGSTOP the active KRaft controller for `paused`, then SIGCONT.
    PauseController { paused: Duration },
    /// SIGKILL both nodes but `spared` (below min.insync.replicas, and the
    /// KRaft quorum lost); restart them together after `down`.
    TwoDown { spared: u8, down: Duration },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::KillLeader { partition, down } => {
                write!(
                    f,
                    "SIGKILL the leader of partition {partition}, down {down:.1?}"
                )
            }
            Fault::BounceLeader { partition } => {
                write!(f, "SIGTERM bounce of the leader of partition {partition}")
            }
            Fault::PauseLeader { partition, paused } => {
                write!(
                    f,
                    "SIGSTOP the leader of partition {partition} for {paused:.1?}"
                )
            }
            Fault::PauseController { paused } => {
                write!(f, "SIGSTOP the active controller for {paused:.1?}")
            }
            Fault::TwoDown { spared, down } => {
                write!(f, "SIGKILL every node but {spared}, down {down:.1?}")
            }
        }
    }
}

/// The faults in seeded rounds: each round is every kind once, in a
/// shuffled order, with random partitions and durations.
pub struct Schedule {
    rng: fastrand::Rng,
    partitions: i32,
    round: Vec<Fault>,
}

/// How many kinds of fault a round holds.
pub const KINDS: usize = 5;

impl Schedule {
    /// The schedule of `seed` over `partitions` partitions.
    pub fn new(seed: u64, partitions: i32) -> Schedule {
        Schedule {
            rng: fastrand::Rng::with_seed(seed),
            partitions,
            round: Vec::new(),
        }
    }

    fn secs(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(self.rng.u64(from * 1000..=to * 1000))
    }

    fn partition(&mut self) -> i32 {
        self.rng.i32(0..self.partitions)
    }

    /// The next fault.
    pub fn next_fault(&mut self) -> Fault {
        if self.round.is_empty() {
            let mut round = vec![
                Fault::KillLeader {
                    partition: self.partition(),
                    down: self.secs(2, 8),
                },
                Fault::BounceLeader {
                    partition: self.partition(),
                },
                Fault::PauseLeader {
                    partition: self.partition(),
                    paused: self.secs(5, 15),
                },
                Fault::PauseController {
                    paused: self.secs(5, 15),
                },
                Fault::TwoDown {
                    spared: NODES[self.rng.usize(..NODES.len())],
                    down: self.secs(3, 8),
                },
            ];
            debug_assert_eq!(round.len(), KINDS);
            self.rng.shuffle(&mut round);
            self.round = round;
        }
        self.round.pop().expect("a refilled round")
    }

    /// A pause between faults.
    pub fn quiet(&mut self) -> Duration {
        self.secs(1, 4)
    }
}

/// Prints a nemesis line stamped with the time since `started`.
pub fn say(started: Instant, what: impl fmt::Display) {
    eprintln!("[{:>7.1?}] {what}", started.elapsed());
}

fn sh(args: &[&str]) -> String {
    cluster_sh(args).unwrap_or_else(|e| panic!("nemesis: {e}"))
}

/// The leader of `topic`/`partition` now, if it has one.
fn leader(topic: &str, partition: i32) -> Option<u8> {
    let states = partition_states(topic).ok()?;
    let state = states.into_iter().find(|s| s.partition == partition)?;
    u8::try_from(state.leader)
        .ok()
        .filter(|n| NODES.contains(n))
}

/// Carries out `fault` on the cluster of `topic`; returns once it is
/// undone (the nodes it took down are started, the paused resumed).
pub fn inflict(fault: &Fault, topic: &str, started: Instant) {
    let partition = match fault {
        Fault::KillLeader { partition, .. }
        | Fault::BounceLeader { partition }
        | Fault::PauseLeader { partition, .. } => Some(*partition),
        Fault::PauseController { .. } | Fault::TwoDown { .. } => None,
    };
    let victims: Vec<String> = match (fault, partition) {
        (_, Some(p)) => match leader(topic, p) {
            Some(node) => vec![node.to_string()],
            None => {
                say(
                    started,
                    format_args!("  partition {p} has no leader: skipped"),
                );
                return;
            }
        },
        (Fault::PauseController { .. }, None) => vec![sh(&["controller"])],
        (Fault::TwoDown { spared, .. }, None) => NODES
            .iter()
            .filter(|n| *n != spared)
            .map(u8::to_string)
            .collect(),
        _ => unreachable!("every fault without a partition is matched"),
    };
    let nodes: Vec<&str> = victims.iter().map(String::as_str).collect();
    let with = |verb: &'static str| [&[verb][..], &nodes].concat();
    let took = |since: Instant| since.elapsed();
    match fault {
        Fault::KillLeader { down, .. } | Fault::TwoDown { down, .. } => {
            sh(&with("kill"));
            say(started, format_args!("  node(s) {nodes:?} killed"));
            sleep(*down);
            let at = Instant::now();
            sh(&with("start"));
            say(
                started,
                format_args!("  node(s) {nodes:?} started again in {:.1?}", took(at)),
            );
        }
        Fault::BounceLeader { .. } => {
            let at = Instant::now();
            sh(&with("stop"));
            say(
                started,
                format_args!("  node(s) {nodes:?} stopped in {:.1?}", took(at)),
            );
            let at = Instant::now();
            sh(&with("start"));
            say(
                started,
                format_args!("  node(s) {nodes:?} started again in {:.1?}", took(at)),
            );
        }
        Fault::PauseLeader { paused, .. } | Fault::PauseController { paused } => {
            sh(&with("pause"));
            say(started, format_args!("  node(s) {nodes:?} paused"));
            sleep(*paused);
            sh(&with("resume"));
            say(started, format_args!("  node(s) {nodes:?} resumed"));
        }
    }
}

/// Resumes every paused node and starts every stopped one (all at once:
/// a lone node cannot form the quorum).
pub fn heal() -> Result<(), String> {
    let status = cluster_sh(&["status"])?;
    let mut paused = Vec::new();
    let mut stopped = Vec::new();
    // "node 2 pid 1234 running 127.0.0.1:28992"
    for line in status.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["node", n, "pid", _, "paused", ..] => paused.push(n.to_string()),
            ["node", n, "pid", _, "stopped", ..] => stopped.push(n.to_string()),
            _ => {}
        }
    }
    if !paused.is_empty() {
        let args = [vec!["resume"], paused.iter().map(String::as_str).collect()].concat();
        cluster_sh(&args)?;
        eprintln!("healed: resumed node(s) {paused:?}");
    }
    if !stopped.is_empty() {
        let args = [vec!["start"], stopped.iter().map(String::as_str).collect()].concat();
        cluster_sh(&args)?;
        eprintln!("healed: started node(s) {stopped:?}");
    }
    Ok(())
}

/// Heals the cluster when dropped: at the end of a run, and while
/// unwinding from a failure, so the tests after it find three nodes.
pub struct Healer;

impl Drop for Healer {
    fn drop(&mut self) {
        if let Err(e) = heal() {
            eprintln!("healing the cluster failed: {e}");
        }
    }
}

/// Waits (at most `limit`) until every node runs and every partition of
/// `topic` has a leader and all three replicas in sync; false if that
/// did not happen in time.
pub fn wait_whole(topic: &str, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    loop {
        let all_running = cluster_sh(&["status"])
            .is_ok_and(|s| s.lines().filter(|l| l.contains(" running ")).count() == NODES.len());
        let in_sync = all_running
            && partition_states(topic).is_ok_and(|states| {
                states
                    .iter()
                    .all(|s| s.leader >= 0 && s.isr.len() == NODES.len())
            });
        if in_sync {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        sleep(Duration::from_millis(500));
    }
}

/// Runs faults from the schedule of `seed` while less than `budget` has
/// passed since `started` (and at least one full round, so each kind
/// happens), waiting before each until the cluster is whole. Returns how
/// many faults it inflicted.
pub fn run(topic: &str, seed: u64, partitions: i32, budget: Duration, started: Instant) -> usize {
    let _healer = Healer;
    let mut schedule = Schedule::new(seed, partitions);
    // Bounded in count as well as time (every fault is bounded by
    // cluster.sh's own timeouts).
    let most = KINDS + budget.as_secs() as usize / 10;
    let mut done = 0;
    while done < most && (done < KINDS || started.elapsed() < budget) {
        if !wait_whole(topic, Duration::from_secs(90)) {
            say(started, "the cluster is not whole after 90 s; going on");
        }
        sleep(schedule.quiet());
        let fault = schedule.next_fault();
        done += 1;
        say(started, format_args!("fault {done}: {fault}"));
        inflict(&fault, topic, started);
    }
    say(started, format_args!("nemesis done: {done} faults"));
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_schedule_and_each_round_has_every_kind() {
        let take = |seed| {
            let mut s = Schedule::new(seed, 6);
            (0..KINDS * 2).map(|_| s.next_fault()).collect::<Vec<_>>()
        };
        assert_eq!(take(7), take(7));
        assert_ne!(take(7), take(8));
        for round in take(7).chunks(KINDS) {
            let kinds: std::collections::BTreeSet<_> = round
                .iter()
                .map(std::mem::discriminant)
                .map(|d| format!("{d:?}"))
                .collect();
            assert_eq!(kinds.len(), KINDS, "{round:?}");
        }
    }
}
