import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { test } from 'node:test';
import { createNetns } from './helpers/netns';

test('a test network namespace: a server inside is reachable from the host, and removal leaves nothing', async () => {
  const ns = createNetns();
  try {
    const child = ns.spawn(process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => s.end('inside')).listen(18080, '${ns.address}', () => console.log('up'))`,
    ]);
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.equal(chunk.toString().trim(), 'up');
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(`http://${ns.address}:18080/`, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    assert.equal(body, 'inside');
    // The namespace has no route to the host's loopback: 127.0.0.1 inside is its own.
    assert.match(ns.exec('ip', ['-o', 'addr', 'show', 'lo']), /127\.0\.0\.1/);
  } finally {
    ns.remove();
  }
  const { execFileSync } = await import('node:child_process');
  assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(ns.name));
  assert.ok(!execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' }).includes(`${ns.hostAddress}/`));
});
