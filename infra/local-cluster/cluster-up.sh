#!/usr/bin/env bash
# Starts a local HA kapi cluster on loopback: a 3-member etcd cluster, 3 kapi
# replicas sharing one PKI, and HAProxy (TCP mode, HTTPS health checks on
# /readyz) in front of them. Everything it starts is recorded by PID in the state
# dir, so cluster-down.sh stops exactly that. Run `make build` first (the
# Makefile's `cluster` target does).
#
# Environment (all optional):
#   KAPI_CLUSTER_DIR           state dir (default .kapi/cluster): PKI, data, logs, PIDs
#   KAPI_CLUSTER_ETCD_PORT     first etcd port (default 22379); member i uses
#                              client port base+2(i-1) and peer port base+2(i-1)+1
#   KAPI_CLUSTER_REPLICA_PORT  replicas' secure port (default 6443), each replica
#                              on its own loopback address 127.0.0.11..13
#   KAPI_CLUSTER_HAPROXY_PORT  HAProxy port on 127.0.0.1 (default 7443)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
STATE="${KAPI_CLUSTER_DIR:-.kapi/cluster}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
ETCD_BASE="${KAPI_CLUSTER_ETCD_PORT:-22379}"
REPLICA_PORT="${KAPI_CLUSTER_REPLICA_PORT:-6443}"
HAPROXY_PORT="${KAPI_CLUSTER_HAPROXY_PORT:-7443}"
MEMBERS=3
REPLICAS=3
READY_TIMEOUT=60

HAPROXY_BIN="$(command -v haproxy || true)"
[ -n "$HAPROXY_BIN" ] || { [ -x /usr/sbin/haproxy ] && HAPROXY_BIN=/usr/sbin/haproxy; } || true
[ -n "$HAPROXY_BIN" ] || { echo "haproxy is not installed: run 'make apt-deps'" >&2; exit 1; }
command -v etcd >/dev/null || { echo "etcd is not installed: run 'make apt-deps'" >&2; exit 1; }
[ -f dist/services/apiserver/src/certs/index.js ] || { echo "kapi is not built: run 'make build'" >&2; exit 1; }

mkdir -p "$STATE/pids" "$STATE/logs"

# Refuse to start twice: any recorded process still alive means a cluster is up.
for pidfile in "$STATE"/pids/*.pid; do
  [ -e "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    echo "a cluster is already running from $STATE ($(basename "$pidfile" .pid) is PID $pid); run 'make cluster-down' first" >&2
    exit 1
  fi
  rm -f "$pidfile"
done

port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

replica_ip() { echo "127.0.0.$((10 + $1))"; }
etcd_client_port() { echo $((ETCD_BASE + 2 * ($1 - 1))); }
etcd_peer_port() { echo $((ETCD_BASE + 2 * ($1 - 1) + 1)); }

for i in $(seq 1 "$MEMBERS"); do
  for p in "$(etcd_client_port "$i")" "$(etcd_peer_port "$i")"; do
    if port_in_use 127.0.0.1 "$p"; then echo "port 127.0.0.1:$p is in use" >&2; exit 1; fi
  done
done
for i in $(seq 1 "$REPLICAS"); do
  if port_in_use "$(replica_ip "$i")" "$REPLICA_PORT"; then
    echo "port $(replica_ip "$i"):$REPLICA_PORT is in use" >&2
    exit 1
  fi
done
if port_in_use 127.0.0.1 "$HAPROXY_PORT"; then echo "port 127.0.0.1:$HAPROXY_PORT is in use" >&2; exit 1; fi

# Started processes are detached (own session) and recorded at once, so a failure
# below still leaves cluster-down able to stop what did start.
launch() {
  local name="$1"
  shift
  setsid nohup "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}
up=0
on_exit() {
  if [ "$up" != 1 ]; then
    echo "cluster start failed; logs are in $STATE/logs; stopping what was started" >&2
    "$ROOT/infra/local-cluster/cluster-down.sh" >&2 || true
  fi
}
trap on_exit EXIT

# One PKI for every replica, passed with kube-apiserver's flags (--tls-cert-file,
# --tls-private-key-file, --client-ca-file; --cert-dir for the CA key the admin
# kubeconfig is signed with): a CA, a serving certificate covering 127.0.0.1
# (HAProxy's address) and every replica address, and the admin client certificate.
hosts=""
for i in $(seq 1 "$REPLICAS"); do hosts="$hosts,$(replica_ip "$i")"; done
KAPI_PKI_DIR="$STATE/shared" KAPI_PKI_HOSTS="${hosts#,}" node -e '
  const { ensurePki } = require("./dist/services/apiserver/src/certs");
  ensurePki(process.env.KAPI_PKI_DIR, { hosts: process.env.KAPI_PKI_HOSTS.split(",") }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
'

PKI="$STATE/shared/pki"

initial_cluster=""
etcd_servers=""
for i in $(seq 1 "$MEMBERS"); do
  initial_cluster="$initial_cluster,m$i=http://127.0.0.1:$(etcd_peer_port "$i")"
  etcd_servers="$etcd_servers,http://127.0.0.1:$(etcd_client_port "$i")"
done
initial_cluster="${initial_cluster#,}"
etcd_servers="${etcd_servers#,}"

for i in $(seq 1 "$MEMBERS"); do
  client="http://127.0.0.1:$(etcd_client_port "$i")"
  peer="http://127.0.0.1:$(etcd_peer_port "$i")"
  launch "etcd-m$i" etcd --name "m$i" --data-dir "$STATE/etcd-m$i" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$initial_cluster" --initial-cluster-state new \
    --initial-cluster-token kapi-local-cluster --logger zap --log-level warn
done

deadline=$((SECONDS + READY_TIMEOUT))
for i in $(seq 1 "$MEMBERS"); do
  until curl -fsS --max-time 1 "http://127.0.0.1:$(etcd_client_port "$i")/health" 2>/dev/null | grep -q '"true"'; do
    if ((SECONDS > deadline)); then
      echo "etcd member m$i did not become healthy; see $STATE/logs/etcd-m$i.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done
echo "etcd: $etcd_servers"

# Secrets are encrypted at rest with KMS v2: the small plugin in services/kms-plugin
# (its key in $STATE/kms/kek, created on first start), one socket for every replica.
mkdir -p "$STATE/kms"
chmod 700 "$STATE/kms"
rm -f "$STATE/kms/kms.sock"
launch kms-plugin node dist/services/kms-plugin/src/kms-plugin.js --socket "$STATE/kms/kms.sock" --key-file "$STATE/kms/kek"
deadline=$((SECONDS + READY_TIMEOUT))
until [ -S "$STATE/kms/kms.sock" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the KMS plugin did not start; see $STATE/logs/kms-plugin.log" >&2
    exit 1
  fi
  sleep 0.2
done
cat >"$STATE/encryption-config.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {apiVersion: v2, name: local-kms, endpoint: "unix://$STATE/kms/kms.sock", timeout: 3s}
  - identity: {}
EOF

for i in $(seq 1 "$REPLICAS"); do
  dir="$STATE/replica-r$i"
  mkdir -p "$dir"
  ip="$(replica_ip "$i")"
  launch "kapi-r$i" node services/apiserver/bin/kapi.js --secure-port="$REPLICA_PORT" --bind-address="$ip" \
    --advertise-address="$ip" --data-dir="$dir" --storage-backend=etcd3 --etcd-servers="$etcd_servers" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --cert-dir="$PKI" --encryption-provider-config="$STATE/encryption-config.yaml"
done
deadline=$((SECONDS + READY_TIMEOUT))
for i in $(seq 1 "$REPLICAS"); do
  until grep -q 'kapi ready' "$STATE/logs/kapi-r$i.log" 2>/dev/null; do
    if ((SECONDS > deadline)) || ! kill -0 "$(cat "$STATE/pids/kapi-r$i.pid")" 2>/dev/null; then
      echo "replica r$i did not become ready; see $STATE/logs/kapi-r$i.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "replica r$i: https://$(replica_ip "$i"):$REPLICA_PORT"
done

servers=""
for i in $(seq 1 "$REPLICAS"); do
  servers="$servers    server r$i $(replica_ip "$i"):$REPLICA_PORT"$'\n'
done
rm -f "$STATE/haproxy.sock"
KAPI_SERVERS="$servers" KAPI_PORT="$HAPROXY_PORT" KAPI_SOCK="$STATE/haproxy.sock" node -e '
  const fs = require("fs");
  const tmpl = fs.readFileSync("infra/local-cluster/haproxy.cfg.tmpl", "utf8");
  process.stdout.write(
    tmpl
      .replace("@FRONTEND_PORT@", process.env.KAPI_PORT)
      .replace("@STATS_SOCKET@", process.env.KAPI_SOCK)
      .replace("@SERVERS@\n", process.env.KAPI_SERVERS),
  );
' >"$STATE/haproxy.cfg"
"$HAPROXY_BIN" -c -q -f "$STATE/haproxy.cfg"
launch haproxy "$HAPROXY_BIN" -db -f "$STATE/haproxy.cfg"

KUBECONFIG_PATH="$STATE/admin.kubeconfig"
KAPI_PKI_DIR="$PKI" KAPI_SERVER="https://127.0.0.1:$HAPROXY_PORT" KAPI_OUT="$KUBECONFIG_PATH" node -e '
  const fs = require("fs");
  const path = require("path");
  const { writeKubeconfig } = require("./dist/services/apiserver/src/certs");
  const pki = process.env.KAPI_PKI_DIR;
  const read = (f) => fs.readFileSync(path.join(pki, f), "utf8");
  writeKubeconfig(process.env.KAPI_OUT, {
    server: process.env.KAPI_SERVER,
    caPem: read("ca.crt"),
    clientCertPem: read("admin.crt"),
    clientKeyPem: read("admin.key"),
  }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
'

# Ready when HAProxy answers /readyz through a healthy backend.
deadline=$((SECONDS + READY_TIMEOUT))
until curl -fsS --max-time 2 --cacert "$PKI/ca.crt" "https://127.0.0.1:$HAPROXY_PORT/readyz" >/dev/null 2>&1; do
  if ((SECONDS > deadline)) || ! kill -0 "$(cat "$STATE/pids/haproxy.pid")" 2>/dev/null; then
    echo "HAProxy did not become ready; see $STATE/logs/haproxy.log" >&2
    exit 1
  fi
  sleep 0.2
done
up=1

cat >"$STATE/cluster.env" <<ENV
KAPI_CLUSTER_DIR=$STATE
ETCD_SERVERS=$etcd_servers
HAPROXY_URL=https://127.0.0.1:$HAPROXY_PORT
KUBECONFIG=$KUBECONFIG_PATH
ENV
echo "haproxy: https://127.0.0.1:$HAPROXY_PORT (PIDs, logs and data in $STATE)"
echo "kapi cluster ready; kubeconfig: $KUBECONFIG_PATH"
echo "point kubectl at it with: export KUBECONFIG=$KUBECONFIG_PATH"
echo "stop it with: make cluster-down"
