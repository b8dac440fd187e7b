#!/usr/bin/env bash
# Prints the Secret kapi-pki (namespace kapi) holding one PKI for every replica:
# ca.crt/ca.key, a serving certificate apiserver.crt/.key covering the Service
# names (kapi, kapi.kapi, kapi.kapi.svc, kapi.kapi.svc.cluster.local, plus any
# extra hosts given as arguments, e.g. a load balancer's name or IP) and the
# admin client certificate admin.crt/.key (group system:masters), and the
# service-account signing key sa.key every replica signs and verifies tokens with.
# Needs `make build` first. Usage:
#   infra/k8s/pki-secret.sh [extra-host ...] | kubectl apply -f -
# The generated files stay in ${KAPI_PKI_OUT:-.kapi/k8s-pki} for building a kubeconfig.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${KAPI_PKI_OUT:-.kapi/k8s-pki}"
[ -f dist/services/apiserver/src/certs/index.js ] || { echo "kapi is not built: run 'make build'" >&2; exit 1; }

hosts="kapi,kapi.kapi,kapi.kapi.svc,kapi.kapi.svc.cluster.local"
for h in "$@"; do hosts="$hosts,$h"; done

KAPI_PKI_OUT="$OUT" KAPI_PKI_HOSTS="$hosts" node -e '
  const fs = require("fs");
  const path = require("path");
  const { ensurePki } = require("./dist/services/apiserver/src/certs");
  const out = process.env.KAPI_PKI_OUT;
  ensurePki(out, { hosts: process.env.KAPI_PKI_HOSTS.split(",") }).then(
    () => {
      const dir = path.join(out, "pki");
      const sa = path.join(dir, "sa.key");
      if (!fs.existsSync(sa)) {
        const { privateKey } = require("crypto").generateKeyPairSync("rsa", { modulusLength: 2048 });
        fs.writeFileSync(sa, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      }
      const names = ["ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "admin.crt", "admin.key", "sa.key"];
      const lines = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: kapi-pki", "  namespace: kapi", "type: Opaque", "data:"];
      for (const n of names) lines.push(`  ${n}: ${fs.readFileSync(path.join(dir, n)).toString("base64")}`);
      process.stdout.write(lines.join("\n") + "\n");
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
'
