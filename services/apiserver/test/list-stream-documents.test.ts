import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { buildAuthorizer } from '../src/authz/modes';
import { listResource } from '../src/endpoints/handlers/list';
import { listParams } from '../src/endpoints/list-options';
import { negotiateObject, type RequestScope } from '../src/endpoints/scope';
import { encodeFor } from '../src/endpoints/response';
import type { ApiResponse } from '../src/endpoints/types';
import { configmaps } from '../src/registry/kinds/core/configmaps';
import { buildTable, parseIncludeObject } from '../src/registry/tables';
import { loadSchemaSet } from '../src/schema/load';
import { admissionStores, type AdmissionStores } from './helpers/admission-stores';

const schemas = loadSchemaSet();
const TABLE_V1 = 'application/json;as=Table;g=meta.k8s.io;v=v1';

/**
 * Tables, metadata-only lists and YAML lists are streamed row by row; before,
 * each was one object encoded whole. The streamed bytes must be those bytes.
 */
describe('streamed Table, PartialObjectMetadataList and YAML lists', () => {
  let s: AdmissionStores;
  before(async () => {
    s = await admissionStores({
      kinds: [configmaps],
      plugins: [],
      authorizer: buildAuthorizer(['AlwaysAllow']),
      namespaces: ['empty'],
    });
    const data: Array<Record<string, string>> = [
      { 'app.properties': 'log.level=info\nworkers=4\n', 'config.yaml': 'name: a\nlist:\n  - x\n' },
      { yes: 'yes', number: '0123', time: '2026-01-01T00:00:00Z', empty: '', colon: 'a: b' },
      { unicode: 'grüße, 你好, 🚀', quote: '"\\</script>', trailing: 'ends with spaces  ' },
      {},
      { k: 'v' },
    ];
    for (const [i, d] of data.entries()) {
      await s.store('', 'configmaps').create('default', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, labels: { app: 'x', idx: String(i) }, annotations: { note: `n${i}` } },
        data: d,
      });
    }
  });
  after(async () => {
    await s?.close();
  });

  const scopeFor = (namespace: string, accept: string, query: string): RequestScope =>
    ({
      schemas,
      req: { method: 'GET', path: '/', query: new URLSearchParams(query), headers: { accept } },
      info: {},
      store: s.store('', 'configmaps'),
      namespace,
      name: '',
      subresource: '',
      recorder: { warnings: [] },
    }) as unknown as RequestScope;

  const body = (res: ApiResponse): Buffer => {
    assert.equal(res.kind, 'chunked', 'the list is streamed');
    if (res.kind !== 'chunked') throw new Error('not chunked');
    const it = res.chunks();
    const parts: Buffer[] = [];
    for (let r = it.next(); !r.done; r = it.next()) parts.push(r.value);
    assert.ok(parts.length >= 2, 'written in pieces, not as one body');
    return Buffer.concat(parts);
  };

  /** What respondList wrote before streaming: the transformed list object, encoded whole. */
  const wholeRendering = async (scope: RequestScope): Promise<Buffer> => {
    const n = negotiateObject(scope, true);
    const list = await scope.store.list(scope.namespace, listParams(scope.store, scope.req.query));
    const items = (list.items as KubeObject[]) ?? [];
    const meta = (list.metadata ?? {}) as Record<string, unknown>;
    let obj: KubeObject = list;
    if (n.transform === 'Table') {
      obj = buildTable(scope.store.tableConverter, items, {
        includeObject: parseIncludeObject(scope.req.query.get('includeObject')),
        resourceVersion: meta.resourceVersion as string | undefined,
        continue: meta.continue as string | undefined,
        remainingItemCount: meta.remainingItemCount as number | undefined,
        apiVersion: n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
      }) as unknown as KubeObject;
    } else if (n.transform === 'PartialObjectMetadataList') {
      const apiVersion = `meta.k8s.io/${n.transformVersion}`;
      obj = {
        kind: 'PartialObjectMetadataList',
        apiVersion,
        metadata: list.metadata,
        items: items.map((i) => ({ kind: 'PartialObjectMetadata', apiVersion, metadata: i.metadata })),
      };
    }
    return encodeFor(schemas, n.media, obj).body;
  };

  const CASES: Array<{ name: string; accept: string; query?: string; namespace?: string }> = [
    { name: 'Table (kubectl get)', accept: TABLE_V1 },
    {
      name: 'Table v1beta1 with whole objects',
      accept: TABLE_V1.replace('v=v1', 'v=v1beta1'),
      query: 'includeObject=Object',
    },
    { name: 'Table without objects', accept: TABLE_V1, query: 'includeObject=None' },
    { name: 'Table page with a continue token', accept: TABLE_V1, query: 'limit=2' },
    { name: 'Table of an empty list', accept: TABLE_V1, namespace: 'empty' },
    { name: 'Table in YAML', accept: 'application/yaml;as=Table;g=meta.k8s.io;v=v1', query: 'includeObject=Object' },
    { name: 'Table in YAML, empty', accept: 'application/yaml;as=Table;g=meta.k8s.io;v=v1', namespace: 'empty' },
    { name: 'metadata-only list', accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' },
    {
      name: 'metadata-only list in YAML, paged',
      accept: 'application/yaml;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      query: 'limit=3',
    },
    { name: 'YAML list', accept: 'application/yaml' },
    { name: 'YAML list page with a continue token', accept: 'application/yaml', query: 'limit=2' },
    { name: 'YAML list, empty', accept: 'application/yaml', namespace: 'empty' },
    { name: 'YAML list across namespaces', accept: 'application/yaml', namespace: '' },
  ];

  for (const c of CASES) {
    test(`${c.name}: byte-identical to the whole rendering`, async () => {
      const scope = scopeFor(c.namespace ?? 'default', c.accept, c.query ?? '');
      // a Table's ages are read from the clock: compare within one unchanged second
      for (let attempt = 0; ; attempt++) {
        const before = await wholeRendering(scope);
        const streamed = body(await listResource(scope));
        const afterwards = await wholeRendering(scope);
        if (!before.equals(afterwards) && attempt < 3) continue;
        assert.equal(streamed.toString('utf8'), before.toString('utf8'));
        break;
      }
    });
  }

  test('the pages really page: a continue token, and the rows of the first page only', async () => {
    const table = JSON.parse(body(await listResource(scopeFor('default', TABLE_V1, 'limit=2'))).toString()) as {
      metadata: { continue?: string; remainingItemCount?: number };
      rows: unknown[];
    };
    assert.equal(table.rows.length, 2);
    assert.ok(table.metadata.continue);
    assert.equal(table.metadata.remainingItemCount, 3);
    const yaml = body(await listResource(scopeFor('empty', 'application/yaml', ''))).toString();
    assert.match(yaml, /^apiVersion: v1\nitems: \[\]\nkind: ConfigMapList\nmetadata:\n {2}resourceVersion: "\d+"\n$/);
  });

  test('a bad includeObject is a 400 before anything is written', async () => {
    await assert.rejects(
      listResource(scopeFor('default', TABLE_V1, 'includeObject=All')),
      /unrecognized includeObject value/,
    );
  });
});
