import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { ClientTls } from './h2';

/** The repository root, whether running from loadtest/harness (ts-node) or dist/loadtest/harness. */
export function repoRoot(): string {
  for (const up of ['../..', '../../..']) {
    const root = path.resolve(__dirname, up);
    if (existsSync(path.join(root, 'services/apiserver/bin/kapi.js'))) return root;
  }
  throw new Error(`cannot find the repository root from ${__dirname}`);
}

export interface Replica {
  url: string;
  kubeconfig: string;
  dataDir: string;
  pid: number;
  /** The client credentials from the admin kubeconfig. */
  client: ClientTls;
  /** The serving key pair from <data-dir>/pki, for the bare server. */
  serving: { cert: string; key: string; ca: string };
  output(): string;
  /** SIGTERM by PID, SIGKILL after `graceMs`, then remove the temporary data dir. */
  /** SIGTERM (SIGKILL after graceMs), then removes the data directory unless keepData. */
  stop(graceMs?: number, keepData?: boolean): Promise<void>;
}

interface KubeconfigDoc {
  clusters?: Array<{ cluster?: { 'certificate-authority-data'?: string } }>;
  users?: Array<{ user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }>;
}

function fromB64(s: string | undefined, what: string): string {
  if (!s) throw new Error(`kubeconfig has no ${what}`);
  return Buffer.from(s, 'base64').toString('utf8');
}

export function readKubeconfig(file: string): ClientTls {
  const doc = parse(readFileSync(file, 'utf8')) as KubeconfigDoc;
  return {
    ca: fromB64(doc.clusters?.[0]?.cluster?.['certificate-authority-data'], 'certificate-authority-data'),
    cert: fromB64(doc.users?.[0]?.user?.['client-certificate-data'], 'client-certificate-data'),
    key: fromB64(doc.users?.[0]?.user?.['client-key-data'], 'client-key-data'),
  };
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Starts one kapi replica on the embedded store (in a fresh temporary data dir unless given one) and waits for its ready line.
 * env is added to this process's environment for the replica (e.g. NODE_OPTIONS to bound its heap).
 */
export async function startReplica(
  timeoutMs = 60_000,
  existingDataDir?: string,
  env: Record<string, string> = {},
): Promise<Replica> {
  const root = repoRoot();
  const dataDir = existingDataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kapi-bench-'));
  const child = spawn(
    process.execPath,
    // BENCH_KAPI_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the replica under load
    [
      ...(process.env.BENCH_KAPI_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
      path.join(root, 'services/apiserver/bin/kapi.js'),
      '--secure-port=0',
      `--data-dir=${dataDir}`,
      // BENCH_KAPI_ARGS (e.g. "--authorization-mode=AlwaysAllow") sets replica flags for an experiment
      ...(process.env.BENCH_KAPI_ARGS ?? '').split(' ').filter((a) => a !== ''),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start kapi');
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 64 * 1024) out = out.slice(-32 * 1024);
  };
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (graceMs = 5000, keepData = false): Promise<void> => {
    if (alive(child)) {
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (alive(child)) process.kill(pid, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };

  let ready: { url: string; kubeconfig: string };
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kapi not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        keep(d);
        const m = /kapi ready: serving on (https:\/\/\S+) .*kubeconfig: (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ url: m[1], kubeconfig: m[2] });
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`kapi exited (${child.exitCode ?? child.signalCode}) before ready:\n${out}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const pki = path.join(dataDir, 'pki');
  return {
    ...ready,
    dataDir,
    pid,
    client: readKubeconfig(ready.kubeconfig),
    serving: {
      cert: readFileSync(path.join(pki, 'apiserver.crt'), 'utf8'),
      key: readFileSync(path.join(pki, 'apiserver.key'), 'utf8'),
      ca: readFileSync(path.join(pki, 'ca.crt'), 'utf8'),
    },
    output: () => out,
    stop,
  };
}
