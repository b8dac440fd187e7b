import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestNetns } from './netns';

export interface NetnsServer {
  child: ChildProcess;
  /** stdout lines after `up` */
  lines: string[];
  /** SIGKILL by PID */
  kill(): void;
}

/** Runs one of the helper servers in this folder inside `ns` and waits for its `up` line. */
export function startNetnsServer(ns: TestNetns, script: string, args: readonly string[]): Promise<NetnsServer> {
  const child = ns.spawn(process.execPath, [path.join(__dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let errors = '';
  let pending = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${errors}`)), 15_000);
    let up = false;
    child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (!up && line.trim() === 'up') {
          up = true;
          clearTimeout(timer);
          resolve({
            child,
            lines,
            kill: () => {
              if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
            },
          });
        } else if (up) lines.push(line);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!up) reject(new Error(`${script} exited with ${code}: ${errors}`));
    });
  });
}
