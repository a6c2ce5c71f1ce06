#!/usr/bin/env bash
# The main job, on a fresh machine: ask a real Kafka cluster for its map.
#
#   bash examples/run-cluster-map.sh                 # start a local 1-node cluster, ask it, stop it
#   bash examples/run-cluster-map.sh HOST:PORT[,..]  # ask a cluster of your own
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ $# -gt 0 ]; then
    exec cargo run -q --example cluster_map -- "$1"
fi

cluster=tests/kafka/cluster.sh
started=0
stop() { [ "$started" = 0 ] || "$cluster" down >/dev/null; }
trap stop EXIT

bootstrap="$("$cluster" bootstrap 2>/dev/null || true)"
if [ -z "$bootstrap" ]; then
    command -v java >/dev/null && command -v mvn >/dev/null || {
        echo "Java 17 and Maven are needed to run a local Kafka (apt-get install openjdk-17-jre-headless maven)" >&2
        exit 1
    }
    echo "starting a local Apache Kafka node (first run downloads its jars)..."
    started=1
    "$cluster" up 1
    "$cluster" create-topic orders 6 1 >/dev/null
    "$cluster" create-topic clicks 3 1 >/dev/null
    bootstrap="$("$cluster" bootstrap)"
fi
cargo run -q --example cluster_map -- "$bootstrap"
