#!/usr/bin/env bash
# benches/compare/run.sh - kafka-sansio side by side with the Java producer, librdkafka and
# franz-go on a real local Kafka cluster (tests/kafka/cluster.sh), with identical settings.
#
#   benches/compare/run.sh            full run: 16 configurations x 5 clients x REPEATS
#   QUICK=1 benches/compare/run.sh    3 configurations, 1 repeat, short runs (to try it out)
#
# From a clean clone it installs what it needs (Debian: librdkafka-dev pkg-config gcc time;
# the franz-go module through the Go proxy; the Kafka jars through cluster.sh), builds the
# peers, brings up each cluster it needs (3 nodes with RF=3, then 1 node with RF=1), creates a
# fresh 6-partition topic for every run, runs every client under /usr/bin/time with the same
# producer properties, and prints one table of medians. It stops what it started.
#
# Environment (all optional):
#   KAFKA_INSTANCE   cluster instance for cluster.sh (default 0; ports N(9092-100*I))
#   QUICK=1          few configurations, 1 repeat, fixed short runs
#   REPEATS          runs per client and configuration; the table shows medians (default 5:
#                    at 1 node with 1 KiB records a client's runs spread up to 1.67x, and
#                    three could not order the clients there; five did, in every cell. In one
#                    slow run profiled, the broker's copy into the page cache was the largest
#                    cost: BENCHMARKS.md, the eighteenth stop)
#   TARGET_SECS      how long each measured run should last (default 10): the record count
#                    comes from a short calibration run of the same client and configuration
#   CLIENTS          subset of: ours-blocking ours-async java librdkafka franz-go
#   LAYOUTS          subset of: 3 1 (nodes; RF = nodes)
#   CONFIGS          "SIZE:BATCH:CODEC ..." to replace the configuration matrix
#   WARMUP_RUNS      unmeasured runs on a fresh cluster, at most (default 4); they stop once
#                    the rate is within WARMUP_SETTLE percent (default 15) of the previous run's
#   SETTLE_RUNS      unmeasured full-length runs of each client per configuration, before the
#                    measured repeats (default 0; the sixteenth stop's full run used 1)
#   BUFFER_MEMORY    buffer.memory given to every client (default 33554432, Java's default;
#                    empty to leave each client's own bound)
#   SAME_COUNT       1 (default): every client of a configuration sends the same number of
#                    records, the largest calibrated for any of them (so the slower clients'
#                    runs last longer than TARGET_SECS); 0: each client its own count
#   COMPARE_OUT      output directory (default target/compare)
# Output: $COMPARE_OUT/results.csv (every run, with calibrations), table.txt, table.md,
#         machine.txt, logs/ (each run's output), chart.svg (benches/compare/chart.py).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd "$HERE/../.." && pwd -P)"
CLUSTER="$ROOT/tests/kafka/cluster.sh"
export KAFKA_INSTANCE="${KAFKA_INSTANCE:-0}"

QUICK="${QUICK:-0}"
ALL_CLIENTS="ours-blocking ours-async java librdkafka franz-go"
CLIENTS="${CLIENTS:-$ALL_CLIENTS}"
LAYOUTS="${LAYOUTS:-3 1}"
TARGET_SECS="${TARGET_SECS:-10}"
BUFFER_MEMORY="${BUFFER_MEMORY-33554432}"
OUT="${COMPARE_OUT:-$ROOT/target/compare}"
BIN="$OUT/bin"
LOGS="$OUT/logs"
CSV="$OUT/results.csv"
RESULTS="$HERE/results.py"

if [[ "$QUICK" == 1 ]]; then
  REPEATS="${REPEATS:-1}"
  # Fixed bytes per run instead of a calibration.
  QUICK_BYTES="${QUICK_BYTES:-$((20 * 1024 * 1024))}"
fi
REPEATS="${REPEATS:-5}"
SETTLE_RUNS="${SETTLE_RUNS:-0}"
# Calibration runs send this many bytes; their rate sizes the measured runs.
CALIBRATION_BYTES="${CALIBRATION_BYTES:-$((24 * 1024 * 1024))}"
MAX_RECORDS="${MAX_RECORDS:-100000000}"
SAME_COUNT="${SAME_COUNT:-1}"

log() { echo "compare: $*" >&2; }
die() { echo "compare: error: $*" >&2; exit 1; }

# Configurations of one layout: "RECORD_SIZE:BATCH_SIZE:COMPRESSION".
configs_for() {  # configs_for NODES
  if [[ -n "${CONFIGS:-}" ]]; then echo "$CONFIGS"; return; fi
  if [[ "$QUICK" == 1 ]]; then
    if [[ "$1" == 3 ]]; then echo "100:16384:none 1024:262144:lz4"; else echo "100:16384:none"; fi
    return
  fi
  local size batch codec out=""
  for size in 100 1024; do
    for batch in 16384 262144; do
      for codec in none lz4; do out+="$size:$batch:$codec "; done
    done
  done
  echo "$out"
}

# ---------------------------------------------------------------- install and build

install_packages() {
  local missing=() pkg
  for pkg in librdkafka-dev pkg-config gcc time; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} (apt-get)"
  if [[ $EUID -eq 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

has_example() {  # has_example PACKAGE EXAMPLE : the workspace package has that example target
  (cd "$ROOT" && cargo metadata --no-deps --format-version 1) | python3 -c '
import json, sys
meta = json.load(sys.stdin)
pkg, ex = sys.argv[1], sys.argv[2]
sys.exit(0 if any(p["name"] == pkg and any(t["name"] == ex and "example" in t["kind"]
                  for t in p["targets"]) for p in meta["packages"]) else 1)' "$1" "$2"
}

cargo_target_dir() {  # honours CARGO_TARGET_DIR and .cargo/config
  (cd "$ROOT" && cargo metadata --no-deps --format-version 1) |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

build_ours() {  # build_ours CLIENT PACKAGE : the perf example, copied to $BIN/CLIENT
  local client=$1 pkg=$2
  rm -f "$BIN/$client"
  if ! has_example "$pkg" perf; then
    log "skipping $client: $pkg has no perf example yet (cargo run --release -p $pkg --example perf)"
    return 0
  fi
  log "building $client (cargo build --release -p $pkg --example perf)"
  if (cd "$ROOT" && cargo build --release -q -p "$pkg" --example perf); then
    # Both adapters' examples are named perf and land on the same path: keep a copy of each.
    cp "$(cargo_target_dir)/release/examples/perf" "$BIN/$client"
  else
    log "skipping $client: its perf example does not build"
  fi
}

build_peers() {
  mkdir -p "$BIN"
  if wants librdkafka; then
    log "building librdkafka perf ($(pkg-config --modversion rdkafka))"
    gcc -O2 -Wall -Wextra -o "$BIN/librdkafka" "$HERE/rdkafka/perf.c" $(pkg-config --cflags --libs rdkafka)
  fi
  if wants franz-go; then
    command -v go >/dev/null || die "go not found (needed for the franz-go peer)"
    log "building franz-go perf (go build; franz-go from the Go module proxy)"
    (cd "$HERE/franz" && go build -o "$BIN/franz-go" .)
  fi
  # The brokers (and the Java producer) run from the Kafka jars: fetched once (mvn).
  "$CLUSTER" classpath >/dev/null
  wants ours-blocking && build_ours ours-blocking kafka-sansio-blocking
  wants ours-async && build_ours ours-async kafka-sansio-async
  return 0
}

wants() { [[ " $CLIENTS " == *" $1 "* ]]; }

available() {  # the client can run here
  case "$1" in
    java) return 0 ;;
    *) [[ -x "$BIN/$1" ]] ;;
  esac
}

client_cmd() {  # client_cmd CLIENT : the command line before the ProducerPerformance flags
  case "$1" in
    java) echo "$CLUSTER tool org.apache.kafka.tools.ProducerPerformance" ;;
    *) echo "$BIN/$1" ;;
  esac
}

# What the figures were measured on, for BENCHMARKS.md.
machine_info() {
  local kafka
  # The jars may not be fetched yet (the cluster fetches them when it first starts): under
  # pipefail a failed `ls` would end the script here.
  kafka="$(ls "$ROOT"/target/kafka/lib/kafka-clients-*.jar 2>/dev/null | sed -n 's/.*kafka-clients-\(.*\)\.jar/\1/p' | head -n 1 || true)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel: $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "kafka (brokers and the Java producer): ${kafka:-?}; $(java -version 2>&1 | head -n 1)"
  echo "librdkafka: $(pkg-config --modversion rdkafka 2>/dev/null || echo ?); $(gcc --version | head -n 1)"
  echo "franz-go: $(cd "$HERE/franz" && go list -m -f '{{.Version}}' github.com/twmb/franz-go 2>/dev/null || echo ?); $(go version 2>/dev/null)"
  echo "kafka-sansio: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?); $(rustc --version 2>/dev/null)"
}

# ---------------------------------------------------------------- one run

RUN_SEQ=0
# run_client PHASE NODES SIZE BATCH CODEC CLIENT REPEAT RECORDS : one run on a fresh topic;
# appends a row to the CSV and prints the log's path.
run_client() {
  local phase=$1 nodes=$2 size=$3 batch=$4 codec=$5 client=$6 rep=$7 records=$8
  local rf=$nodes topic log tf rc=0 limit props
  RUN_SEQ=$((RUN_SEQ + 1))
  topic="cmp-$RUN_SEQ-n$nodes-s$size-b$batch-$codec-$client-$phase$rep"
  log="$LOGS/$topic.log"
  tf="$LOGS/$topic.time"
  "$CLUSTER" create-topic "$topic" 6 "$rf" 2>>"$LOGS/cluster.log"
  # Every run starts with nothing waiting to be written back: a run of 1 KiB records
  # writes gigabytes to the brokers' page cache, and without this the next run, whichever
  # client it is, shares the cores and the disk with that writeback (BENCHMARKS.md, the
  # tenth stop).
  sync
  props=("bootstrap.servers=$BOOTSTRAP" acks=all enable.idempotence=true linger.ms=5
    "batch.size=$batch" "compression.type=$codec" max.in.flight.requests.per.connection=5)
  [[ -n "$BUFFER_MEMORY" ]] && props+=("buffer.memory=$BUFFER_MEMORY")
  # Generous limit: a wedged client must not stall the whole comparison.
  limit=$((TARGET_SECS * 20 + 120))
  # shellcheck disable=SC2046
  /usr/bin/time -o "$tf" -f '%U %S %M %e' timeout -k 10 "$limit" $(client_cmd "$client") \
    --topic "$topic" --num-records "$records" --record-size "$size" --throughput -1 \
    --producer-props "${props[@]}" >"$log" 2>&1 || rc=$?
  python3 "$RESULTS" record "$CSV" "$log" "$tf" phase="$phase" nodes="$nodes" rf="$rf" \
    record_size="$size" batch_size="$batch" compression="$codec" client="$client" \
    repeat="$rep" num_records="$records" topic="$topic" exit="$rc" ||
    log "  $client failed (exit $rc); last lines of $log:$(echo; tail -n 5 "$log" | sed 's/^/    /')"
  # Deleting the topic keeps the disk from filling during a long comparison; delete-topic
  # returns once the files are gone, so that unlinking them does not land in the next run.
  "$CLUSTER" delete-topic "$topic" >/dev/null 2>>"$LOGS/cluster.log" || true
  echo "$log"
}

records_for() {  # records_for NODES SIZE BATCH CODEC CLIENT : record count for ~TARGET_SECS
  local nodes=$1 size=$2 batch=$3 codec=$4 client=$5 calib log rate n
  if [[ "$QUICK" == 1 ]]; then
    echo $((QUICK_BYTES / size)); return
  fi
  calib=$((CALIBRATION_BYTES / size))
  log="$(run_client calibration "$nodes" "$size" "$batch" "$codec" "$client" 1 "$calib")"
  rate="$(python3 "$RESULTS" rate "$log" || echo 0)"
  n=$((rate * TARGET_SECS))
  ((n >= calib)) || n=$calib
  ((n <= MAX_RECORDS)) || n=$MAX_RECORDS
  echo "$n"
}

# measured_run NODES SIZE BATCH CODEC CLIENT REPEAT : one measured run of ~TARGET_SECS. The
# brokers keep getting faster for minutes (JIT, page cache), so a calibration run can put the
# rate several times too low: a run that ends in under 70 % of TARGET_SECS is relabelled
# phase=short in the CSV (left out of the medians) and run again with its record count scaled
# by the rate it reached, at most twice; the new count also serves the later repeats.
measured_run() {
  local nodes=$1 size=$2 batch=$3 codec=$4 client=$5 rep=$6 attempt records log topic
  for attempt in 1 2 3; do
    records=${counts[$client]}
    log "$nodes node(s) RF=$nodes size=$size batch=$batch $codec: $client run $rep/$REPEATS ($records records)"
    log="$(run_client run "$nodes" "$size" "$batch" "$codec" "$client" "$rep" "$records")"
    [[ "$QUICK" != 1 ]] || return 0
    ((attempt < 3 && records < MAX_RECORDS)) || return 0
    records="$(count_if_short "$log")"
    [[ -n "$records" ]] || return 0
    topic="$(basename "$log" .log)"
    sed -i "s/^run,\(.*,$topic,\)/short,\1/" "$CSV"
    counts[$client]=$records
    even_out_counts
    log "  that run ended too soon (the brokers got faster since the calibration): again with $records records"
  done
}

# count_if_short LOG : when LOG's run ended in under 70 % of TARGET_SECS, prints the record
# count that lasts TARGET_SECS at the rate it reached; prints nothing for a failed run (no
# final line) or one that lasted long enough.
count_if_short() {
  local log=$1 wall rate records
  wall="$(awk '{ print $4 }' "${log%.log}.time" 2>/dev/null || echo 0)"
  rate="$(python3 "$RESULTS" rate "$log" || echo 0)"
  ((rate > 0)) || return 0
  awk -v w="$wall" -v t="$TARGET_SECS" 'BEGIN { exit !(w < 0.7 * t) }' || return 0
  records=$((rate * TARGET_SECS))
  ((records <= MAX_RECORDS)) || records=$MAX_RECORDS
  echo "$records"
}

# settle_run NODES SIZE BATCH CODEC CLIENT RUN : one unmeasured run of the measured length
# (phase=settle in the CSV). In the eleven full runs before it was added, the first measured
# repeat was a client's slowest in 30-45 of each run's 80 client-configuration cells (about 27
# by chance), for every client alike. A settling run per client did not change that: the full
# run made with SETTLE_RUNS=1 still had it in 45 cells (BENCHMARKS.md, the sixteenth stop), so
# it is off by default. A settling run that ends too soon (as a measured run would be redone)
# raises the record count from its rate. (Runs redone for ending too soon: 4 in the full run
# made with it, 13 and 16 in the full runs before and after it, on counts alone.)
settle_run() {
  local nodes=$1 size=$2 batch=$3 codec=$4 client=$5 run=$6 log records
  log "$nodes node(s) RF=$nodes size=$size batch=$batch $codec: $client settling run $run (${counts[$client]} records, not measured)"
  log="$(run_client settle "$nodes" "$size" "$batch" "$codec" "$client" "$run" "${counts[$client]}")"
  records="$(count_if_short "$log")"
  [[ -n "$records" ]] && ((records > counts[$client])) || return 0
  counts[$client]=$records
  even_out_counts
}

# With SAME_COUNT=1 every client of a configuration sends the largest count calibrated for any
# of them, so each run writes the same bytes to the brokers. Sized by each client's own rate, a
# faster client wrote more: at 1 node, 1 KiB, 256 KiB, 4-5.5 GB against a slower client's 3 GB,
# past the kernel's dirty-page thresholds, and its rate then depended on the writeback.
even_out_counts() {  # with SAME_COUNT=1, every client's count becomes the largest
  local client max=0
  [[ "$SAME_COUNT" == 1 ]] || return 0
  for client in "${!counts[@]}"; do
    ((counts[$client] <= max)) || max=${counts[$client]}
  done
  for client in "${!counts[@]}"; do counts[$client]=$max; done
}

# A fresh cluster is cold: the brokers' JIT has not compiled the produce path yet, and the
# first idempotent producer waits for the coordinator to load ("Coordinator load in
# progress"). On the 3-node cluster the brokers kept speeding up for several runs (the same
# client: 41 700, 70 200, 74 100 records/s in three runs of 300 000 x 100 B), so a single
# warm-up run left the first clients measured on slower brokers than the last. Unmeasured
# runs (phase=warmup in the CSV) repeat until the rate settles: within WARMUP_SETTLE percent
# of the previous run's (default 15), at most WARMUP_RUNS runs (default 4).
warm_up() {  # warm_up NODES CLIENT
  local size=1024 bytes=$((QUICK == 1 ? QUICK_BYTES : CALIBRATION_BYTES)) run log rate prev=0
  for ((run = 1; run <= ${WARMUP_RUNS:-4}; run++)); do
    log "$1 node(s): warm-up run $run of $2 ($((bytes / size)) records, not measured)"
    log="$(run_client warmup "$1" "$size" 16384 none "$2" "$run" "$((bytes / size))")"
    rate="$(python3 "$RESULTS" rate "$log" || echo 0)"
    if ((prev > 0 && rate > 0)) &&
      ((100 * (rate > prev ? rate - prev : prev - rate) <= ${WARMUP_SETTLE:-15} * prev)); then
      return 0
    fi
    prev=$rate
  done
}

# rotated REP CFG_SEQ CLIENT... : the clients in the order of repeat REP of configuration
# CFG_SEQ, one per line; rotated each repeat and each configuration.
rotated() {
  local rep=$1 cfg=$2 i
  shift 2
  for ((i = 0; i < $#; i++)); do
    local at=$(((i + rep - 1 + cfg) % $# + 1))
    echo "${!at}"
  done
}

# ---------------------------------------------------------------- main

CLUSTER_UP=0
cleanup() {
  if ((CLUSTER_UP)); then
    log "stopping the cluster (KAFKA_INSTANCE=$KAFKA_INSTANCE)"
    "$CLUSTER" down 2>>"$LOGS/cluster.log" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

main() {
  local nodes cfg size batch codec client rep records clients_ok=() cfg_seq=0
  declare -A counts
  for client in $CLIENTS; do
    [[ " $ALL_CLIENTS " == *" $client "* ]] || die "unknown client '$client' (known: $ALL_CLIENTS)"
  done
  rm -rf "$LOGS"   # each run's logs belong to this comparison only
  mkdir -p "$OUT" "$LOGS"
  install_packages
  build_peers
  for client in $CLIENTS; do
    if available "$client"; then clients_ok+=("$client"); fi
  done
  ((${#clients_ok[@]})) || die "no client to run"
  log "clients: ${clients_ok[*]}; layouts: $LAYOUTS; repeats: $REPEATS (after $SETTLE_RUNS settling); KAFKA_INSTANCE=$KAFKA_INSTANCE"
  rm -f "$CSV"
  machine_info | tee "$OUT/machine.txt" | sed 's/^/compare: /' >&2
  for nodes in $LAYOUTS; do
    [[ "$nodes" == 1 || "$nodes" == 3 ]] || die "LAYOUTS: nodes must be 1 or 3, got '$nodes'"
    log "cluster: $nodes node(s), RF=$nodes"
    CLUSTER_UP=1
    BOOTSTRAP="$("$CLUSTER" up "$nodes" 2>>"$LOGS/cluster.log")"
    warm_up "$nodes" "${clients_ok[0]}"
    for cfg in $(configs_for "$nodes"); do
      cfg_seq=$((cfg_seq + 1))
      IFS=: read -r size batch codec <<<"$cfg"
      counts=()
      for client in "${clients_ok[@]}"; do
        counts[$client]="$(records_for "$nodes" "$size" "$batch" "$codec" "$client")"
      done
      even_out_counts
      for ((rep = 1; rep <= SETTLE_RUNS; rep++)); do
        for client in $(rotated "$rep" "$cfg_seq" "${clients_ok[@]}"); do
          settle_run "$nodes" "$size" "$batch" "$codec" "$client" "$rep"
        done
      done
      for ((rep = 1; rep <= REPEATS; rep++)); do
        # Rotate the order each repeat, and each configuration, so that drift on a shared
        # machine spreads evenly (with REPEATS=1 no client always runs first or last).
        for client in $(rotated "$rep" "$cfg_seq" "${clients_ok[@]}"); do
          measured_run "$nodes" "$size" "$batch" "$codec" "$client" "$rep"
        done
      done
    done
    "$CLUSTER" down 2>>"$LOGS/cluster.log"
    CLUSTER_UP=0
  done
  echo
  python3 "$RESULTS" table "$CSV" --markdown "$OUT/table.md" | tee "$OUT/table.txt"
  python3 "$HERE/chart.py" "$CSV" "$OUT/chart.svg"
  log "results: $CSV, $OUT/table.txt, $OUT/table.md, $OUT/machine.txt, chart $OUT/chart.svg"
}

main "$@"
