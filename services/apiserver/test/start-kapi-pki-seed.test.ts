import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startKapi } from '../src/testing/start-kapi';

// this file's process has a cache dir of its own (the module reads the variable at each start)
const root = mkdtempSync(path.join(os.tmpdir(), 'kapi-seed-test-'));
const cache = path.join(root, 'cache', 'pki');
process.env.KAPI_TESTING_PKI_CACHE = cache;
after(() => rmSync(root, { recursive: true, force: true }));

/** In a new process (no seed in memory): plants the cached seed into a new data dir; whether it found one. */
function plantedInNewProcess(): boolean {
  const dataDir = mkdtempSync(path.join(root, 'data-'));
  const seedModule = path.join(__dirname, '../src/testing/pki-seed.js');
  execFileSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(seedModule)}).plantPkiSeed(process.argv[1])`, dataDir],
    {
      env: { ...process.env, KAPI_TESTING_PKI_CACHE: cache },
    },
  );
  return existsSync(path.join(dataDir, 'pki', 'ca.key'));
}

test('the first start leaves its PKI in an owner-only cache; later starts begin from it', async () => {
  assert.equal(plantedInNewProcess(), false, 'nothing cached yet');
  const first = await startKapi();
  await first.stop();
  assert.equal(statSync(cache).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(cache).sort(), [
    'admin.crt',
    'admin.key',
    'apiserver.crt',
    'apiserver.key',
    'ca.crt',
    'ca.key',
    'sa.key',
  ]);
  for (const key of ['ca.key', 'apiserver.key', 'admin.key', 'sa.key']) {
    assert.equal(statSync(path.join(cache, key)).mode & 0o077, 0, `${key} is owner-only`);
  }
  assert.equal(readFileSync(path.join(cache, 'ca.crt'), 'utf8'), first.ca);
  const second = await startKapi();
  assert.equal(second.ca, first.ca, 'the same CA, so no keys were generated');
  await second.stop();
  assert.equal(plantedInNewProcess(), true, 'a new test process starts from the cache');
});

test('a cache dir others can read is not used', () => {
  chmodSync(cache, 0o750);
  try {
    assert.equal(plantedInNewProcess(), false);
  } finally {
    chmodSync(cache, 0o700);
  }
  assert.equal(plantedInNewProcess(), true);
});

test('own PKI flags bypass the seed: the server generates a CA of its own in --cert-dir', async () => {
  const certDir = mkdtempSync(path.join(root, 'certs-'));
  const own = await startKapi({ args: [`--cert-dir=${certDir}`] });
  try {
    assert.equal(readFileSync(path.join(certDir, 'ca.crt'), 'utf8'), own.ca);
    assert.notEqual(own.ca, readFileSync(path.join(cache, 'ca.crt'), 'utf8'));
  } finally {
    await own.stop();
  }
});
