import { spawn } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against a kubeconfig, with an optional stdin document. */
export function kubectl(
  kubeconfig: string,
  args: string[],
  stdin?: string,
  timeoutMs = 60_000,
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** Like kubectl() but throws with the output when the exit code is not 0. */
export async function kubectlOk(kubeconfig: string, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(kubeconfig, args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Starts `kubectl ... -w` and collects its stdout until stopped. */
export function kubectlWatch(
  kubeconfig: string,
  args: string[],
): {
  lines: () => string[];
  stop: () => void;
  waitFor: (pred: (out: string) => boolean, ms?: number) => Promise<string>;
} {
  const child = spawn('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    lines: () => out.split('\n').filter(Boolean),
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
    waitFor: (pred, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = (): void => {
          if (pred(out)) return resolve(out);
          if (Date.now() - started > ms)
            return reject(new Error(`watch output did not match in time:\n${out}\nstderr: ${err}`));
          setTimeout(tick, 50);
        };
        tick();
      }),
  };
}
