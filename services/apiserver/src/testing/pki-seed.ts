import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The PKI (CA, serving and admin certificates, service-account key) test
 * servers start from, so that only the first start of all generates its four
 * RSA keys: they are most of a cold start, and every test server listens on the
 * same loopback address the serving certificate names. Kept in memory for this
 * process and in an owner-only cache dir for the next test processes
 * (KAPI_TESTING_PKI_CACHE names another dir; "off" keeps it in memory only).
 * kapi itself checks what it is given and reissues an expired or mismatched
 * certificate, so a stale seed costs a regeneration, never a failed start.
 */

type Seed = Map<string, { content: Buffer; mode: number }>;

let memory: Seed | undefined;

function cacheDir(): string | undefined {
  const configured = process.env.KAPI_TESTING_PKI_CACHE;
  if (configured === 'off') return undefined;
  if (configured) return path.resolve(configured);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'kapi-testing', 'pki');
}

/** A private directory of ours: a dir another user made or can read is never used. */
function isPrivateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function readSeed(dir: string): Seed | undefined {
  const seed: Seed = new Map();
  for (const f of readdirSync(dir)) {
    const file = path.join(dir, f);
    const st = lstatSync(file);
    if (st.isFile()) seed.set(f, { content: readFileSync(file), mode: st.mode & 0o777 });
  }
  return seed.size > 0 ? seed : undefined;
}

function sameSeed(a: Seed, b: Seed): boolean {
  return a.size === b.size && [...a].every(([f, v]) => b.get(f)?.content.equals(v.content));
}

function writeSeed(dir: string, seed: Seed): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [f, { content, mode }] of seed) writeFileSync(path.join(dir, f), content, { mode });
}

function loadSeed(): Seed | undefined {
  if (memory) return memory;
  const dir = cacheDir();
  if (!dir || !isPrivateDir(dir)) return undefined;
  try {
    return readSeed(dir);
  } catch {
    return undefined;
  }
}

/** Writes the seed, if there is one, as `<dataDir>/pki`, where kapi looks for its PKI. */
export function plantPkiSeed(dataDir: string): void {
  const seed = loadSeed();
  if (seed) writeSeed(path.join(dataDir, 'pki'), seed);
}

/** Keeps the PKI a started server holds as the seed: in memory, and in the cache dir when it changed. */
export function keepPkiSeed(dataDir: string): void {
  const seed = readSeed(path.join(dataDir, 'pki'));
  if (!seed) return;
  memory = seed;
  const dir = cacheDir();
  if (!dir) return;
  try {
    if (isPrivateDir(dir)) {
      const cached = readSeed(dir);
      if (cached && sameSeed(cached, seed)) return;
    }
    // written aside and renamed into place, so parallel test processes never read half a seed
    const parent = path.dirname(dir);
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    writeSeed(tmp, seed);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch {
      // another test process put its seed there first
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch {
    // a cache that cannot be written only makes the next cold start slower
  }
}
