import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateTypes } from '../../../tools/gen-types';
import type { apps_v1, core_v1, meta_v1, util_intstr } from '../src/generated';
import { repoRoot } from '../src/schema/paths';

test('committed generated/ types are what gen-types writes from proto/', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-types-'));
  try {
    const written = generateTypes(path.join(repoRoot(), 'proto'), out);
    const committed = path.join(repoRoot(), 'services', 'apiserver', 'src', 'generated');
    for (const file of written) {
      assert.equal(
        fs.readFileSync(path.join(out, file), 'utf8'),
        fs.readFileSync(path.join(committed, file), 'utf8'),
        file,
      );
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('generated types describe the JSON shape (compile-time check)', () => {
  const meta: meta_v1.ObjectMeta = { name: 'a', creationTimestamp: null, labels: { k: 'v' } };
  const port: util_intstr.IntOrString = 'http';
  const cm: core_v1.ConfigMap = { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta, data: { a: 'b' } };
  const dep: apps_v1.Deployment = {
    spec: {
      replicas: 1,
      strategy: { rollingUpdate: { maxSurge: port, maxUnavailable: 1 } },
      template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: '1' } } }] } },
    },
  };
  const vol: core_v1.Volume = { name: 'v', emptyDir: { sizeLimit: '1Gi' } };
  assert.equal(cm.data?.a, 'b');
  assert.equal(dep.spec?.template?.spec?.containers?.[0].name, 'c');
  assert.equal(vol.emptyDir?.sizeLimit, '1Gi');
});
