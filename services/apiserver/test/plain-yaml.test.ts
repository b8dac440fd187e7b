import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { kubeconfigDocument, renderKubeconfig } from '../src/certs/kubeconfig';
import { plainYaml, type PlainMap, type PlainNode } from '../src/certs/plain-yaml';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n';

test('kubeconfigs are written without the yaml package, byte for byte as it writes them', () => {
  const inputs = [
    { server: 'https://127.0.0.1:6443', caPem: PEM, clientCertPem: PEM.repeat(20), clientKeyPem: PEM },
    { server: 'https://[::1]:40123', caPem: PEM },
    { server: 'https://kapi.example:443', caPem: PEM, clusterName: 'c1', userName: 'system:admin', contextName: 'ctx' },
  ];
  for (const input of inputs) {
    const doc = kubeconfigDocument(input);
    assert.ok(plainYaml(doc) !== undefined, 'the kubeconfig takes the plain path');
    assert.equal(renderKubeconfig(input), stringify(doc));
  }
});

test('a name that needs quoting is written by the yaml package', () => {
  const input = { server: 'https://127.0.0.1:6443', caPem: PEM, clusterName: 'my cluster', contextName: 'true' };
  assert.equal(plainYaml({ name: 'my cluster' }), undefined);
  assert.match(renderKubeconfig(input), /name: my cluster\n/);
  assert.match(renderKubeconfig(input), /current-context: "true"\n/);
});

test('plainYaml agrees with the yaml package on every document it accepts', () => {
  const plain = ['a', 'kapi', 'x-y', 'a:b', 'a=', 'h://[::1]:1', 'A/b+c==', 'system:admin', 'v1.2_3'];
  // words that need quoting or are not strings to YAML: a document holding one must be refused
  const tricky = ['a:', 'true', 'True', 'no', 'null', '1', '0x1f', '1e5', '-a', 'a b', '', 'é', 'a#b', '[a]', '*a'];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 8) % n;
  };
  const word = (): string => (next(40) === 0 ? tricky[next(tricky.length)] : plain[next(plain.length)]);
  const node = (depth: number): PlainNode => {
    const pick = next(depth > 2 ? 1 : 4);
    if (pick === 0) return word();
    if (pick === 3) return Array.from({ length: next(3) }, () => map(depth + 1));
    return map(depth + 1);
  };
  const map = (depth: number): PlainMap => {
    const m: PlainMap = {};
    for (let i = next(4); i > 0; i--) m[word()] = node(depth);
    return m;
  };
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    const doc = map(0);
    const plainText = plainYaml(doc);
    if (plainText === undefined) {
      refused++;
      continue;
    }
    accepted++;
    assert.equal(plainText, stringify(doc), JSON.stringify(doc));
  }
  assert.ok(accepted > 200 && refused > 100, `${accepted} documents took the plain path, ${refused} did not`);
});
