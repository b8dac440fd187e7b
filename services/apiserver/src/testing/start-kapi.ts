import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { yamlLib } from '../codec/yaml-lib';
import { parseOptions } from '../options';
import { startReplica } from '../server/replica';
import { keepPkiSeed, plantPkiSeed } from './pki-seed';

/**
 * An API server for the tests of controllers written in TypeScript or
 * JavaScript: what envtest is for Go, with nothing to download. One call starts
 * a kapi replica on the embedded store in a fresh temporary data dir, on a free
 * loopback port, and hands back an admin kubeconfig; stop() ends it and removes
 * the dir.
 */

export interface StartKapiOptions {
  /**
   * 'in-process' (default) serves from the calling process: fastest, and a
   * debugger steps into the server. 'child-process' runs the replica as a child
   * Node process: the test's own event loop stays free, and its globals apart.
   */
  mode?: 'in-process' | 'child-process';
  /** More kapi flags (`npx kapi --help`), e.g. ['--authorization-mode=AlwaysAllow']. */
  args?: string[];
  /** Receives the replica's log lines; silent by default. */
  log?: (line: string) => void;
  /** How long a child process may take to report ready (default 30 s). */
  startTimeoutMs?: number;
}

export interface KapiTestServer {
  /** The server URL, e.g. https://127.0.0.1:41234 */
  server: string;
  port: number;
  /** Path of the admin kubeconfig (user with group system:masters), inside dataDir. */
  kubeconfig: string;
  /** That kubeconfig's YAML, for KubeConfig.loadFromString. */
  kubeconfigText: string;
  /** PEM of the CA the serving certificate is signed by. */
  ca: string;
  /** The temporary data dir: PKI, kubeconfig and store. Gone after stop(). */
  dataDir: string;
  /** The process serving: the caller's own pid in-process. */
  pid: number;
  /** Stops the replica (connections and watches are closed), then removes dataDir. Safe to call twice. */
  stop(): Promise<void>;
}

interface Started {
  server: string;
  kubeconfig: string;
  pid: number;
  stopServer(): Promise<void>;
}

const BIN = path.resolve(__dirname, '../../../../../services/apiserver/bin/kapi.js');
const READY_LINE = /kapi ready: serving on (https:\/\/\S+) .*kubeconfig: (\S+)/;
const silent = (): void => undefined;

function flagsFor(dataDir: string, extra: string[]): string[] {
  // loopback and a free port: parallel test files never collide
  return ['--bind-address=127.0.0.1', '--secure-port=0', `--data-dir=${dataDir}`, ...extra];
}

async function startInProcess(dataDir: string, opts: StartKapiOptions): Promise<Started> {
  const parsed = parseOptions(flagsFor(dataDir, opts.args ?? []));
  if ('help' in parsed) throw new Error('startKapi: --help is no server flag');
  const replica = await startReplica(parsed, opts.log ?? silent);
  return {
    server: replica.url,
    kubeconfig: replica.kubeconfigPath,
    pid: process.pid,
    stopServer: () => replica.stop(),
  };
}

/** Children still running when the test process exits without stopping them. */
const liveChildren = new Set<number>();
let exitHookInstalled = false;
function killChildrenOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveChildren) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

async function startChild(dataDir: string, opts: StartKapiOptions): Promise<Started> {
  const log = opts.log ?? silent;
  const child = spawn(process.execPath, [BIN, ...flagsFor(dataDir, opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('startKapi: the child process did not start');
  liveChildren.add(pid);
  killChildrenOnExit();
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      liveChildren.delete(pid);
      resolve();
    }),
  );
  let output = '';
  const onLines = (d: Buffer): void => {
    output += d.toString();
    for (const line of d.toString().split('\n')) if (line) log(line);
  };
  child.stderr.on('data', onLines);
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`startKapi: no ready line within ${opts.startTimeoutMs ?? 30_000} ms:\n${output}`));
    }, opts.startTimeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => {
      onLines(d);
      const m = READY_LINE.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new Error(`startKapi: kapi exited before it was ready (${child.exitCode ?? child.signalCode}):\n${output}`),
      );
    });
  });
  return {
    server: ready[1],
    kubeconfig: ready[2],
    pid,
    stopServer: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Flags that bring their own PKI or keys: the seed is neither planted nor taken then. */
const OWN_PKI_FLAGS =
  /^--(cert-dir|tls-cert-file|tls-private-key-file|client-ca-file|service-account-signing-key-file)=/;

/**
 * Starts a kapi replica for a test; resolves once it serves. Each call has its
 * own data dir, port and store; the PKI comes from the shared seed (pki-seed.ts).
 */
export async function startKapi(options: StartKapiOptions = {}): Promise<KapiTestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-testing-'));
  const seeded = !(options.args ?? []).some((a) => OWN_PKI_FLAGS.test(a));
  if (seeded) plantPkiSeed(dataDir);
  let started: Started;
  try {
    started =
      options.mode === 'child-process' ? await startChild(dataDir, options) : await startInProcess(dataDir, options);
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  if (!started.kubeconfig) {
    await started.stopServer();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error('startKapi: kapi wrote no admin kubeconfig (do the args name a CA without its key?)');
  }
  if (seeded) keepPkiSeed(dataDir);
  const kubeconfigText = readFileSync(started.kubeconfig, 'utf8');
  const kc = yamlLib().parse(kubeconfigText) as {
    clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
  };
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  let stopping: Promise<void> | undefined;
  return {
    server: started.server,
    port: Number(new URL(started.server).port),
    kubeconfig: started.kubeconfig,
    kubeconfigText,
    ca,
    dataDir,
    pid: started.pid,
    stop: () => {
      stopping ??= started.stopServer().finally(() => rmSync(dataDir, { recursive: true, force: true }));
      return stopping;
    },
  };
}
