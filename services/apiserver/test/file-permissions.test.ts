import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess } from './helpers/replica';

/** path relative to root -> permission bits, for everything under root. */
function modes(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = statSync(p);
      out.set(path.relative(root, p), st.mode & 0o777);
      if (st.isDirectory()) walk(p);
    }
  };
  out.set('.', statSync(root).mode & 0o777);
  walk(root);
  return out;
}

/** Every directory 0700 and every file 0600; certificates (public) may be world-readable, never writable. */
function assertPrivate(root: string, when: string): Map<string, number> {
  const m = modes(root);
  for (const [rel, mode] of m) {
    const isDir = statSync(path.join(root, rel)).isDirectory();
    const octal = mode.toString(8);
    if (isDir) assert.equal(mode, 0o700, `${when}: directory ${rel} is ${octal}`);
    else if (rel.endsWith('.crt')) assert.equal(mode & 0o022, 0, `${when}: ${rel} is ${octal}`);
    else assert.equal(mode, 0o600, `${when}: ${rel} is ${octal}`);
  }
  return m;
}

describe('data directory permissions (real replica on the embedded store)', () => {
  const roots: string[] = [];
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('store, WAL, keys and kubeconfig are owner-only, after start and after writes, and across restarts', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'kapi-perm-'));
    roots.push(root);
    // as an operator's directory would be: world-readable before kapi first runs
    chmodSync(root, 0o755);
    const dataDir = path.join(root, 'data');
    const replica = await startReplicaProcess({ dataDir });
    try {
      const first = assertPrivate(dataDir, 'after start');
      for (const f of ['kapi.db', 'admin.kubeconfig', 'pki/ca.key', 'pki/apiserver.key', 'pki/admin.key']) {
        assert.ok(first.has(f), `${f} exists`);
      }
      for (let i = 0; i < 20; i++) {
        await kubectlOk(replica.kubeconfig, ['create', 'secret', 'generic', `s${i}`, `--from-literal=password=p${i}`]);
      }
      const later = assertPrivate(dataDir, 'after writes');
      assert.ok(later.has('kapi.db-wal'), 'the WAL exists once there were writes');
    } finally {
      await replica.stop();
    }

    // files an earlier, more permissive version left behind are narrowed on start
    for (const f of ['kapi.db', 'kapi.db-wal', 'kapi.db-shm', 'pki/ca.key', 'pki/admin.key']) {
      try {
        chmodSync(path.join(dataDir, f), 0o644);
      } catch {
        // -wal/-shm may have been checkpointed away at shutdown
      }
    }
    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, 'pki'), 0o755);
    const again = await startReplicaProcess({ dataDir });
    try {
      assertPrivate(dataDir, 'after restart');
      await kubectlOk(again.kubeconfig, ['create', 'secret', 'generic', 'after-restart', '--from-literal=a=b']);
      assertPrivate(dataDir, 'after writes following the restart');
    } finally {
      await again.stop();
    }
  });
});
