import assert from 'node:assert/strict';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { applyPatch, type PatchType } from '../src/patch';
import { loadSchemaSet } from '../src/schema/load';

export const schemas = loadSchemaSet();
export const DEPLOYMENT = 'k8s.io.api.apps.v1.Deployment';
export const CONFIGMAP = 'k8s.io.api.core.v1.ConfigMap';
export const POD = 'k8s.io.api.core.v1.Pod';

export function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: '2d4a-1',
      labels: { app: 'web', tier: 'frontend' },
      finalizers: ['example.com/a', 'example.com/b'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner-a', uid: 'uid-a' }],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              args: ['--a', '--b'],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'sidecar', image: 'busybox' },
          ],
          volumes: [{ name: 'cache', emptyDir: {} }],
        },
      },
    },
  };
}

export function patchOf(type: PatchType, current: KubeObject, patch: unknown, messageType = DEPLOYMENT): KubeObject {
  return applyPatch(schemas, messageType, type, current, patch);
}

/** Runs `fn`, which must throw a StatusError with this code (and reason, and message fragment when given). */
export function expectStatus(
  fn: () => unknown,
  code: number,
  reason?: string,
  messagePart?: string | RegExp,
): StatusError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(
    caught instanceof StatusError,
    `expected a StatusError ${code}, got ${caught instanceof Error ? caught.stack : String(caught)}`,
  );
  assert.equal(caught.code, code, caught.message);
  if (reason !== undefined) assert.equal(caught.reason, reason);
  if (typeof messagePart === 'string')
    assert.ok(caught.message.includes(messagePart), `message ${JSON.stringify(caught.message)} lacks ${messagePart}`);
  if (messagePart instanceof RegExp) assert.match(caught.message, messagePart);
  return caught;
}

/** A nested object `depth` levels deep: {a:{a:...{}}} counts `depth` objects. */
export function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}
