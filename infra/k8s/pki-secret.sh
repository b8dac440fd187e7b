#!/usr/bin/env bash
# Prints two Secrets for namespace kapi that every replica shares:
#   kapi-pki             ca.crt/ca.key, a serving certificate apiserver.crt/.key
#                        covering the Service names (kapi, kapi.kapi, kapi.kapi.svc,
#                        kapi.kapi.svc.cluster.local, plus any extra hosts given as
#                        arguments, e.g. a load balancer's name or IP) and the admin
#                        client certificate admin.crt/.key (group system:masters)
#   kapi-service-account sa.key, the key every replica signs service-account
#                        tokens with, and sa.pub, the key they verify them with
# Needs `make build` first. Usage:
#   kubectl apply -f infra/k8s/namespace.yaml
#   infra/k8s/pki-secret.sh [extra-host ...] | kubectl apply -f -
# The generated files stay in ${KAPI_PKI_OUT:-.kapi/k8s-pki}/pki for building a
# kubeconfig; running the script again reuses them.
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
  const crypto = require("crypto");
  const { ensurePki } = require("./dist/services/apiserver/src/certs");
  const out = process.env.KAPI_PKI_OUT;
  const secret = (name, dir, files) => {
    const lines = ["---", "apiVersion: v1", "kind: Secret", "metadata:", `  name: ${name}`, "  namespace: kapi"];
    lines.push("  labels:", "    app.kubernetes.io/part-of: kapi", "type: Opaque", "data:");
    for (const f of files) lines.push(`  ${f}: ${fs.readFileSync(path.join(dir, f)).toString("base64")}`);
    return lines.join("\n") + "\n";
  };
  ensurePki(out, { hosts: process.env.KAPI_PKI_HOSTS.split(",") }).then(
    () => {
      const dir = path.join(out, "pki");
      const sa = path.join(dir, "sa.key");
      if (!fs.existsSync(sa)) {
        const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        fs.writeFileSync(sa, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      }
      const pub = crypto.createPublicKey(fs.readFileSync(sa)).export({ type: "spki", format: "pem" });
      fs.writeFileSync(path.join(dir, "sa.pub"), pub, { mode: 0o644 });
      process.stdout.write(
        secret("kapi-pki", dir, ["ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "admin.crt", "admin.key"]) +
          secret("kapi-service-account", dir, ["sa.key", "sa.pub"]),
      );
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
'
