import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ensurePki, writeKubeconfig } from '../../src/certs';
import { replicaIdentity } from '../../src/controllers/identity';
import { ApiClient } from './client';
import { REPO_ROOT, startReplicaProcess, type ReplicaProcess } from './replica';

// The local HA topology of `make cluster` (infra/local-cluster), started
// programmatically on free loopback ports: an etcd cluster of several members,
// kapi replicas sharing one PKI (each on its own loopback address), and HAProxy
// rendered from the same config template. Every process is a child of the test
// and is stopped by its PID.

export const HAPROXY_TEMPLATE = path.join(REPO_ROOT, 'infra/local-cluster/haproxy.cfg.tmpl');

/** A port that was free on `host` a moment ago. */
export function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Signals a child by its PID and waits for it to exit; SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (!isAlive(child) || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(pid, signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    exited,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (isAlive(child)) process.kill(pid, 'SIGKILL');
        resolve();
      }, graceMs);
    }),
  ]);
  clearTimeout(timer);
  await exited;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Finds the haproxy binary (Debian installs it in /usr/sbin); throws when it is missing. */
export function haproxyBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, 'haproxy');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error("haproxy is not installed: run 'make apt-deps' (the Makefile installs Debian's haproxy)");
}

/** Renders infra/local-cluster/haproxy.cfg.tmpl as cluster-up.sh does. */
export function renderHaproxyConfig(opts: {
  frontendPort: number;
  statsSocket: string;
  servers: Array<{ name: string; address: string }>;
}): string {
  const servers = opts.servers.map((s) => `    server ${s.name} ${s.address}\n`).join('');
  return readFileSync(HAPROXY_TEMPLATE, 'utf8')
    .replace('@FRONTEND_PORT@', String(opts.frontendPort))
    .replace('@STATS_SOCKET@', opts.statsSocket)
    .replace('@SERVERS@\n', servers);
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  child: ChildProcess;
  pid: number;
  alive(): boolean;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after a grace period) and wait for exit. */
  stop(): Promise<void>;
  output(): string;
}

async function etcdHealthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    return ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** Starts an etcd cluster of `size` members on free loopback ports and waits until each is healthy. */
export async function startEtcdCluster(baseDir: string, size: number, timeoutMs = 30_000): Promise<EtcdMember[]> {
  const specs: Array<{ name: string; clientUrl: string; peerUrl: string; dataDir: string }> = [];
  for (let i = 1; i <= size; i++) {
    specs.push({
      name: `m${i}`,
      clientUrl: `http://127.0.0.1:${await freePortOn('127.0.0.1')}`,
      peerUrl: `http://127.0.0.1:${await freePortOn('127.0.0.1')}`,
      dataDir: path.join(baseDir, `etcd-m${i}`),
    });
  }
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  const members = specs.map((s): EtcdMember => {
    const child = spawn(
      'etcd',
      [
        '--name',
        s.name,
        '--data-dir',
        s.dataDir,
        '--listen-client-urls',
        s.clientUrl,
        '--advertise-client-urls',
        s.clientUrl,
        '--listen-peer-urls',
        s.peerUrl,
        '--initial-advertise-peer-urls',
        s.peerUrl,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        path.basename(baseDir),
        '--logger',
        'zap',
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let out = '';
    child.stderr?.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-8000);
    });
    child.on('error', (e) => {
      out += `spawn error: ${e.message}\n`;
    });
    return {
      ...s,
      child,
      pid: child.pid ?? -1,
      alive: () => isAlive(child),
      kill: () => stopChild(child, 'SIGKILL'),
      stop: () => stopChild(child, 'SIGTERM'),
      output: () => out,
    };
  });
  const deadline = Date.now() + timeoutMs;
  for (const m of members) {
    while (!(await etcdHealthy(m.clientUrl))) {
      if (Date.now() > deadline || !m.alive()) {
        await Promise.all(members.map((x) => x.kill()));
        throw new Error(`etcd member ${m.name} did not become healthy:\n${m.output()}`);
      }
      await sleep(100);
    }
  }
  return members;
}

export interface ClusterReplica {
  name: string;
  ip: string;
  port: number;
  url: string;
  dataDir: string;
  /** Identity lease name; the leader Lease's holderIdentity starts with `<leaseName>_`. */
  leaseName: string;
  /** The current process (replaced by restart()). */
  proc: ReplicaProcess;
  /** An ApiClient talking to this replica directly (recreated on restart). */
  client: ApiClient;
  alive(): boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Starts the replica again on the same address, port and data dir. */
  restart(): Promise<void>;
}

export interface Haproxy {
  port: number;
  url: string;
  pid: number;
  child: ChildProcess;
  configPath: string;
  statsSocket: string;
  /** HAProxy's view of each backend server: name -> status (UP, DOWN, ...). */
  serverStatus(): Promise<Record<string, string>>;
  stop(): Promise<void>;
  output(): string;
}

export interface LocalCluster {
  dir: string;
  etcd: EtcdMember[];
  etcdServers: string;
  replicas: ClusterReplica[];
  haproxy?: Haproxy;
  /** Kubeconfig pointing at HAProxy (or, without HAProxy, at the first replica). */
  kubeconfig: string;
  /** The PKI directory all replicas share (ca.crt, admin.crt, ...). */
  pkiDir: string;
  aliveReplicas(): ClusterReplica[];
  /** holderIdentity of kube-system/kapi-controller-manager (`<identity lease>_<uuid>`), read through a live replica. */
  leaderHolder(): Promise<string | undefined>;
  /** The replica holding kube-system/kapi-controller-manager. */
  leader(): Promise<ClusterReplica | undefined>;
  /** Stops everything this cluster started (HAProxy, replicas, etcd) and removes its dir. */
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  etcdMembers?: number;
  replicas?: number;
  haproxy?: boolean;
  /** Extra flags for every replica. */
  replicaArgs?: string[];
}

/** HAProxy's `show stat` over its admin socket. */
function haproxyStat(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let data = '';
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end('show stat\n'));
    sock.on('data', (d: string) => (data += d));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
    sock.setTimeout(2000, () => sock.destroy(new Error('haproxy stats socket timed out')));
  });
}

async function startHaproxy(dir: string, servers: Array<{ name: string; address: string }>): Promise<Haproxy> {
  const bin = haproxyBinary();
  const statsSocket = path.join(dir, 'haproxy.sock');
  const configPath = path.join(dir, 'haproxy.cfg');
  for (let attempt = 0; ; attempt++) {
    const port = await freePortOn('127.0.0.1');
    writeFileSync(configPath, renderHaproxyConfig({ frontendPort: port, statsSocket, servers }));
    const child = spawn(bin, ['-db', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const append = (d: Buffer): void => {
      out = (out + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('error', (e) => (out += `spawn error: ${e.message}\n`));
    const deadline = Date.now() + 10_000;
    let ready = false;
    while (Date.now() < deadline && isAlive(child)) {
      try {
        await haproxyStat(statsSocket);
        ready = true;
        break;
      } catch {
        await sleep(100);
      }
    }
    if (ready) {
      return {
        port,
        url: `https://127.0.0.1:${port}`,
        pid: child.pid ?? -1,
        child,
        configPath,
        statsSocket,
        output: () => out,
        stop: () => stopChild(child, 'SIGTERM'),
        async serverStatus() {
          const csv = await haproxyStat(statsSocket);
          const result: Record<string, string> = {};
          for (const line of csv.split('\n')) {
            const cols = line.split(',');
            if (cols[0] === 'kapi-replicas' && cols[1] !== 'BACKEND' && cols[1] !== undefined) {
              result[cols[1]] = cols[17] ?? '';
            }
          }
          return result;
        },
      };
    }
    await stopChild(child, 'SIGKILL');
    if (attempt >= 2 || !/address already in use|cannot bind/i.test(out)) {
      throw new Error(`haproxy did not start:\n${out}`);
    }
  }
}

/** A loopback /24 unlikely to be used by another test file at the same time. */
function replicaSubnet(): string {
  return `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
}

/** Starts etcd members, replicas sharing one PKI and (by default) HAProxy, as `make cluster` does. */
export async function startCluster(opts: StartClusterOptions = {}): Promise<LocalCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-cluster-'));
  const etcd: EtcdMember[] = [];
  const replicas: ClusterReplica[] = [];
  let haproxy: Haproxy | undefined;

  const stop = async (): Promise<void> => {
    if (haproxy) await haproxy.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await Promise.all(etcd.map((m) => m.stop()));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    etcd.push(...(await startEtcdCluster(dir, opts.etcdMembers ?? 3)));
    const etcdServers = etcd.map((m) => m.clientUrl).join(',');
    const subnet = replicaSubnet();
    const count = opts.replicas ?? 3;
    const ips = Array.from({ length: count }, (_, i) => `${subnet}.${i + 1}`);
    const shared = path.join(dir, 'shared');
    await ensurePki(shared, { hosts: ips });
    const pkiDir = path.join(shared, 'pki');

    const startReplica = async (i: number): Promise<ClusterReplica> => {
      const ip = ips[i];
      const name = `r${i + 1}`;
      const dataDir = path.join(dir, `replica-${name}`);
      mkdirSync(dataDir, { recursive: true });
      const port = await freePortOn(ip);
      // one PKI for all replicas, as kube-apiserver takes it; --cert-dir holds the CA key the
      // replica signs its admin kubeconfig's certificate with (the shared admin.crt is reused)
      const args = [
        `--tls-cert-file=${path.join(pkiDir, 'apiserver.crt')}`,
        `--tls-private-key-file=${path.join(pkiDir, 'apiserver.key')}`,
        `--client-ca-file=${path.join(pkiDir, 'ca.crt')}`,
        `--cert-dir=${pkiDir}`,
        `--secure-port=${port}`,
        `--bind-address=${ip}`,
        `--advertise-address=${ip}`,
        '--storage-backend=etcd3',
        `--etcd-servers=${etcdServers}`,
        ...(opts.replicaArgs ?? []),
      ];
      const launch = (): Promise<ReplicaProcess> => startReplicaProcess({ dataDir, args, timeoutMs: 60_000 });
      const proc = await launch();
      const replica: ClusterReplica = {
        name,
        ip,
        port,
        url: `https://${ip}:${port}`,
        dataDir,
        leaseName: replicaIdentity({ advertiseAddress: ip, port }).leaseName,
        proc,
        client: new ApiClient(proc.kubeconfig),
        alive: () => isAlive(replica.proc.child),
        kill: () => replica.proc.kill(),
        stop: async () => {
          replica.client.close();
          await stopChild(replica.proc.child, 'SIGTERM');
        },
        restart: async () => {
          if (replica.alive()) throw new Error(`replica ${name} is still running`);
          replica.client.close();
          replica.proc = await launch();
          replica.client = new ApiClient(replica.proc.kubeconfig);
        },
      };
      return replica;
    };
    for (let i = 0; i < count; i++) replicas.push(await startReplica(i));

    let kubeconfig = replicas[0].proc.kubeconfig;
    if (opts.haproxy ?? true) {
      haproxy = await startHaproxy(
        dir,
        replicas.map((r) => ({ name: r.name, address: `${r.ip}:${r.port}` })),
      );
      kubeconfig = path.join(dir, 'admin.kubeconfig');
      const read = (f: string): string => readFileSync(path.join(pkiDir, f), 'utf8');
      await writeKubeconfig(kubeconfig, {
        server: haproxy.url,
        caPem: read('ca.crt'),
        clientCertPem: read('admin.crt'),
        clientKeyPem: read('admin.key'),
      });
      const h = haproxy;
      await waitUntil(
        'HAProxy to see every replica UP',
        async () => {
          const s = await h.serverStatus();
          return replicas.every((r) => s[r.name] === 'UP') || undefined;
        },
        20_000,
      );
    }

    const aliveReplicas = (): ClusterReplica[] => replicas.filter((r) => r.alive());
    const leaderHolder = async (): Promise<string | undefined> => {
      for (const r of aliveReplicas()) {
        try {
          const res = await r.client.request(
            'GET',
            '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kapi-controller-manager',
          );
          if (res.status === 200) return res.json<{ spec?: { holderIdentity?: string } }>().spec?.holderIdentity;
        } catch {
          // try the next replica
        }
      }
      return undefined;
    };
    return {
      dir,
      etcd,
      etcdServers,
      replicas,
      haproxy,
      kubeconfig,
      pkiDir,
      aliveReplicas,
      leaderHolder,
      async leader() {
        const holder = (await leaderHolder()) ?? '';
        return replicas.find((x) => holder.startsWith(`${x.leaseName}_`));
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Polls `fn` until it returns a value other than undefined. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface KubeconfigTls {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The server and credentials in a kubeconfig written by kapi (data fields embedded). */
export function kubeconfigTls(kubeconfigPath: string): KubeconfigTls {
  const kc = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  };
  const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
  return {
    server: kc.clusters[0].cluster.server,
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}
