import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { CustomResourceDefinition } from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { webhookConverter, type ObjectsConverter } from '../src/registry/customresources/cr-webhook-converter';
import { crdStrategy } from '../src/registry/strategies/customresourcedefinitions';
import { startWebhookServer, type RawAnswer, type WebhookServer } from './helpers/webhook-server';

interface SentReview {
  apiVersion: string;
  kind: string;
  request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] };
}

/** v1 → v2 renames spec.size to spec.dimension, and back. */
function convert(o: KubeObject, desired: string): KubeObject {
  const spec = { ...((o.spec as Record<string, unknown> | undefined) ?? {}) };
  if (desired.endsWith('/v2') && 'size' in spec) {
    spec.dimension = spec.size;
    delete spec.size;
  }
  if (desired.endsWith('/v1') && 'dimension' in spec) {
    spec.size = spec.dimension;
    delete spec.dimension;
  }
  return { ...o, apiVersion: desired, spec };
}

function answer(review: SentReview, tweak: (r: Record<string, unknown>) => void = () => undefined): RawAnswer {
  const response: Record<string, unknown> = {
    uid: review.request.uid,
    result: { status: 'Success' },
    convertedObjects: review.request.objects.map((o) => convert(o, review.request.desiredAPIVersion)),
  };
  tweak(response);
  return { body: JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response }) };
}

type Behaviour = (review: SentReview) => RawAnswer;

const widget = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { a: 'b' }, resourceVersion: '7' },
  spec: { size: 'L' },
  ...extra,
});

describe('conversion webhook client', () => {
  let server: WebhookServer;
  let behaviour: Behaviour = (r) => answer(r);

  before(async () => {
    server = await startWebhookServer({
      '/convert': (_review, raw) => behaviour(JSON.parse(raw) as SentReview),
    });
  });
  after(() => server.close());

  function converter(versions = ['v1'], url = server.url('/convert')): ObjectsConverter {
    return webhookConverter({
      webhook: { clientConfig: { url, caBundle: server.caBundle }, conversionReviewVersions: versions },
      timeoutSeconds: 2,
    });
  }

  async function failure(objs: KubeObject[], b: Behaviour): Promise<StatusError> {
    behaviour = b;
    try {
      await converter()(objs, 'example.com/v2');
    } catch (e) {
      assert.ok(e instanceof StatusError, String(e));
      return e;
    } finally {
      behaviour = (r) => answer(r);
    }
    throw new Error('conversion succeeded');
  }

  it('sends one v1 ConversionReview with a uid, the desired version and only the objects not at it', async () => {
    server.received.clear();
    const already = { ...widget('b'), apiVersion: 'example.com/v2', spec: { dimension: 'S' } };
    const out = await converter()([widget('a'), already, widget('c')], 'example.com/v2');
    const sent = server.received.get('/convert') ?? [];
    assert.equal(sent.length, 1);
    const review = sent[0] as unknown as SentReview;
    assert.equal(review.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(review.kind, 'ConversionReview');
    assert.match(review.request.uid, /^[0-9a-f-]{36}$/);
    assert.equal(review.request.desiredAPIVersion, 'example.com/v2');
    assert.deepEqual(
      review.request.objects.map((o) => o.metadata?.name),
      ['a', 'c'],
    );
    assert.deepEqual(
      out.map((o) => [o.metadata?.name, o.apiVersion, (o.spec as { dimension?: string }).dimension]),
      [
        ['a', 'example.com/v2', 'L'],
        ['b', 'example.com/v2', 'S'],
        ['c', 'example.com/v2', 'L'],
      ],
    );
  });

  it('calls nothing when every object is at the desired version', async () => {
    server.received.clear();
    const at = { ...widget('a'), apiVersion: 'example.com/v2' };
    const out = await converter()([at], 'example.com/v2');
    assert.equal(out[0], at);
    assert.equal(server.received.get('/convert'), undefined);
  });

  it('speaks v1beta1 when it is listed first, without the uid check', async () => {
    server.received.clear();
    behaviour = (r) => answer(r, (resp) => (resp.uid = 'whatever'));
    try {
      const out = await converter(['v1beta1', 'v1'])([widget('a')], 'example.com/v2');
      assert.equal(out[0].apiVersion, 'example.com/v2');
    } finally {
      behaviour = (r) => answer(r);
    }
    const review = (server.received.get('/convert') ?? [])[0] as unknown as SentReview;
    assert.equal(review.apiVersion, 'apiextensions.k8s.io/v1beta1');
  });

  it('keeps the original metadata but the labels and annotations the webhook set', async () => {
    behaviour = (r) =>
      answer(r, (resp) => {
        const o = (resp.convertedObjects as KubeObject[])[0];
        o.metadata = { ...o.metadata, labels: { x: 'y' }, annotations: { note: 'converted' }, resourceVersion: '99' };
        o.metadata.generation = 42;
      });
    const [out] = await converter()([widget('a')], 'example.com/v2');
    behaviour = (r) => answer(r);
    assert.deepEqual(out.metadata?.labels, { x: 'y' });
    assert.deepEqual(out.metadata?.annotations, { note: 'converted' });
    assert.equal(out.metadata?.resourceVersion, '7');
    assert.equal(out.metadata?.generation, undefined);
  });

  it('refuses a response for another uid', async () => {
    const e = await failure([widget('a')], (r) => answer(r, (resp) => (resp.uid = 'not-yours')));
    assert.equal(e.code, 500);
    assert.equal(e.reason, 'InternalError');
    const uid = /expected response.uid="([^"]+)"/.exec(e.message)?.[1] ?? '';
    assert.equal(
      e.message,
      `Internal error occurred: conversion webhook for example.com/v1, Kind=Widget failed: expected response.uid="${uid}", got "not-yours"`,
    );
  });

  it('refuses the wrong number of converted objects', async () => {
    const e = await failure([widget('a'), widget('b')], (r) =>
      answer(r, (resp) => (resp.convertedObjects = (resp.convertedObjects as unknown[]).slice(0, 1))),
    );
    assert.equal(
      e.message,
      'Internal error occurred: conversion webhook for example.com/v1, Kind=WidgetList returned 1 objects, expected 2',
    );
  });

  it('refuses a converted object whose name changed', async () => {
    const e = await failure([widget('a')], (r) =>
      answer(r, (resp) => ((resp.convertedObjects as KubeObject[])[0].metadata!.name = 'other')),
    );
    assert.equal(
      e.message,
      'Internal error occurred: conversion webhook for example.com/v1, Kind=Widget returned invalid object: must have the same name: a != other',
    );
  });

  it('refuses a converted object at another version or kind', async () => {
    const e = await failure([widget('a'), widget('b')], (r) =>
      answer(r, (resp) => ((resp.convertedObjects as KubeObject[])[1].apiVersion = 'example.com/v1')),
    );
    assert.equal(
      e.message,
      'Internal error occurred: conversion webhook for example.com/v1, Kind=WidgetList returned invalid converted object at index 2: invalid groupVersion (expected example.com/v2, received example.com/v1)',
    );
    const k = await failure([widget('a')], (r) =>
      answer(r, (resp) => ((resp.convertedObjects as KubeObject[])[0].kind = 'Gadget')),
    );
    assert.match(k.message, /returned invalid object at index 0: invalid kind \(expected Widget, received Gadget\)$/);
  });

  it('refuses invalid labels set by the webhook', async () => {
    const e = await failure([widget('a')], (r) =>
      answer(r, (resp) => ((resp.convertedObjects as KubeObject[])[0].metadata!.labels = { 'bad key!': 'v' })),
    );
    assert.match(e.message, /returned invalid metadata: metadata\.labels: Invalid value: "bad key!"/);
  });

  it('reports the webhook failure message, or the status when there is none', async () => {
    const e = await failure([widget('a')], (r) =>
      answer(r, (resp) => (resp.result = { status: 'Failure', message: 'cannot convert widgets today' })),
    );
    assert.equal(
      e.message,
      'Internal error occurred: conversion webhook for example.com/v1, Kind=Widget failed: cannot convert widgets today',
    );
    const f = await failure([widget('a')], (r) => answer(r, (resp) => (resp.result = { status: 'Failure' })));
    assert.match(f.message, /failed: response.result.status was 'Failure', not 'Success'$/);
  });

  it('refuses bad JSON, a non-200 answer and a missing response', async () => {
    const bad = await failure([widget('a')], () => ({ body: '{not json' }));
    assert.match(bad.message, /Kind=Widget failed: couldn't get version\/kind; json parse error: /);
    const down = await failure([widget('a')], () => ({ status: 500, body: 'boom' }));
    assert.match(
      down.message,
      /Kind=Widget failed: an error on the server \("boom"\) has prevented the request from succeeding$/,
    );
    const none = await failure([widget('a')], () => ({
      body: JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview' }),
    }));
    assert.match(none.message, /failed: no response provided$/);
    const wrongKind = await failure([widget('a')], () => ({
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Status' }),
    }));
    assert.match(
      wrongKind.message,
      /failed: expected webhook response of apiextensions.k8s.io\/v1, Kind=ConversionReview, got v1, Kind=Status$/,
    );
  });

  it('verifies the webhook certificate against caBundle', async () => {
    const other = await startWebhookServer({});
    try {
      const wrongCa = webhookConverter({
        webhook: {
          clientConfig: { url: server.url('/convert'), caBundle: other.caBundle },
          conversionReviewVersions: ['v1'],
        },
      });
      await assert.rejects(wrongCa([widget('a')], 'example.com/v2'), (e: StatusError) => {
        assert.equal(e.code, 500);
        assert.match(
          e.message,
          /Kind=Widget failed: Post "https:\/\/127.0.0.1:\d+\/convert": tls: failed to verify certificate: x509: /,
        );
        return true;
      });
    } finally {
      await other.close();
    }
  });

  it('reports a webhook that is not there, and one that takes too long', async () => {
    const url = server.url('/convert').replace(/:\d+\//, ':1/');
    await assert.rejects(converter(['v1'], url)([widget('a')], 'example.com/v2'), (e: StatusError) => {
      assert.equal(e.code, 500);
      assert.equal(
        e.message,
        `Internal error occurred: conversion webhook for example.com/v1, Kind=Widget failed: Post "${url}": dial tcp 127.0.0.1:1: connect: connection refused`,
      );
      return true;
    });
    const slow = await failure([widget('a')], (r) => ({ ...answer(r), delayMs: 2500 }));
    assert.match(slow.message, /failed: Post "https:\/\/127.0.0.1:\d+\/convert": context deadline exceeded$/);
  });
});

function crd(conversion: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): KubeObject {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      ...(conversion ? { conversion } : {}),
      ...extra,
    },
  };
  return c as KubeObject;
}

function errorsOf(obj: KubeObject): string[] {
  crdStrategy.applyDefaults?.(obj);
  return crdStrategy.validate(obj).map((e) => `${e.field}: ${e.message}`);
}

describe('spec.conversion validation', () => {
  const hook = { clientConfig: { url: 'https://conv.example.com/convert' }, conversionReviewVersions: ['v1'] };

  it('accepts a webhook with a url and v1 reviews', () => {
    assert.deepEqual(errorsOf(crd({ strategy: 'Webhook', webhook: hook })), []);
  });

  it('requires the client config and review versions with upstream paths', () => {
    assert.deepEqual(errorsOf(crd({ strategy: 'Webhook' })), [
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
      'spec.conversion.conversionReviewVersions: Required value',
    ]);
    assert.deepEqual(errorsOf(crd({ strategy: 'Webhook', webhook: { clientConfig: {} } })), [
      'spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required',
      'spec.conversion.conversionReviewVersions: Required value',
    ]);
  });

  it('checks review versions: known ones, no duplicates', () => {
    assert.deepEqual(
      errorsOf(crd({ strategy: 'Webhook', webhook: { ...hook, conversionReviewVersions: ['v2', 'v2'] } })),
      [
        'spec.conversion.conversionReviewVersions[1]: Invalid value: "v2": duplicate version',
        'spec.conversion.conversionReviewVersions: Invalid value: []string{"v2", "v2"}: must include at least one of v1, v1beta1',
      ],
    );
  });

  it('checks the url and forbids webhook settings under None', () => {
    assert.deepEqual(
      errorsOf(crd({ strategy: 'Webhook', webhook: { ...hook, clientConfig: { url: 'http://x.example.com/' } } })),
      [
        `spec.conversion.webhookClientConfig.url: Invalid value: "http://x.example.com/": 'https' is the only allowed URL scheme`,
      ],
    );
    assert.deepEqual(errorsOf(crd({ strategy: 'None', webhook: hook })), [
      'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
      'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
    ]);
  });

  it('refuses Webhook with preserveUnknownFields', () => {
    assert.deepEqual(errorsOf(crd({ strategy: 'Webhook', webhook: hook }, { preserveUnknownFields: true })), [
      'spec.conversion.strategy: Invalid value: "Webhook": must be None if spec.preserveUnknownFields is true',
    ]);
  });

  it('refuses removing a version still in status.storedVersions', () => {
    const old = crd(undefined) as CustomResourceDefinition;
    old.spec!.versions!.push({
      name: 'v2',
      served: true,
      storage: false,
      schema: { openAPIV3Schema: { type: 'object' } },
    });
    crdStrategy.applyDefaults?.(old as KubeObject);
    crdStrategy.prepareForCreate?.(old as KubeObject);
    old.status!.storedVersions = ['v1', 'v2'];
    old.metadata = { ...old.metadata, resourceVersion: '1' };
    const next = crd(undefined) as CustomResourceDefinition;
    next.metadata = { ...old.metadata };
    crdStrategy.applyDefaults?.(next as KubeObject);
    crdStrategy.prepareForUpdate?.(next as KubeObject, old as KubeObject);
    const errs = (crdStrategy.validateUpdate?.(next as KubeObject, old as KubeObject) ?? []).map(
      (e) => `${e.field}: ${e.message}`,
    );
    assert.deepEqual(errs, ['status.storedVersions[1]: Invalid value: "v2": must appear in spec.versions']);
  });
});
