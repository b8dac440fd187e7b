import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRecorder, type AdmissionAttributes } from '../src/admission/interface';
import { webhookDenial } from '../src/admission/webhook/errors';
import { runValidatingWebhooks } from '../src/admission/webhook/validate';
import { StatusError } from '../src/api/errors';
import { StoreTable } from '../src/registry/store-table';

function attrs(dryRun: boolean): AdmissionAttributes {
  return {
    operation: 'CREATE',
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    subresource: '',
    namespace: 'default',
    name: 'x',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    userInfo: { name: 'alice', groups: [] },
    dryRun,
    recorder: newRecorder(),
  };
}

describe('webhook dispatch rules', () => {
  // v1 configurations cannot say Some or Unknown, but stored v1beta1-era objects can
  const hook = {
    configuration: 'c',
    uid: 'c/0/side.kapi.test',
    index: 0,
    hook: {
      name: 'side.kapi.test',
      clientConfig: { url: 'https://127.0.0.1:1/never' },
      rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
      sideEffects: 'Some',
      admissionReviewVersions: ['v1'],
      failurePolicy: 'Ignore',
    },
  };

  it('a dry run to a webhook with side effects is refused with 400, whatever failurePolicy says', async () => {
    await assert.rejects(
      runValidatingWebhooks([hook], attrs(true), { table: new StoreTable(), log: () => undefined }),
      (e: unknown) =>
        e instanceof StatusError &&
        e.code === 400 &&
        e.reason === 'BadRequest' &&
        e.message === 'admission webhook "side.kapi.test" does not support dry run',
    );
  });

  it('without dry run the same unreachable webhook fails open under Ignore', async () => {
    await runValidatingWebhooks([hook], attrs(false), { table: new StoreTable(), log: () => undefined });
  });

  it('denials: the code is raised to 400 at least, the message names the webhook', () => {
    const a = webhookDenial('w', { code: 200, message: 'm' });
    assert.equal(a.code, 400);
    assert.equal(a.message, 'admission webhook "w" denied the request: m');
    assert.equal(webhookDenial('w', undefined).message, 'admission webhook "w" denied the request without explanation');
    assert.equal(
      webhookDenial('w', { reason: 'Conflict', code: 409 }).message,
      'admission webhook "w" denied the request: Conflict',
    );
    assert.equal(webhookDenial('w', { reason: 'Conflict', code: 409 }).reason, 'Conflict');
  });
});
