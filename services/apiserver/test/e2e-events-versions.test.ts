import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// One object, two groups: events written through core/v1 read through events.k8s.io/v1
// and the other way round, with kubectl v1.32 against a real kapi.
const CORE_EVENT = `apiVersion: v1
kind: Event
metadata:
  name: web.core
  namespace: default
involvedObject:
  kind: Pod
  name: web-1
  namespace: default
reason: Pulled
message: image pulled
type: Normal
source:
  component: kubelet
count: 2
`;

const NEW_EVENT = `apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: web.new
  namespace: default
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: example.com/ctl
reportingInstance: ctl-1
action: Scale
reason: Scaled
note: scaled up
type: Normal
regarding:
  kind: Deployment
  name: web
  namespace: default
`;

type Json = Record<string, unknown>;

describe('events across core/v1 and events.k8s.io/v1', () => {
  let replica: ReplicaProcess | undefined;
  const ok = (args: string[], stdin?: string) => kubectlOk(replica?.kubeconfig ?? '', args, stdin);
  before(async () => {
    replica = await startReplicaProcess();
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('discovery lists events.k8s.io/v1', async () => {
    const out = await ok(['api-resources', '--api-group=events.k8s.io']);
    assert.match(out, /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m);
  });

  test('a core/v1 event reads back through events.k8s.io/v1 with its fields renamed', async () => {
    await ok(['create', '-f', '-'], CORE_EVENT);
    const got = JSON.parse(await ok(['get', 'events.v1.events.k8s.io', 'web.core', '-o', 'json'])) as Json;
    assert.equal(got.apiVersion, 'events.k8s.io/v1');
    assert.equal(got.note, 'image pulled');
    assert.equal(got.deprecatedCount, 2);
    assert.deepEqual(got.deprecatedSource, { component: 'kubelet' });
    assert.equal((got.regarding as Json).name, 'web-1');
    assert.equal(got.message, undefined);
  });

  test('an events.k8s.io/v1 event reads back through core/v1', async () => {
    await ok(['create', '-f', '-'], NEW_EVENT);
    const got = JSON.parse(await ok(['get', 'events.v1.', 'web.new', '-o', 'json'])) as Json;
    assert.equal(got.apiVersion, 'v1');
    assert.equal(got.message, 'scaled up');
    assert.equal(got.reportingComponent, 'example.com/ctl');
    assert.equal((got.involvedObject as Json).kind, 'Deployment');
  });

  test('field selectors work in both groups', async () => {
    const core = await ok(['get', 'events.v1.', '--field-selector', 'reason=Scaled', '-o', 'name']);
    assert.equal(core.trim(), 'event/web.new');
    const grouped = await ok(['get', 'events.v1.events.k8s.io', '--field-selector', 'reason=Pulled', '-o', 'name']);
    assert.equal(grouped.trim(), 'event.events.k8s.io/web.core');
  });
});
