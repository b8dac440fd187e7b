import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { autoregisterCompletion } from '../src/aggregator/autoregister';
import type { GenericStore } from '../src/registry/generic-store';

function apiService(name: string, available: boolean): KubeObject {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name },
    status: { conditions: [{ type: 'Available', status: available ? 'True' : 'False' }] },
  };
}

test('autoregister-completion: not ready while a built-in APIService is missing or unavailable, then for good', async () => {
  let items: KubeObject[] = [apiService('v1.', true)];
  let lists = 0;
  // the APIService store as the check reads it: a list from the watch cache
  const store = {
    list: async () => {
      lists++;
      return { items };
    },
  } as unknown as GenericStore;
  const builtins = [
    { group: '', version: 'v1' },
    { group: 'apps', version: 'v1' },
  ];
  const check = autoregisterCompletion(
    () => store,
    () => builtins,
  );
  await assert.rejects(check(), /missing APIService: v1\.apps/);
  items = [apiService('v1.', true), apiService('v1.apps', false)];
  await assert.rejects(check(), /v1\.apps/, 'registered but not available is not enough');
  items = [apiService('v1.', true), apiService('v1.apps', true)];
  await check();
  items = [];
  const before = lists;
  await check();
  assert.equal(lists, before, 'once complete it is not asked again');
});
