#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs,
# checks formatting and lints, runs every test (unit, property, golden,
# oracle, fuzz corpora, the adapters' loopback tests), starts a real 3-node
# Apache Kafka cluster and runs the tests against it (the codec, the core,
# every adapter end to end, the chaos test, the command-line producer), runs each fuzz
# target for a short time, and stops the cluster even when something fails.
#
#   bash tests/run-all.sh            # everything
#   FUZZ_SECONDS=120 CHAOS_SECONDS=600 bash tests/run-all.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fuzz_seconds="${FUZZ_SECONDS:-30}"
log="$root/target/run-all.log"
mkdir -p "$root/target"
: >"$log"

step() { printf '\n==> %s\n' "$*"; }

install_tools() {
    local missing=()
    command -v kcat >/dev/null || missing+=(kcat)
    command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || missing+=(maven)
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    if ! command -v cargo-fuzz >/dev/null; then
        step "installing cargo-fuzz"
        cargo install cargo-fuzz --version 0.13.2 --locked
    fi
}

# Runs a cargo test command, keeping its output for the final tally.
run_tests() {
    "$@" 2>&1 | tee -a "$log"
    return "${PIPESTATUS[0]}"
}

# Lines through the blocking adapter's `produce` example, read back with
# kcat: every line exactly once.
cli_smoke() {
    local topic="cli-smoke-$$" lines=20000 out total good
    tests/kafka/cluster.sh create-topic "$topic" 6 3 min.insync.replicas=2 >/dev/null
    seq 1 "$lines" | sed 's/^\(.*\)$/key-\1\tvalue-\1/' |
        cargo run --quiet -p kafka-sansio-blocking --example produce -- \
            --bootstrap "$KAFKA_BOOTSTRAP" --topic "$topic" --key-separator $'\t' -X linger.ms=10
    out=$(kcat -C -b "$KAFKA_BOOTSTRAP" -t "$topic" -e -q -f '%k=%s\n')
    total=$(printf '%s\n' "$out" | grep -c .)
    good=$(printf '%s\n' "$out" | sort -u | grep -c '^key-\([0-9]*\)=value-\1$')
    echo "kcat read $total records, $good distinct key=value lines of $lines sent"
    [ "$total" = "$lines" ] && [ "$good" = "$lines" ] ||
        { echo "command-line producer: expected each of $lines lines exactly once" >&2; return 1; }
}

# The chaos test heals the cluster even when it fails; should a node still
# be down, the steps after it get a fresh cluster.
whole_cluster() {
    local status
    status=$(tests/kafka/cluster.sh status)
    if grep -qv ' running ' <<<"$status"; then
        echo "$status"
        step "a node is not running after the chaos test: a fresh cluster"
        tests/kafka/cluster.sh up 3 >/dev/null
    fi
}

cluster_up=0
cleanup() {
    if [ "$cluster_up" = 1 ]; then
        step "stopping the Kafka cluster"
        tests/kafka/cluster.sh down || true
    fi
}
trap cleanup EXIT

install_tools

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

step "the comparison's result parser (benches/compare)"
python3 benches/compare/test_results.py

step "unit, property, golden, oracle, corpus and simulation tests (1,000 fault schedules)"
run_tests cargo test --workspace --all-features

step "the main job: the producer's story on a simulated cluster"
cargo run --quiet --example demo | tail -n 3

step "real Apache Kafka: 3 brokers on loopback"
cluster_up=1
tests/kafka/cluster.sh up 3
export KAFKA_BOOTSTRAP="$(tests/kafka/cluster.sh bootstrap)"
run_tests cargo test --all-features --test real_kafka -- --ignored --test-threads=1
step "every adapter end to end on the real cluster (tests/e2e)"
rm -f target/e2e-figures.txt
run_tests cargo test --all-features -p kafka-sansio-e2e -- --ignored --test-threads=1 --skip chaos
cat target/e2e-figures.txt
step "chaos: nodes killed, bounced and paused while producing, then every record checked (${CHAOS_SECONDS:-150}s of faults)"
run_tests cargo test --all-features -p kafka-sansio-e2e --test chaos -- --ignored --nocapture
whole_cluster
step "the command-line producer"
cli_smoke
tests/kafka/cluster.sh down
cluster_up=0

step "fuzz smoke: ${fuzz_seconds}s per target"
(
    cd fuzz
    # cargo-fuzz asks for sanitizer flags that stable rustc accepts only
    # with RUSTC_BOOTSTRAP; the toolchain itself ships the ASan runtime.
    export RUSTC_BOOTSTRAP=1
    cargo fuzz build -O
    for target in $(cargo fuzz list); do
        mkdir -p "corpus-run/$target"
        out="../target/fuzz-$target.log"
        # Any non-zero exit fails the suite: a crash, a leak, an OOM or a
        # timeout (libFuzzer saves the input under artifacts/), or a target
        # that did not start at all.
        if ! cargo fuzz run -O "$target" "corpus-run/$target" "corpus/$target" -- \
            -max_total_time="$fuzz_seconds" -print_final_stats=1 >"$out" 2>&1; then
            tail -n 40 "$out" >&2
            echo "fuzz target $target failed: see fuzz/artifacts/$target and $out" >&2
            exit 1
        fi
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|DONE' "$out" |
            sed "s/^/[$target] /"
    done
)

step "summary"
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
echo "suite: ${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
