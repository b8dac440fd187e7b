import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../../..');
const BIN = path.join(REPO_ROOT, 'services/apiserver/bin/kapi.js');

export interface ReplicaProcess {
  url: string;
  kubeconfig: string;
  dataDir: string;
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** what it wrote to stderr alone: its log lines */
  stderr: () => string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Stops and removes the data dir (unless keepData). */
  cleanup(keepData?: boolean): Promise<void>;
}

export interface StartReplicaOptions {
  dataDir?: string;
  args?: string[];
  timeoutMs?: number;
}

/** Starts `kapi` as a real child process on a free port and waits for its ready line. */
export async function startReplicaProcess(opts: StartReplicaOptions = {}): Promise<ReplicaProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kapi-test-'));
  const child = spawn(process.execPath, [BIN, '--secure-port=0', `--data-dir=${dataDir}`, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: REPO_ROOT,
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string; kubeconfig: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`replica did not become ready:\n${out}`)),
      opts.timeoutMs ?? 30_000,
    );
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /serving on (https:\/\/\S+) .*kubeconfig: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], kubeconfig: m[2] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
      err += d.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code}:\n${out}`));
    });
  });
  const pid = child.pid ?? -1;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    process.kill(pid, 'SIGTERM');
    return exited;
  };
  return {
    ...ready,
    dataDir,
    child,
    pid,
    output: () => out,
    stderr: () => err,
    stop,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGKILL');
      await exited;
    },
    cleanup: async (keepData = false) => {
      await stop();
      if (!keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
