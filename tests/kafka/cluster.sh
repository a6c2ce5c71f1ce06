#!/usr/bin/env bash
# cluster.sh - a local Apache Kafka 4.4.0 (KRaft) cluster on 127.0.0.1, built only from
# Maven Central jars (see README.md next to this file).
#
#   cluster.sh up [1|3]          fresh cluster of 1 or 3 (default) broker+controller nodes;
#                                prints the bootstrap list when ready
#   cluster.sh down              stop every node (by pid) and remove the data dirs
#   cluster.sh status            one line per node: id, pid, state, client address
#   cluster.sh bootstrap         bootstrap list of the running (not paused) nodes
#   cluster.sh kill N...         SIGKILL node(s) N
#   cluster.sh stop N...         SIGTERM node(s) N and wait until exited (SIGKILL after 60 s)
#   cluster.sh start N...        restart node(s) N on their existing data, wait until ready
#   cluster.sh pause N...        SIGSTOP node(s) N
#   cluster.sh resume N...       SIGCONT node(s) N
#   cluster.sh create-topic NAME PARTITIONS RF [key=value ...]
#   cluster.sh delete-topic NAME   delete it; returns once its files are gone from the nodes
#   cluster.sh topic-dirs NAME     its partitions' directories on the running nodes, one a line
#   cluster.sh describe TOPIC
#   cluster.sh leader TOPIC PARTITION   prints the leader's node id (-1 if none)
#   cluster.sh controller        prints the active KRaft controller's node id (asks running nodes)
#   cluster.sh tool CLASS [ARGS...]     run any Kafka tool class on the harness class path
#   cluster.sh classpath         fetch the jars if needed and print the Java class path
#
# Node N: clients on 127.0.0.1:N9092, controller on 127.0.0.1:N9093 (see KAFKA_INSTANCE below),
# state under <repo>/target/kafka/nodeN/{data,logs,pid,server.properties}.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd "$HERE/../.." && pwd -P)"
# KAFKA_INSTANCE=I (0-9, default 0) runs a second, independent cluster next to the first:
# client ports N(9092-100*I), controller ports one above, state in target/kafka-I.
INSTANCE="${KAFKA_INSTANCE:-0}"
[[ "$INSTANCE" =~ ^[0-9]$ ]] || { echo "cluster.sh: error: KAFKA_INSTANCE must be 0-9" >&2; exit 2; }
CPORT=$((9092 - 100 * INSTANCE))  # node N's client port is "N$CPORT"
KPORT=$((CPORT + 1))              # and its controller port "N$KPORT"
if ((INSTANCE == 0)); then K="$ROOT/target/kafka"; else K="$ROOT/target/kafka-$INSTANCE"; fi
LIB="$ROOT/target/kafka/lib"    # jar cache filled by `mvn dependency:copy-dependencies`, shared
ENVF="$K/cluster.env"           # NODES=, CLUSTER_ID= of the current cluster

UP_TIMEOUT="${KAFKA_UP_TIMEOUT:-120}"       # seconds to wait for nodes to become ready
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"    # seconds `stop N` waits after SIGTERM before SIGKILL
DOWN_TIMEOUT="${KAFKA_DOWN_TIMEOUT:-15}"    # seconds `down` waits after SIGTERM before SIGKILL
TOPIC_TIMEOUT="${KAFKA_TOPIC_TIMEOUT:-60}"  # seconds create-topic waits for leaders, delete-topic
                                            # for the files to go

# Broker JVM: small heap, few GC/JIT threads (3 JVMs share 2 cores).
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
JVM_OPTS="${KAFKA_JVM_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 -XX:CICompilerCount=2 -XX:MaxDirectMemorySize=256m -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
# Short admin JVMs run by this script (StorageTool, TopicCommand): optimise for start-up time.
ADMIN_OPTS="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true"
# JVMs run by `cluster.sh tool` (e.g. ProducerPerformance): full JIT, like bin/kafka-run-class.sh.
TOOL_OPTS="${KAFKA_TOOL_OPTS:--Xmx512m -XX:+UseG1GC -Djava.awt.headless=true}"

die() { echo "cluster.sh: error: $*" >&2; exit 1; }
log() { echo "cluster.sh: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-2}"
}

# ---------------------------------------------------------------- jars

ensure_jars() {
  local want
  want="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$LIB/.complete" && "$(<"$LIB/.complete")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars)"
  log "fetching Kafka jars into $LIB (mvn dependency:copy-dependencies)"
  mkdir -p "$K" "$(dirname "$LIB")"
  rm -rf "$LIB.tmp"
  if ! mvn -B -q -f "$HERE/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" >"$K/mvn.log" 2>&1; then
    tail -n 40 "$K/mvn.log" >&2
    die "mvn dependency:copy-dependencies failed (full log: $K/mvn.log)"
  fi
  ls "$LIB.tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar after mvn (see $K/mvn.log)"
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
  echo "$want" >"$LIB/.complete"
}

need_jars() {
  [[ -f "$LIB/.complete" ]] || die "jar cache $LIB missing; run: $0 up"
}

tool() {  # tool CLASS ARGS... : run a Kafka CLI class quickly (logs: WARN+ to stderr)
  need_jars
  # shellcheck disable=SC2086
  java $ADMIN_OPTS -Dlog4j2.configurationFile="$HERE/tools-log4j2.properties" -cp "$LIB/*" "$@"
}

# ---------------------------------------------------------------- processes

proc_state() {  # single-letter state of pid from /proc (R,S,D,T,t,Z,...) or empty
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  s="${s##*) }"
  echo "${s%% *}"
}

is_node_proc() {  # is_node_proc PID N : PID is alive (not a zombie) and is our node N
  local pid=$1 n=$2 st cmd
  st="$(proc_state "$pid")"
  [[ -n "$st" && "$st" != Z && "$st" != X ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *kafka.Kafka* && "$cmd" == *"$K/node$n/server.properties"* ]]
}

node_pid() {  # prints the pid of node N if it is running (or paused); fails otherwise
  local n=$1 f="$K/node$1/pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_node_proc "$pid" "$n" || return 1
  echo "$pid"
}

node_state() {  # running | paused | stopped
  local pid st
  if pid="$(node_pid "$1")"; then
    st="$(proc_state "$pid")"
    if [[ "$st" == T || "$st" == t ]]; then echo paused; else echo running; fi
  else
    echo stopped
  fi
}

wait_gone() {  # wait_gone PID N TIMEOUT : true if the process exited within TIMEOUT s
  local pid=$1 n=$2 end=$((SECONDS + $3))
  while is_node_proc "$pid" "$n"; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------- configuration

load_env() {
  [[ -f "$ENVF" ]] || die "no cluster (missing $ENVF); run: $0 up"
  # shellcheck disable=SC1090
  source "$ENVF"
  [[ "${NODES:-}" =~ ^[13]$ ]] || die "bad NODES in $ENVF"
}

check_node_arg() {
  [[ "${1:-}" =~ ^[1-9]$ ]] || die "node id must be a number, got '${1:-}'"
  (($1 <= NODES)) || die "node $1 does not exist (cluster has $NODES node(s))"
}

write_props() {  # write_props N NODES
  local n=$1 nodes=$2 rf minisr voters="" i
  if ((nodes == 1)); then rf=1; minisr=1; else rf=3; minisr=2; fi
  for ((i = 1; i <= nodes; i++)); do voters+="${voters:+,}$i@127.0.0.1:${i}${KPORT}"; done
  cat >"$K/node$n/server.properties" <<EOF
# generated by tests/kafka/cluster.sh up $nodes -- node $n of $nodes
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${n}${CPORT},CONTROLLER://127.0.0.1:${n}${KPORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${n}${CPORT}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$K/node$n/data

# topics: explicit creation only; durable defaults
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$minisr
unclean.leader.election.enable=false

# internal topics: RF=$rf, few partitions (defaults are 50 each)
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
share.coordinator.state.topic.num.partitions=3
group.initial.rebalance.delay.ms=0

# 2-core sizing (defaults: network 3, io 8, background 10)
num.network.threads=2
num.io.threads=2
background.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1

# a deleted topic's files go after 1 s, not a minute (the broker-level name: the topic-level
# file.delete.delay.ms is ignored here): benches/compare/run.sh deletes each run's topic, and
# with a minute's delay, runs at full speed left tens of GB on disk per node, unlinked during
# later measured runs (delete-topic waits for the files, see cmd_delete_topic)
log.segment.delete.delay.ms=1000

# faster failure detection for chaos tests (defaults 9000 / 2000 / 30000)
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
replica.lag.time.max.ms=10000
EOF
}

# ---------------------------------------------------------------- readiness

port_listening() {  # true if something accepts TCP connections on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

api_versions_ok() {  # raw Kafka ApiVersions v0 request to 127.0.0.1:PORT; true on error_code 0
  local port=$1 hex
  hex="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      # size=15 | api_key=18 (ApiVersions) | version=0 | correlation_id=7 | client_id="probe"
      printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x07\x00\x05probe" >&3
      head -c 10 <&3 | od -An -tx1' _ "$port" 2>/dev/null | tr -d ' \n')" || return 1
  # response: size(4) correlation_id(4) error_code(2)
  [[ "${hex:8:12}" == "000000070000" ]]
}

log_size() { stat -c %s "$K/node$1/logs/server.log" 2>/dev/null || echo 0; }

node_started_since() {  # node_started_since N OFFSET : "Kafka Server started" logged after OFFSET
  local f="$K/node$1/logs/server.log" off=$2
  [[ -f "$f" ]] || return 1
  (($(stat -c %s "$f") >= off)) || off=0   # log was rolled
  # Not `tail | grep -q`: with pipefail, grep's early exit kills tail with
  # SIGPIPE once more than a pipe's worth follows the line, and the node
  # would never count as started.
  grep -q 'Kafka Server started' < <(tail -c +"$((off + 1))" "$f")
}

fail_node() {  # print diagnostics for node N and die
  local n=$1 msg=$2
  {
    echo "---- first errors in $K/node$n/logs/server.log"
    grep -m 3 ' ERROR ' "$K/node$n/logs/server.log" 2>/dev/null || true
    echo "---- tail of $K/node$n/logs/server.log"
    tail -n 30 "$K/node$n/logs/server.log" 2>/dev/null || true
    echo "---- tail of $K/node$n/logs/stdout.log"
    tail -n 15 "$K/node$n/logs/stdout.log" 2>/dev/null || true
    [[ -f "$K/node$n/logs/exit_status" ]] &&
      echo "---- node $n JVM exit status (128+N = killed by signal N): $(<"$K/node$n/logs/exit_status")"
    echo "----"
  } >&2
  die "$msg"
}

metadata_broker_ids() {  # ids of the unfenced brokers in the metadata served by 127.0.0.1:PORT
  # Raw Metadata v4 request (the oldest version Kafka 4.x still accepts) with an empty topic
  # list, so no JVM is needed. KRaft brokers only return unfenced brokers here.
  local port=$1 hex
  hex="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      # size=20 | api_key=3 (Metadata) | version=4 | correlation_id=9 | client_id="probe"
      # | topics=[] (int32 0) | allow_auto_topic_creation=false
      printf "\x00\x00\x00\x14\x00\x03\x00\x04\x00\x00\x00\x09\x00\x05probe\x00\x00\x00\x00\x00" >&3
      sz=$(head -c 4 <&3 | od -An -tu1 | awk "{ print \$1*16777216 + \$2*65536 + \$3*256 + \$4 }")
      [ -n "$sz" ] && [ "$sz" -gt 0 ] && [ "$sz" -lt 1048576 ] || exit 1
      head -c "$sz" <&3 | od -An -tx1 -v' _ "$port" 2>/dev/null | tr -d ' \n')" || return 1
  # response v4: correlation_id int32 | throttle_time_ms int32 | brokers int32 count, each
  #   { node_id int32 | host int16+bytes | port int32 | rack int16+bytes (-1 = null) } | ...
  [[ "${hex:0:8}" == 00000009 && ${#hex} -ge 24 ]] || return 1
  local pos=16 count i id len ids=()
  count=$((16#${hex:pos:8})); pos=$((pos + 8))
  for ((i = 0; i < count; i++)); do
    id=$((16#${hex:pos:8})); pos=$((pos + 8))
    len=$((16#${hex:pos:4})); pos=$((pos + 4 + 2 * len + 8))   # host, port
    len=$((16#${hex:pos:4})); pos=$((pos + 4))                 # rack
    ((len == 65535)) || pos=$((pos + 2 * len))
    ((pos <= ${#hex})) || return 1
    ids+=("$id")
  done
  printf '%s\n' "${ids[@]+"${ids[@]}"}" | sort -n | tr '\n' ' '
}

wait_ready() {  # wait_ready DEADLINE N:LOGOFFSET... : wait until the given nodes are ready
  # Ready means: (1) the node logged "Kafka Server started" after LOGOFFSET (in 4.4 this is
  # logged only once the broker is unfenced), (2) its client port answers a raw ApiVersions
  # request, and (3) every running node's metadata lists all the given nodes as brokers.
  local deadline=$1; shift
  local spec n off pending=("$@") next want="" q ids ok w
  for spec in "$@"; do want+=" ${spec%%:*}"; done
  while ((${#pending[@]})); do
    next=()
    for spec in "${pending[@]}"; do
      n=${spec%%:*}; off=${spec#*:}
      node_pid "$n" >/dev/null || fail_node "$n" "node $n exited during startup"
      node_started_since "$n" "$off" || next+=("$spec")
    done
    pending=("${next[@]+"${next[@]}"}")
    ((${#pending[@]} == 0)) && break
    ((SECONDS < deadline)) ||
      fail_node "${pending[0]%%:*}" "node(s)${want} not started within the timeout (${UP_TIMEOUT}s)"
    sleep 0.3
  done
  for n in $want; do
    until api_versions_ok "${n}${CPORT}"; do
      node_pid "$n" >/dev/null || fail_node "$n" "node $n exited during startup"
      ((SECONDS < deadline)) || fail_node "$n" "node $n: 127.0.0.1:${n}${CPORT} does not answer ApiVersions"
      sleep 0.3
    done
  done
  for ((q = 1; q <= NODES; q++)); do
    [[ "$(node_state "$q")" == running ]] || continue
    while :; do
      ids=" $(metadata_broker_ids "${q}${CPORT}" || true)"
      ok=1
      for w in $want; do [[ "$ids" == *" $w "* ]] || ok=0; done
      ((ok)) && break
      ((SECONDS < deadline)) ||
        fail_node "$q" "metadata from node $q lists brokers [${ids# }], expected to include [${want# }]"
      sleep 0.3
    done
  done
}

# ---------------------------------------------------------------- node control

launch_node() {  # launch_node N : start kafka.Kafka for node N in its own session
  # A small bash supervisor (setsid: immune to the caller's Ctrl-C / hang-up) starts the JVM,
  # writes its pid, waits for it and records its exit status. Waiting for the JVM reaps it at
  # once, so a killed node never lingers as a "[java] <defunct>" entry.
  local n=$1 d="$K/node$1" i
  mkdir -p "$d/logs"
  rm -f "$d/pid" "$d/logs/exit_status"
  # shellcheck disable=SC2016,SC2086
  setsid bash -c 'pidf=$1; dir=$2; shift 2
      cd "$dir" || exit 1
      "$@" &
      echo $! >"$pidf"
      wait $!
      echo "$? $(date "+%F %T")" >"$dir/logs/exit_status"' _ \
    "$d/pid" "$d" \
    java $HEAP_OPTS $JVM_OPTS -XX:ErrorFile="$d/logs/hs_err_pid%p.log" \
    -Dkafka.logs.dir="$d/logs" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$d/server.properties" \
    </dev/null >>"$d/logs/stdout.log" 2>&1 &
  for ((i = 0; i < 50; i++)); do
    [[ -s "$d/pid" ]] && return 0
    sleep 0.1
  done
  die "node $n: no pid file after launch"
}

signal_node() {  # signal_node N SIG : send SIG to node N (must be running)
  local pid
  pid="$(node_pid "$1")" || die "node $1 is not running"
  kill -s "$2" "$pid"
  echo "$pid"
}

stop_nodes() {  # stop_nodes TIMEOUT N... : SIGCONT+SIGTERM all, wait, SIGKILL leftovers
  local timeout=$1; shift
  local n pid pids=() nodes=() end
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      kill -CONT "$pid" 2>/dev/null || true   # a paused JVM cannot handle SIGTERM
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); nodes+=("$n")
    fi
  done
  end=$((SECONDS + timeout))
  local i
  for i in "${!pids[@]}"; do
    if ! wait_gone "${pids[$i]}" "${nodes[$i]}" "$((end > SECONDS ? end - SECONDS : 0))"; then
      log "node ${nodes[$i]} (pid ${pids[$i]}) still alive ${timeout}s after SIGTERM; sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      wait_gone "${pids[$i]}" "${nodes[$i]}" 10 || die "node ${nodes[$i]} (pid ${pids[$i]}) survived SIGKILL"
    fi
  done
  for n in "$@"; do rm -f "$K/node$n/pid"; done
}

# ---------------------------------------------------------------- commands

# Node 3's ports (39092/39093 for instance 0) lie inside the kernel's ephemeral range
# (32768-60999): an outgoing connection can be given one as its local port, and node 3's bind
# then fails. Where it may (root, /proc/sys writable), the script adds the cluster's ports to
# net.ipv4.ip_local_reserved_ports, which keeps the kernel from giving them to outgoing
# connections; they stay reserved until reboot, and binding them is unaffected. Elsewhere the
# retries of `up` and `start` remain.
reserve_ports() {  # reserve_ports NODES
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports n ports=() current
  [[ -w "$f" ]] || return 0
  for ((n = 1; n <= $1; n++)); do ports+=("${n}${CPORT}" "${n}${KPORT}"); done
  current="$(<"$f")"
  if (IFS=,; echo "${current:+$current,}${ports[*]}") >"$f" 2>/dev/null; then
    log "reserved ports ${ports[*]} against outgoing connections (net.ipv4.ip_local_reserved_ports)"
  fi
}

cmd_up() {
  local nodes=${1:-3} attempt
  [[ "$nodes" == 1 || "$nodes" == 3 ]] || die "usage: $0 up [1|3]"
  command -v java >/dev/null || die "java not found (Kafka 4.4 brokers need Java 17+)"
  ensure_jars
  reserve_ports "$nodes"
  for ((attempt = 1; ; attempt++)); do
    up_once "$nodes" && break
    # A port held by another socket (see reserve_ports): a fresh start may find it free.
    if ((attempt < 3)) && grep -qs "Address already in use" "$K"/node[0-9]/logs/server.log; then
      log "a node's port was held by another socket; starting the cluster again (attempt $((attempt + 1)) of 3)"
      cmd_down quiet
      continue
    fi
    if [[ -z "${KAFKA_KEEP_ON_FAILURE:-}" ]]; then
      log "stopping the nodes (set KAFKA_KEEP_ON_FAILURE=1 to keep them); logs: $K/node*/logs"
      cmd_down quiet
    fi
    die "cluster did not become ready"
  done
  cmd_bootstrap   # stdout: the bootstrap list, e.g. B=$(cluster.sh up 3)
}

up_once() {  # up_once NODES : formats and starts a fresh cluster; false if it did not become ready
  local nodes=$1 n cid t0=$SECONDS specs=() fpids=()
  cmd_down quiet
  for ((n = 1; n <= nodes; n++)); do
    port_listening "${n}${CPORT}" && die "127.0.0.1:${n}${CPORT} is already in use by another process"
    port_listening "${n}${KPORT}" && die "127.0.0.1:${n}${KPORT} is already in use by another process"
  done
  rm -rf "$K"/node[0-9] "$ENVF"
  cid="$(tool kafka.tools.StorageTool random-uuid | tail -n 1)"
  [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid returned '$cid'"
  # static quorum (controller.quorum.voters): plain `format`, no --standalone/--initial-controllers
  for ((n = 1; n <= nodes; n++)); do
    mkdir -p "$K/node$n/data" "$K/node$n/logs"
    write_props "$n" "$nodes"
    tool kafka.tools.StorageTool format --cluster-id "$cid" --config "$K/node$n/server.properties" \
      >"$K/node$n/logs/format.log" 2>&1 &
    fpids+=($!)
  done
  for ((n = 1; n <= nodes; n++)); do
    wait "${fpids[$((n - 1))]}" ||
      { cat "$K/node$n/logs/format.log" >&2; die "formatting node $n failed"; }
  done
  printf 'NODES=%s\nCLUSTER_ID=%s\n' "$nodes" "$cid" >"$ENVF"
  NODES=$nodes
  for ((n = 1; n <= nodes; n++)); do
    launch_node "$n"
    specs+=("$n:0")
  done
  log "started $nodes node(s) (cluster id $cid), waiting until ready (timeout ${UP_TIMEOUT}s)"
  (wait_ready "$((t0 + UP_TIMEOUT))" "${specs[@]}") || return 1
  log "cluster ready in $((SECONDS - t0))s"
}

cmd_down() {
  local quiet=${1:-} n nodes=() d
  for d in "$K"/node[0-9]; do
    [[ -d "$d" ]] && nodes+=("${d##*node}")
  done
  if ((${#nodes[@]})); then
    stop_nodes "$DOWN_TIMEOUT" "${nodes[@]}"
    for n in "${nodes[@]}"; do rm -rf "$K/node$n/data"; done
  fi
  rm -f "$ENVF"
  [[ -n "$quiet" ]] || log "cluster down (logs kept in $K/node*/logs until the next up)"
}

cmd_status() {
  load_env
  local n pid st
  for ((n = 1; n <= NODES; n++)); do
    st="$(node_state "$n")"
    pid="$(node_pid "$n" || echo -)"
    printf 'node %s pid %s %s 127.0.0.1:%s%s\n' "$n" "$pid" "$st" "$n" "$CPORT"
  done
}

cmd_bootstrap() {  # running (not paused, not stopped) nodes
  load_env
  local n out=""
  for ((n = 1; n <= NODES; n++)); do
    [[ "$(node_state "$n")" == running ]] && out+="${out:+,}127.0.0.1:${n}${CPORT}"
  done
  [[ -n "$out" ]] || die "no node is running"
  echo "$out"
}

node_args() {  # node_args CMD N... : validate node ids (at least one, no duplicates)
  local cmd=$1 n seen=" "; shift
  (($#)) || die "usage: $0 $cmd N [N...]"
  for n in "$@"; do
    check_node_arg "$n"
    [[ "$seen" != *" $n "* ]] || die "node $n given twice"
    seen+="$n "
  done
}

cmd_kill() {  # SIGKILL, then wait until the process is gone
  load_env; node_args kill "$@"
  local n pid
  for n in "$@"; do
    pid="$(signal_node "$n" KILL)"
    wait_gone "$pid" "$n" 10 || die "node $n (pid $pid) still alive after SIGKILL"
    rm -f "$K/node$n/pid"
    log "node $n (pid $pid) killed"
  done
}

cmd_stop() {  # SIGTERM (controlled shutdown), wait up to STOP_TIMEOUT, then SIGKILL
  load_env; node_args stop "$@"
  local n
  for n in "$@"; do node_pid "$n" >/dev/null || die "node $n is not running"; done
  stop_nodes "$STOP_TIMEOUT" "$@"
  log "node(s) $* stopped"
}

cmd_start() {  # restart stopped/killed nodes on their data; several at once if quorum needs it
  load_env; node_args start "$@"
  local n t0=$SECONDS specs=()
  for n in "$@"; do
    node_pid "$n" >/dev/null && die "node $n is already running (status: $(node_state "$n"))"
    [[ -f "$K/node$n/data/meta.properties" ]] || die "node $n has no formatted data dir; run: $0 up"
    port_listening "${n}${CPORT}" && die "127.0.0.1:${n}${CPORT} is already in use by another process"
  done
  local attempt spec
  for ((attempt = 1; ; attempt++)); do
    specs=()
    for n in "$@"; do
      node_pid "$n" >/dev/null && continue
      specs+=("$n:$(log_size "$n")")
      launch_node "$n"
    done
    (wait_ready "$((t0 + UP_TIMEOUT))" "${specs[@]}") && break
    # As in `up`: a passing connection may hold a port in the ephemeral range; try again.
    local taken=0
    for spec in "${specs[@]}"; do
      tail -c +"$((${spec#*:} + 1))" "$K/node${spec%%:*}/logs/server.log" 2>/dev/null |
        grep -s "Address already in use" >/dev/null && taken=1   # no -q: tail must not get SIGPIPE
    done
    if ((taken && attempt < 3)); then
      log "a port of node(s) $* was held by another socket; starting again in 2s (attempt $((attempt + 1)) of 3)"
      stop_nodes "$DOWN_TIMEOUT" "$@"
      sleep 2
      continue
    fi
    if [[ -z "${KAFKA_KEEP_ON_FAILURE:-}" ]]; then
      log "stopping node(s) $* again (set KAFKA_KEEP_ON_FAILURE=1 to keep them); logs: $K/node*/logs"
      stop_nodes "$DOWN_TIMEOUT" "$@"
    fi
    die "node(s) $* did not become ready"
  done
  for n in "$@"; do log "node $n (pid $(node_pid "$n")) ready in $((SECONDS - t0))s"; done
}

# pause/resume: send SIG to each node named and say what it now is.
signal_each() {  # COMMAND SIG STATE N...
  local cmd="$1" sig="$2" state="$3"; shift 3
  load_env; node_args "$cmd" "$@"
  local n pid
  for n in "$@"; do
    pid="$(signal_node "$n" "$sig")"
    log "node $n (pid $pid) $state"
  done
}

cmd_pause() { signal_each pause STOP paused "$@"; }
cmd_resume() { signal_each resume CONT resumed "$@"; }

describe_topic() {  # raw TopicCommand --describe output
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cmd_bootstrap)" --describe --topic "$1"
}

cmd_describe() {
  load_env
  [[ -n "${1:-}" ]] || die "usage: $0 describe TOPIC"
  describe_topic "$1"
}

cmd_leader() {
  load_env
  [[ -n "${1:-}" && "${2:-}" =~ ^[0-9]+$ ]] || die "usage: $0 leader TOPIC PARTITION"
  local out leader
  out="$(describe_topic "$1")" || die "describe of topic $1 failed"
  leader="$(awk -v p="$2" '
      { for (i = 1; i < NF; i++) {
          if ($i == "Partition:" && $(i + 1) == p) found = 1
          if (found && $i == "Leader:") { print $(i + 1); exit } } }' <<<"$out")"
  [[ -n "$leader" ]] || die "topic $1 has no partition $2"
  [[ "$leader" =~ ^[0-9]+$ ]] || leader=-1   # "none" while no leader is elected
  echo "$leader"
}

cmd_controller() {  # the quorum leader, from MetadataQuorumCommand's LeaderId
  load_env
  local out leader
  # Only running nodes: a paused node accepts the connection and never answers.
  out="$(tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$(cmd_bootstrap)" \
    describe --status)" || die "describe --status failed"
  leader="$(awk '$1 == "LeaderId:" { print $2; exit }' <<<"$out")"
  [[ "$leader" =~ ^[0-9]+$ ]] || die "no LeaderId in: $out"
  echo "$leader"
}

cmd_create_topic() {
  load_env
  [[ $# -ge 3 && "$2" =~ ^[0-9]+$ && "$3" =~ ^[0-9]+$ ]] ||
    die "usage: $0 create-topic NAME PARTITIONS RF [key=value ...]"
  local name=$1 parts=$2 rf=$3 kv args=() end out have
  shift 3
  for kv in "$@"; do
    [[ "$kv" == *=* ]] || die "topic config must be key=value, got '$kv'"
    args+=(--config "$kv")
  done
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cmd_bootstrap)" --create \
    --topic "$name" --partitions "$parts" --replication-factor "$rf" "${args[@]+"${args[@]}"}" >/dev/null
  end=$((SECONDS + TOPIC_TIMEOUT))
  while :; do
    out="$(describe_topic "$name" 2>/dev/null || true)"
    have="$(grep -cE 'Partition: [0-9]+[[:space:]]+Leader: [0-9]+' <<<"$out" || true)"
    ((have == parts)) && break
    ((SECONDS < end)) || die "topic $name: only $have of $parts partitions have a leader after ${TOPIC_TIMEOUT}s"
    sleep 0.5
  done
  log "topic $name created: $parts partition(s), RF $rf${*:+, $*}"
}

# topic_dirs NAME : the log directories of NAME's partitions on the running nodes, live
# (NAME-P) or renamed for deletion (NAME-P.ID-delete)
topic_dirs() {
  local name=$1 n d rest
  for ((n = 1; n <= NODES; n++)); do
    [[ "$(node_state "$n")" == running ]] || continue
    for d in "$K/node$n/data/$name"-*; do
      rest="${d#"$K/node$n/data/$name"-}"
      if [[ "$rest" =~ ^[0-9]+(\.[0-9a-f]+-delete)?$ ]]; then echo "$d"; fi
    done
  done
}

# Deleting a topic returns once its files are gone from every running node: unlinking
# gigabytes of segments takes a broker thread about a second, which would otherwise land in
# whatever the caller runs next (a measured run, in benches/compare/run.sh).
cmd_delete_topic() {
  load_env
  [[ -n "${1:-}" ]] || die "usage: $0 delete-topic NAME"
  local end=$((SECONDS + TOPIC_TIMEOUT))
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cmd_bootstrap)" --delete --topic "$1"
  while [[ -n "$(topic_dirs "$1")" ]]; do
    ((SECONDS < end)) || die "topic $1: files still on disk ${TOPIC_TIMEOUT}s after deletion"
    sleep 0.2
  done
}

cmd_topic_dirs() {
  load_env
  [[ -n "${1:-}" ]] || die "usage: $0 topic-dirs NAME"
  topic_dirs "$1"
}

cmd_tool() {
  [[ -n "${1:-}" ]] || die "usage: $0 tool CLASS [ARGS...]"
  need_jars
  # shellcheck disable=SC2086
  exec java $TOOL_OPTS -Dlog4j2.configurationFile="$HERE/tools-log4j2.properties" -cp "$LIB/*" "$@"
}

cmd_classpath() {
  ensure_jars
  echo "$LIB/*"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    bootstrap) cmd_bootstrap ;;
    kill) cmd_kill "$@" ;;
    stop) cmd_stop "$@" ;;
    start) cmd_start "$@" ;;
    pause) cmd_pause "$@" ;;
    resume) cmd_resume "$@" ;;
    create-topic) cmd_create_topic "$@" ;;
    delete-topic) cmd_delete_topic "$@" ;;
    topic-dirs) cmd_topic_dirs "$@" ;;
    describe) cmd_describe "$@" ;;
    leader) cmd_leader "$@" ;;
    controller) cmd_controller ;;
    tool) cmd_tool "$@" ;;
    classpath) cmd_classpath ;;
    -h | --help | help) usage 0 ;;
    *) usage 2 ;;
  esac
}

main "$@"
