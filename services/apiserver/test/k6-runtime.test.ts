// The k6-compatible runtime (loadtest/harness/k6-runtime): it provides every k6 API the scenarios in
// loadtest/k6 use, and runs a scenario for real against a replica with k6's thresholds, summary and exit codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { K6_GLOBALS, K6_MODULES } from '../../../loadtest/harness/k6-runtime/script-module';
import { runK6, THRESHOLDS_FAILED } from '../../../loadtest/harness/k6-runtime/run';
import { Sink } from '../../../loadtest/harness/k6-runtime/sinks';
import { evaluateThresholds } from '../../../loadtest/harness/k6-runtime/thresholds';
import { Registry } from '../../../loadtest/harness/k6-runtime/sinks';
import { startReplica, type Replica } from '../../../loadtest/harness/replica';
import { REPO_ROOT } from './helpers/replica';

const K6_DIR = path.join(REPO_ROOT, 'loadtest/k6');

interface Usage {
  file: string;
  module: string;
  member: string;
}

/** The k6 module members a file uses: named imports, and `x.member` on a default or namespace import. */
function k6Usages(file: string, seen = new Set<string>()): Usage[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true);
  const out: Usage[] = [];
  const aliases = new Map<string, string>();
  for (const st of src.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const spec = st.moduleSpecifier.text;
    if (spec.startsWith('.')) {
      out.push(...k6Usages(path.resolve(path.dirname(file), spec), seen));
      continue;
    }
    const clause = st.importClause;
    if (!clause || clause.isTypeOnly) continue;
    out.push({ file, module: spec, member: '' });
    if (clause.name) aliases.set(clause.name.text, spec);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) aliases.set(bindings.name.text, spec);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) {
        if (!el.isTypeOnly) out.push({ file, module: spec, member: (el.propertyName ?? el.name).text });
      }
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const mod = aliases.get(node.expression.text);
      if (mod) out.push({ file, module: mod, member: node.name.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

const scenarioFiles = readdirSync(K6_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => path.join(K6_DIR, f));

test('the scenarios are the five of issue 13 plus create/get/list', () => {
  const names = scenarioFiles.map((f) => path.basename(f, '.ts')).sort();
  assert.deepEqual(names, ['apply-storm', 'create', 'crud', 'get', 'informer', 'list', 'list-storm', 'watch-fanout']);
});

test('the runtime implements every k6 module and member the scenarios use', () => {
  const usages = scenarioFiles.flatMap((f) => k6Usages(f));
  const members = new Set(usages.filter((u) => u.member !== '').map((u) => `${u.module}.${u.member}`));
  // the parse must see what the scenarios are known to use, or this test would pass vacuously
  for (const known of ['k6/http.get', 'k6/http.post', 'k6/http.put', 'k6/http.patch', 'k6/http.del', 'k6/http.batch']) {
    assert.ok(members.has(known), `expected the scenarios to use ${known}`);
  }
  for (const known of ['k6.check', 'k6.group', 'k6.sleep', 'k6.fail', 'k6/metrics.Counter', 'k6/metrics.Trend']) {
    assert.ok(members.has(known), `expected the scenarios to use ${known}`);
  }
  for (const u of usages) {
    const mod = K6_MODULES[u.module];
    assert.ok(mod, `${path.basename(u.file)} imports ${u.module}, which the runtime does not provide`);
    if (u.member === '') continue;
    assert.equal(typeof mod[u.member], 'function', `${path.basename(u.file)} uses ${u.module}.${u.member}`);
  }
});

test('the runtime defines every k6 global the scenarios use', () => {
  const used = new Set<string>();
  for (const f of scenarioFiles.concat(path.join(K6_DIR, 'lib/kapi.ts'))) {
    const src = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2020, true);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && /^__[A-Z]+$/.test(node.text)) used.add(node.text);
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'open') {
        used.add('open');
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  assert.deepEqual([...used].sort(), ['__ENV', '__ITER', '__VU', 'open']);
  for (const g of used) assert.ok(K6_GLOBALS.includes(g), g);
});

test('trend percentiles interpolate between ranks and thresholds compare as k6', () => {
  const sink = new Sink('trend', 'time');
  for (let i = 1; i <= 10; i++) sink.add(i);
  assert.equal(sink.percentile(0.5), 5.5);
  assert.ok(Math.abs(sink.percentile(0.9) - 9.1) < 1e-9);
  const reg = new Registry();
  reg.watchSubMetric('d{name:a}');
  for (const [v, name] of [
    [10, 'a'],
    [1000, 'b'],
  ] as const) {
    reg.add({ metric: 'd', type: 'trend', contains: 'time', value: v, tags: { name } });
  }
  reg.add({ metric: 'r', type: 'rate', contains: 'default', value: 1, tags: {} });
  reg.add({ metric: 'r', type: 'rate', contains: 'default', value: 0, tags: {} });
  const results = evaluateThresholds(
    {
      d: ['max<500'],
      'd{name:a}': ['max<500'],
      r: ['rate>=0.5', 'rate>0.5'],
      // no samples: evaluated on zero values, and a rate of NaN fails every comparison
      never: ['count<10', 'rate<0.1'],
    },
    reg,
  );
  assert.deepEqual(
    results.map((r) => [r.metric, r.expression, r.ok]),
    [
      ['d', 'max<500', false],
      ['d{name:a}', 'max<500', true],
      ['r', 'rate>=0.5', true],
      ['r', 'rate>0.5', false],
      ['never', 'count<10', true],
      ['never', 'rate<0.1', false],
    ],
  );
});

let replica: Replica;
let tmp: string;
before(async () => {
  replica = await startReplica();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kapi-k6-'));
});
after(async () => {
  await replica?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('crud.ts runs for 2 s against a replica: k6 summary, thresholds met, exit code 0', async () => {
  const lines: string[] = [];
  const result = await runK6(path.join(K6_DIR, 'crud.ts'), {
    env: { KAPI_URL: replica.url, KAPI_DATA_DIR: replica.dataDir, DURATION: '2s', VUS: '2' },
    log: (l) => lines.push(l),
  });
  assert.equal(result.exitCode, 0, `${lines.join('\n')}\n${result.summary}`);
  assert.ok(result.iterations > 0);
  const reqs = result.registry.get('http_reqs');
  // every iteration sends 6 requests; setup one more
  assert.equal(reqs?.sum, result.iterations * 6 + 1);
  assert.deepEqual(
    result.thresholds.map((t) => `${t.metric}: ${t.expression} ${t.ok}`),
    [
      'http_req_duration: p(95)<500 true',
      'http_req_duration{name:create}: p(95)<500 true',
      'http_req_duration{name:list}: p(95)<1000 true',
      'http_req_failed: rate<0.01 true',
      'checks: rate>0.99 true',
    ],
  );
  assert.ok(result.checks.every((c) => c.fails === 0 && c.passes > 0));
  assert.match(result.summary, /^ {5}█ create\n\n {7}✓ created \(201\)$/m);
  assert.match(result.summary, /^ {3}✓ checks\.+: 100\.00% ✓ \d+ +✗ 0$/m);
  assert.match(
    result.summary,
    /^ {3}✓ http_req_duration\.+: avg=\S+ +min=\S+ +med=\S+ +max=\S+ +p\(90\)=\S+ +p\(95\)=\S+/m,
  );
  assert.match(result.summary, /^ {3}✓ {3}\{name:create\}\.+: avg=/m);
  assert.match(result.summary, /^ {5}http_reqs\.+: \d+ +[\d.]+\/s$/m);
  assert.match(result.summary, /^ {5}iterations\.+: \d+ +[\d.]+\/s$/m);
  assert.match(result.summary, /^ {5}vus\.+: \d +min=\d+ +max=2$/m);
  assert.ok(lines.some((l) => l.includes('* default: 2 looping VUs for 2s')));
});

test('executors count iterations as k6 and a crossed threshold gives exit code 99', async () => {
  const script = path.join(tmp, 'failing.ts');
  writeFileSync(
    script,
    `import http from 'k6/http';
import { check } from 'k6';
export const options = {
  insecureSkipTLSVerify: true,
  tlsAuth: [{ domains: ['127.0.0.1'], cert: open(__ENV.CERT), key: open(__ENV.KEY) }],
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 3, iterations: 7 },
    pervu: { executor: 'per-vu-iterations', vus: 2, iterations: 3, exec: 'perVu' },
  },
  thresholds: {
    'http_req_duration{scenario:shared}': ['p(95)<0.0001'],
    'iterations{scenario:pervu}': ['count==6'],
    'iterations{scenario:shared}': ['count==7'],
    checks: ['rate==1'],
  },
};
export default function () {
  check(http.get(__ENV.KAPI_URL + '/api/v1/namespaces/default'), { 'get (200)': (r) => r.status === 200 });
}
export function perVu() {
  check(__VU * 100 + __ITER, { 'iteration of this VU': (n) => n % 100 === __ITER && __ITER < 3 });
}
`,
  );
  const lines: string[] = [];
  const result = await runK6(script, {
    env: {
      KAPI_URL: replica.url,
      CERT: path.join(replica.dataDir, 'pki/admin.crt'),
      KEY: path.join(replica.dataDir, 'pki/admin.key'),
    },
    log: (l) => lines.push(l),
  });
  assert.equal(result.exitCode, THRESHOLDS_FAILED, result.summary);
  assert.equal(result.iterations, 13);
  assert.deepEqual(
    result.thresholds.map((t) => `${t.metric}: ${t.ok}`),
    [
      'http_req_duration{scenario:shared}: false',
      'iterations{scenario:pervu}: true',
      'iterations{scenario:shared}: true',
      'checks: true',
    ],
  );
  assert.match(result.summary, /^ {3}✗ {3}\{scenario:shared\}\.+: avg=/m);
  assert.match(result.summary, /^ {3}✓ checks\.+: 100\.00% ✓ 13 +✗ 0$/m);
  assert.ok(
    lines.some((l) => /thresholds on metrics 'http_req_duration\{scenario:shared\}' have been crossed/.test(l)),
    lines.join('\n'),
  );
});
