import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { acceptNames } from '../src/controllers/crd-naming';
import type { CustomResourceDefinition } from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { setCrdCondition } from '../src/registry/customresources/crd-conditions';
import { customResourceStrategy } from '../src/registry/customresources/cr-strategy';

function crd(name: string, group: string, names: Record<string, unknown>, accepted?: Record<string, unknown>) {
  return {
    metadata: { name },
    spec: { group, names },
    status: accepted ? { acceptedNames: accepted } : {},
  } as CustomResourceDefinition;
}

describe('CRD naming', () => {
  const existing = crd(
    'widgets.example.com',
    'example.com',
    { plural: 'widgets', kind: 'Widget' },
    { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] },
  );

  it('accepts names no other definition of the group holds', () => {
    const c = crd('gadgets.example.com', 'example.com', { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' });
    const r = acceptNames(c, [existing, c]);
    assert.deepEqual(r.condition, {
      type: 'NamesAccepted',
      status: 'True',
      reason: 'NoConflicts',
      message: 'no conflicts found',
    });
    assert.deepEqual(r.accepted, c.spec?.names);
  });

  it('refuses names taken in the same group, by kind of name', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ plural: 'widgets', kind: 'Other' }, 'PluralConflict', '"widgets" is already in use'],
      [{ plural: 'others', singular: 'widget', kind: 'Other' }, 'SingularConflict', '"widget" is already in use'],
      [{ plural: 'others', kind: 'Other', shortNames: ['wd'] }, 'ShortNamesConflict', '"wd" is already in use'],
      [{ plural: 'others', kind: 'Widget' }, 'KindConflict', '"Widget" is already in use'],
    ];
    for (const [names, reason, message] of cases) {
      const c = crd('x.example.com', 'example.com', names);
      const r = acceptNames(c, [existing, c]);
      assert.deepEqual([r.condition.status, r.condition.reason, r.condition.message], ['False', reason, message]);
      assert.deepEqual(r.accepted, {});
    }
  });

  it('ignores other groups', () => {
    const c = crd('widgets.example.org', 'example.org', { plural: 'widgets', kind: 'Widget' });
    assert.equal(acceptNames(c, [existing, c]).condition.status, 'True');
  });

  it('keeps a condition transition time while its status stays', () => {
    const c = crd('a.b.c', 'b.c', {});
    setCrdCondition(c, { type: 'Established', status: 'False', reason: 'Installing', message: 'm' });
    const first = c.status?.conditions?.[0].lastTransitionTime;
    c.status!.conditions![0].lastTransitionTime = '2000-01-01T00:00:00Z';
    assert.equal(setCrdCondition(c, { type: 'Established', status: 'False', reason: 'Other', message: 'n' }), true);
    assert.equal(c.status?.conditions?.[0].lastTransitionTime, '2000-01-01T00:00:00Z');
    assert.equal(setCrdCondition(c, { type: 'Established', status: 'False', reason: 'Other', message: 'n' }), false);
    setCrdCondition(c, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'x' });
    assert.notEqual(c.status?.conditions?.[0].lastTransitionTime, '2000-01-01T00:00:00Z');
    assert.ok(first);
  });
});

describe('custom resource strategy', () => {
  const s = customResourceStrategy({ namespaced: true, hasStatus: true, terminating: false });

  it('clears status on create and starts generation at 1', () => {
    const obj: KubeObject = { metadata: { name: 'a' }, spec: { x: 1 }, status: { y: 2 } };
    s.prepareForCreate?.(obj);
    assert.equal(obj.status, undefined);
    assert.equal(obj.metadata?.generation, 1);
  });

  it('keeps status and bumps generation only when something but metadata and status changed', () => {
    const old: KubeObject = { metadata: { name: 'a', generation: 4 }, spec: { x: 1 }, status: { y: 2 } };
    const same: KubeObject = { metadata: { name: 'a', labels: { l: 'v' } }, spec: { x: 1 }, status: { y: 3 } };
    s.prepareForUpdate?.(same, old);
    assert.deepEqual([same.metadata?.generation, same.status], [4, { y: 2 }]);
    const changed: KubeObject = { metadata: { name: 'a' }, spec: { x: 2 }, other: true };
    s.prepareForUpdate?.(changed, old);
    assert.equal(changed.metadata?.generation, 5);
  });

  it('refuses creates while the definition terminates', () => {
    const t = customResourceStrategy({ namespaced: true, hasStatus: false, terminating: true });
    assert.throws(
      () => t.beginCreate?.({ metadata: { name: 'a' } }, { namespace: 'default' }),
      (e: unknown) =>
        e instanceof StatusError &&
        e.code === 405 &&
        e.message === 'create not allowed while custom resource definition is terminating',
    );
  });
});
