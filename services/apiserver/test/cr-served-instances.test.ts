import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { versionConversion } from '../src/registry/customresources/cr-stores';
import { deepFreeze } from '../src/storage/deep-freeze';

const cached = (apiVersion: string): KubeObject =>
  deepFreeze({ apiVersion, kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 1 } });

/**
 * Lists, gets and watchers of custom resources read the watch cache's shared
 * (frozen) instances; each cached instance must come out as one served instance,
 * so its encodings are made once, not once per read.
 */
test('a cached custom resource at the served version is served as the very instance', () => {
  const conv = versionConversion('example.com', 'v1', 'v1', undefined, undefined);
  const obj = cached('example.com/v1');
  assert.equal(conv.toServed(obj), obj);
});

test('a cached custom resource at another version is converted once, and stays frozen', () => {
  const conv = versionConversion('example.com', 'v2', 'v1', undefined, undefined);
  const obj = cached('example.com/v1');
  const first = conv.toServed(obj);
  assert.equal(first.apiVersion, 'example.com/v2');
  assert.equal(conv.toServed(obj), first, 'the same served instance on every read');
  assert.ok(Object.isFrozen(first));
  assert.equal(obj.apiVersion, 'example.com/v1', 'the cached instance is untouched');
  // objects that are not the cache's (fresh from storage) are converted afresh
  const fresh: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'f' } };
  const a = conv.toServed(fresh);
  assert.notEqual(conv.toServed(fresh), a);
  assert.equal(a.apiVersion, 'example.com/v2');
  assert.equal(fresh.apiVersion, 'example.com/v1');
  assert.equal(conv.toStored(a).apiVersion, 'example.com/v1');
});

test('schema defaults are applied to the one served instance of a cached object', () => {
  const schema = {
    type: 'object',
    properties: { spec: { type: 'object', properties: { colour: { type: 'string', default: 'blue' } } } },
  };
  const conv = versionConversion('example.com', 'v1', 'v1', schema, undefined);
  const obj = cached('example.com/v1');
  const served = conv.toServed(obj);
  assert.notEqual(served, obj);
  assert.deepEqual(served.spec, { size: 1, colour: 'blue' });
  assert.equal(conv.toServed(obj), served);
  assert.deepEqual(obj.spec, { size: 1 });
});
