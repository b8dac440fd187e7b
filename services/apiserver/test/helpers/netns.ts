import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/**
 * A network namespace made for one test, joined to the host by a veth pair.
 * kapi refuses loopback and link-local addresses as Endpoints and proxy
 * targets (as upstream does), so servers that kapi must dial run in here, on
 * `address`; kapi, on the host, reaches them over the veth.
 */
export interface TestNetns {
  name: string;
  /** The host's end of the veth pair. */
  hostAddress: string;
  /** The namespace's end: where servers started with `spawn` listen. */
  address: string;
  /** Starts a process inside the namespace; its PID is the command's own (ip execs it). */
  spawn(command: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Runs a command inside the namespace and returns its stdout. */
  exec(command: string, args: readonly string[]): string;
  /** Stops what runs inside (by PID) and deletes the namespace and its veth pair. */
  remove(): void;
}

const live = new Set<TestNetns>();
let exitHookInstalled = false;

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A /30 in 10.200.0.0/13 that no interface on the host uses yet. */
function freeSubnet(): { host: string; inside: string } {
  const used = ip(['-o', '-4', 'addr', 'show']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const b = 200 + randomInt(8);
    const c = randomInt(256);
    const d = randomInt(64) * 4;
    const prefix = `10.${b}.${c}.`;
    if (used.includes(`${prefix}${d + 1}/`) || used.includes(`${prefix}${d + 2}/`)) continue;
    return { host: `${prefix}${d + 1}`, inside: `${prefix}${d + 2}` };
  }
  throw new Error('no free /30 found for a test network namespace');
}

function pidsIn(name: string): number[] {
  try {
    return ip(['netns', 'pids', name])
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

function removeNow(ns: { name: string; hostVeth: string }): void {
  for (const pid of pidsIn(ns.name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    ip(['netns', 'del', ns.name]);
  } catch {
    // already deleted
  }
  try {
    ip(['link', 'del', ns.hostVeth]);
  } catch {
    // deleting the namespace took its end, and with it the pair
  }
}

/** Makes a namespace with a veth pair and addresses on both ends; remove it when done. */
export function createNetns(): TestNetns {
  const tag = randomBytes(3).toString('hex');
  const name = `kapi-test-${process.pid}-${tag}`;
  const hostVeth = `kt${tag}h`;
  const nsVeth = `kt${tag}n`;
  const { host, inside } = freeSubnet();
  const handle = { name, hostVeth };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth]);
    ip(['link', 'set', nsVeth, 'netns', name]);
    ip(['addr', 'add', `${host}/30`, 'dev', hostVeth]);
    ip(['link', 'set', hostVeth, 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${inside}/30`, 'dev', nsVeth]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', nsVeth, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (e) {
    removeNow(handle);
    throw e;
  }
  const ns: TestNetns = {
    name,
    hostAddress: host,
    address: inside,
    spawn: (command, args, opts = {}) => spawn('ip', ['netns', 'exec', name, command, ...args], opts),
    exec: (command, args) => ip(['netns', 'exec', name, command, ...args]),
    remove: () => {
      live.delete(ns);
      removeNow(handle);
    },
  };
  live.add(ns);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A failing test may never reach its cleanup: never leave namespaces behind.
    process.on('exit', () => {
      for (const n of [...live]) n.remove();
    });
  }
  return ns;
}
