import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

function crd(listBound: string, nameSchema: string, extra = ''): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: pets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: pets, kind: Pet}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        ${extra}
        properties:
          spec:
            type: object
            properties:
              name: ${nameSchema}
              other: {type: string}
              since:
                type: integer
                x-kubernetes-validations:
                - rule: "oldSelf.hasValue() ? self >= oldSelf.value() : self == 0"
                  message: since starts at 0 and never goes back
                  optionalOldSelf: true
              nums:
                type: array
                maxItems: 1000
                items: {type: integer}
                x-kubernetes-validations:
                - rule: "self.all(x, self.all(y, x + y >= 0))"
              ids:
                type: array
                ${listBound}
                items: {type: integer}
                x-kubernetes-validations:
                - rule: "self.all(x, self.exists_one(y, x == y))"
                  message: ids must be unique
`;
}

const pet = (spec: string): string => `apiVersion: example.com/v1
kind: Pet
metadata: {name: rex, namespace: default}
spec: ${spec}
`;

describe('CRD CEL cost, optionalOldSelf and ratcheting (real kubectl)', () => {
  let replica: ReplicaProcess;
  let kc: string;

  before(async () => {
    replica = await startReplicaProcess({});
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica?.cleanup();
  });

  it('refuses a rule too expensive over an unbounded list, with upstream messages', async () => {
    const r = await kubectl(kc, ['apply', '-f', '-'], crd('', '{type: string}'));
    assert.notEqual(r.code, 0);
    const rule =
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[ids].x-kubernetes-validations[0].rule';
    assert.match(r.stderr, /The CustomResourceDefinition "pets.example.com" is invalid/);
    assert.ok(
      r.stderr.includes(`${rule}: Forbidden: estimated rule cost exceeds budget by factor of more than 100x`),
      r.stderr,
    );
    assert.ok(
      r.stderr.includes(
        'spec.versions[0].schema.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x',
      ),
      r.stderr,
    );
  });

  it('accepts it with maxItems, and runs optionalOldSelf rules on create and update', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], crd('maxItems: 50', '{type: string}'));
    await kubectlOk(kc, ['wait', '--for', 'condition=established', 'crd/pets.example.com', '--timeout=20s']);
    const bad = await kubectl(kc, ['apply', '-f', '-'], pet('{name: rexrexrex, since: 3}'));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.since: Invalid value: "integer": since starts at 0 and never goes back/);
    await kubectlOk(kc, ['apply', '-f', '-'], pet('{name: rexrexrex, since: 0, ids: [1, 2]}'));
    await kubectlOk(kc, ['apply', '-f', '-'], pet('{name: rexrexrex, since: 5, ids: [1, 2]}'));
    const back = await kubectl(kc, ['apply', '-f', '-'], pet('{name: rexrexrex, since: 4, ids: [1, 2]}'));
    assert.match(back.stderr, /spec\.since: Invalid value: "integer": since starts at 0 and never goes back/);
    const dup = await kubectl(kc, ['apply', '-f', '-'], pet('{name: rexrexrex, since: 5, ids: [1, 1]}'));
    assert.match(dup.stderr, /spec\.ids: Invalid value: "array": ids must be unique/);
  });

  it('a rule cheap enough to be accepted can still hit the per-call limit at run time', async () => {
    const nums = Array.from({ length: 1000 }, (_, i) => i).join(', ');
    const r = await kubectl(kc, ['apply', '-f', '-'], pet(`{name: rexrexrex, since: 5, ids: [1, 2], nums: [${nums}]}`));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /spec\.nums: Invalid value: "array": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self\.all\(x, self\.all\(y, x \+ y >= 0\)\)/,
    );
  });

  it('ratchets: an existing value that a tightened schema refuses keeps passing until it changes', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], crd('maxItems: 50', '{type: string, maxLength: 3}'));
    await kubectlOk(kc, ['apply', '-f', '-'], pet('{name: rexrexrex, since: 6, ids: [1, 2], other: changed}'));
    const r = await kubectl(kc, ['apply', '-f', '-'], pet('{name: rexrexrexrex, since: 6, ids: [1, 2]}'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.name: Too long: may not be more than 3 bytes/);
  });

  it('keeps unknown fields everywhere under a root x-kubernetes-preserve-unknown-fields', async () => {
    const cats = crd('maxItems: 50', '{type: string}', 'x-kubernetes-preserve-unknown-fields: true')
      .replace(/pets/g, 'cats')
      .replace('kind: Pet', 'kind: Cat');
    await kubectlOk(kc, ['apply', '-f', '-'], cats);
    await kubectlOk(kc, ['wait', '--for', 'condition=established', 'crd/cats.example.com', '--timeout=20s']);
    const obj = `apiVersion: example.com/v1
kind: Cat
metadata: {name: tom, namespace: default}
color: grey
spec: {name: tom, since: 0}
`;
    await kubectlOk(kc, ['apply', '-f', '-'], obj);
    const got = JSON.parse(await kubectlOk(kc, ['get', 'cat', 'tom', '-o', 'json'])) as Record<string, unknown>;
    assert.equal(got.color, 'grey');
    assert.equal(got.kind, 'Cat');
    assert.equal((got.metadata as { name: string }).name, 'tom');
    assert.deepEqual(got.spec, { name: 'tom', since: 0 });
  });
});
