# Every target installs what it needs first, so a fresh Debian 12 machine with
# Node 20 needs nothing but `make run` or `make test`.
SHELL := /bin/bash
NODE_STAMP := node_modules/.kapi-installed
APT_PACKAGES := etcd-server haproxy python3-kubernetes iproute2

.PHONY: all deps apt-deps build run test unit lint format-check typecheck-k6 bench bench-encryption bench-k6 clean cluster cluster-down

all: build

apt-deps:
	@missing=""; \
	command -v etcd >/dev/null 2>&1 || missing="$$missing etcd-server"; \
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || missing="$$missing python3-kubernetes"; \
	command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || missing="$$missing iproute2"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: apt-deps $(NODE_STAMP)

build: $(NODE_STAMP)
	npx tsc -p tsconfig.json
	npx tsc -p tsconfig.types.json

run: deps build
	node services/apiserver/bin/kapi.js

lint: $(NODE_STAMP)
	npx eslint .

format-check: $(NODE_STAMP)
	npx prettier --check .

typecheck-k6: $(NODE_STAMP)
	npx tsc -p tsconfig.k6.json

unit: build
	node --test --test-reporter=spec dist/

test: deps build lint format-check typecheck-k6
	node --test --test-reporter=spec dist/

# A local HA cluster on loopback (3 etcd members, 3 replicas, HAProxy); state,
# logs and PIDs in .kapi/cluster (KAPI_CLUSTER_DIR). Prints the kubeconfig path.
cluster: deps build
	@bash infra/local-cluster/cluster-up.sh

# Stops exactly what `make cluster` started, by PID.
cluster-down:
	@bash infra/local-cluster/cluster-down.sh

bench: deps build
	node dist/loadtest/harness/bench.js
	node dist/loadtest/harness/encryption-bench.js
	node dist/loadtest/harness/k6-bench.js

# The k6 scenarios (loadtest/k6) through the k6-compatible runtime against a fresh replica, k6 summaries
# (K6_BENCH_DURATION, default 10s; K6_BENCH_SCENARIOS; K6_BENCH_STRICT=1 fails on crossed thresholds).
# Also the last part of `make bench`.
bench-k6: deps build
	node dist/loadtest/harness/k6-bench.js

# Secret creates through the default admission chain, with aesgcm and KMS v2 at rest, vs. neither (ratios;
# ENC_BENCH_CREATES, ENC_BENCH_ROUNDS, ENC_BENCH_CONCURRENCY). Also part of `make bench`.
bench-encryption: deps build
	node dist/loadtest/harness/encryption-bench.js

clean:
	rm -rf dist
