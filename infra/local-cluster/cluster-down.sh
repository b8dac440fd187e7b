#!/usr/bin/env bash
# Stops exactly the processes cluster-up.sh started, by the PIDs it recorded:
# HAProxy first, then the replicas (SIGTERM: they drain), then the etcd members.
# A recorded PID now held by some other program (PID reuse) is left alone.
# Data, PKI and logs stay in the state dir; remove it to start from scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
STATE="${KAPI_CLUSTER_DIR:-.kapi/cluster}"
if [ ! -d "$STATE/pids" ]; then
  echo "no cluster state in $STATE"
  exit 0
fi

# What each recorded name must be running, so a reused PID is never signalled.
expected_comm() {
  case "$1" in
    haproxy) echo haproxy ;;
    kapi-* | kms-plugin) echo node ;;
    etcd-*) echo etcd ;;
    *) echo "" ;;
  esac
}

stop_group() {
  local pattern="$1" pids=() names=() pidfile name pid want
  for pidfile in "$STATE"/pids/$pattern.pid; do
    [ -e "$pidfile" ] || continue
    name="$(basename "$pidfile" .pid)"
    pid="$(cat "$pidfile")"
    want="$(expected_comm "$name")"
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name (PID $pid) is not running"
      rm -f "$pidfile"
      continue
    fi
    if [ -z "$want" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$want" ]; then
      echo "$name: PID $pid is no longer $want; leaving it alone"
      rm -f "$pidfile"
      continue
    fi
    echo "stopping $name (PID $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$name")
  done
  local i deadline=$((SECONDS + 15))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "${names[$i]} (PID ${pids[$i]}) did not stop on SIGTERM; sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    rm -f "$STATE/pids/${names[$i]}.pid"
  done
}

stop_group 'haproxy'
stop_group 'kapi-*'
# after the replicas, which need it until they stop
stop_group 'kms-plugin'
stop_group 'etcd-*'
rm -f "$STATE/haproxy.sock" "$STATE/cluster.env"
echo "cluster stopped (data, PKI and logs kept in $STATE)"
