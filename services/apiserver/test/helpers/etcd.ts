import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningEtcd {
  endpoint: string;
  pid: number;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** Stops this etcd by its PID; removes the data dir only when startEtcd created it. */
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Reuse an existing data dir (e.g. to restart etcd over the same data); kept on stop. */
  dataDir?: string;
  /** Milliseconds to wait for /health; default 20 s. */
  timeoutMs?: number;
  /** Fixed ports (e.g. to restart a stopped etcd where its clients expect it); free ones otherwise. */
  clientPort?: number;
  peerPort?: number;
}

/** A port that was free a moment ago; etcd binds it right after. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function isHealthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts a real single-member etcd on free loopback ports and waits until it reports healthy. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<RunningEtcd> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'kapi-etcd-')));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  for (let attempt = 0; ; attempt++) {
    const clientPort = opts.clientPort ?? (await freePort());
    const peerPort = opts.peerPort ?? (await freePort());
    const endpoint = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const child = spawn(
      'etcd',
      [
        '--name',
        'kapi-test',
        '--data-dir',
        dataDir,
        '--listen-client-urls',
        endpoint,
        '--advertise-client-urls',
        endpoint,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        `kapi-test=${peer}`,
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const deadline = Date.now() + timeoutMs;
    let healthy = false;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      const raced = await Promise.race([
        isHealthy(endpoint),
        spawnError.then((e) => e),
        new Promise<false>((r) => setTimeout(() => r(false), 1500)),
      ]);
      if (raced instanceof Error) throw new Error(`cannot start etcd: ${raced.message}`);
      if (raced) {
        healthy = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (healthy && child.pid !== undefined) {
      const pid = child.pid;
      return {
        endpoint,
        pid,
        dataDir,
        clientPort,
        peerPort,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
          await waitForExit(child, 5000);
          if (ownDir) await rm(dataDir, { recursive: true, force: true });
        },
      };
    }
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    await waitForExit(child, 5000);
    // A port taken between probing and binding is worth one more try; anything else is fatal.
    const fixedPorts = opts.clientPort !== undefined || opts.peerPort !== undefined;
    if (attempt >= 2 || fixedPorts || !/address already in use/.test(stderr)) {
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
      throw new Error(`etcd did not become healthy: ${stderr.trim()}`);
    }
  }
}
