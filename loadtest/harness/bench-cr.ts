/**
 * The custom resource scenario of `make bench` (BENCH_SCENARIOS=cr): get, list and
 * watch fan-out of a namespaced custom resource next to a ConfigMap whose JSON is
 * the same size, on the same replica, in the same run. Custom resources are served
 * as JSON only, so both arms are JSON. Target (issue 12): the custom resource
 * within 1.5x of the ConfigMap in each.
 */
import type { ClientHttp2Session } from 'node:http2';
import type { Arm, FanOut, Target, WatchResult } from './bench';
import { ACCEPT, request as h2request, type ClientTls, type Request } from './h2';
import { fmt, throughput, type RunResult, type Samples } from './stats';

const NS = 'bench-cr';
const NS_WATCH = 'bench-cr-watch';
const GROUP = 'bench.kapi.io';
const PLURAL = 'benchconfigs';
const KIND = 'BenchConfig';
const TARGET_RATIO = 1.5;

const cmPath = (ns: string): string => `/api/v1/namespaces/${ns}/configmaps`;
const crPath = (ns: string): string => `/apis/${GROUP}/v1/namespaces/${ns}/${PLURAL}`;

export interface CrBenchKit {
  /** The replica, with its admin sessions. */
  kapi: Target;
  tls: ClientTls;
  rounds: number;
  getConcurrency: number;
  objects: number;
  watchers: number;
  watchEvents: number;
  /** One admin request that must answer with one of ok. */
  request(req: Request, ok: number[]): Promise<Buffer>;
  /** count creates, next(i) the i-th, many in flight. */
  createAll(count: number, next: (i: number) => Request): Promise<void>;
  interleaved(arms: Arm[], concurrency: number): Promise<Map<string, RunResult>>;
  fanOut(targets: Target[], perTarget: NonNullable<FanOut['perTarget']>): Promise<Record<string, WatchResult>>;
  /** The report's main table (its bare columns hold the ConfigMap here, its kapi columns the CR) and notes. */
  rows: string[][];
  lines: string[];
}

const DATA_PROPERTIES = 'log.level=info\nfeature.x=enabled\nfeature.y=disabled\nworkers=4\n';
const dataYaml = (name: string): string => `name: ${name}\nreplicas: 3\nendpoints:\n  - https://example.invalid:8443\n`;

/** The bench's ConfigMap (as bench.ts creates it). */
function configMap(name: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { app: 'bench', tier: 'loadtest' } },
      data: { 'app.properties': DATA_PROPERTIES, 'config.yaml': dataYaml(name) },
    }),
  );
}

/**
 * The custom resource: the same labels and strings under spec; its longer
 * apiVersion and kind are paid for by trimming the first string (by `trim`
 * characters, negative to pad), so a GET of either returns as many bytes.
 */
function customResource(name: string, trim: number): Buffer {
  const properties = trim >= 0 ? DATA_PROPERTIES.slice(trim) : DATA_PROPERTIES + '#'.repeat(-trim);
  return Buffer.from(
    JSON.stringify({
      apiVersion: `${GROUP}/v1`,
      kind: KIND,
      metadata: { name, labels: { app: 'bench', tier: 'loadtest' } },
      spec: { 'app.properties': properties, 'config.yaml': dataYaml(name) },
    }),
  );
}

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: PLURAL, singular: 'benchconfig', kind: KIND, listKind: `${KIND}List` },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { 'app.properties': { type: 'string' }, 'config.yaml': { type: 'string' } },
              },
            },
          },
        },
      },
    ],
  },
};

const json = (o: object): Buffer => Buffer.from(JSON.stringify(o));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const lat = (s: Samples): string => `${fmt(s.percentile(50), 2)} / ${fmt(s.percentile(99), 2)}`;
const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

async function getStatus(session: ClientHttp2Session, path: string): Promise<{ status: number; body: Buffer }> {
  return h2request(session, { method: 'GET', path, headers: { accept: ACCEPT.json } });
}

/** Creates the CRD and waits until the replica serves its resource. */
async function installCrd(kit: CrBenchKit): Promise<void> {
  const body = json(CRD);
  await kit.request(
    { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body },
    [201, 409],
  );
  for (let i = 0; i < 300; i++) {
    if ((await getStatus(kit.kapi.sessions[0], `${crPath(NS)}?limit=1`)).status === 200) return;
    await sleep(100);
  }
  throw new Error(`${PLURAL}.${GROUP} not served 30 s after its CRD was created`);
}

/** How many characters to trim from the CR's first string so a GET of it is as long as the ConfigMap's. */
async function calibrate(kit: CrBenchKit): Promise<{ trim: number; cm: number; cr: number }> {
  const name = 'cr-probe';
  const size = async (path: string, body: Buffer): Promise<number> => {
    await kit.request({ method: 'POST', path, body }, [201]);
    const got = await kit.request({ method: 'GET', path: `${path}/${name}` }, [200]);
    await kit.request({ method: 'DELETE', path: `${path}/${name}` }, [200]);
    return got.length;
  };
  const cm = await size(cmPath(NS), configMap(name));
  // a trimmed newline is two bytes of JSON: correct the guess until the sizes meet
  let trim = 0;
  let cr = await size(crPath(NS), customResource(name, trim));
  for (let i = 0; i < 5 && cr !== cm; i++) {
    trim += cr - cm;
    cr = await size(crPath(NS), customResource(name, trim));
  }
  return { trim, cm, cr };
}

const getReq = (path: string) => (): Request => ({ method: 'GET', path, headers: { accept: ACCEPT.json } });

const must = (m: Map<string, RunResult>, k: string): RunResult => {
  const r = m.get(k);
  if (!r) throw new Error(`no result for ${k}`);
  return r;
};

function row(name: string, cm: RunResult, cr: RunResult, ratio: number, what: string): string[] {
  return [
    name,
    'json',
    fmt(throughput(cm)),
    fmt(throughput(cr)),
    lat(cm.latency),
    lat(cr.latency),
    `${cm.errors}/${cr.errors}`,
    `${fmt(ratio, 2)} (${what})`,
    `<= ${TARGET_RATIO}`,
    pass(ratio <= TARGET_RATIO),
  ];
}

export async function crScenario(kit: CrBenchKit): Promise<void> {
  const log = (msg: string): void => console.log(`[bench ${(performance.now() / 1000).toFixed(1)}s] cr: ${msg}`);
  for (const ns of [NS, NS_WATCH]) {
    await kit.request(
      { method: 'POST', path: '/api/v1/namespaces', body: json({ metadata: { name: ns } }) },
      [201, 409],
    );
  }
  await installCrd(kit);
  const { trim, cm: cmBytes, cr: crBytes } = await calibrate(kit);
  log(`GET body ConfigMap ${cmBytes} B, custom resource ${crBytes} B (first string trimmed by ${trim})`);
  const pad = (i: number): string => String(i).padStart(5, '0');
  const t0 = performance.now();
  await kit.createAll(kit.objects, (i) => ({ method: 'POST', path: cmPath(NS), body: configMap(`cm-${pad(i)}`) }));
  await kit.createAll(kit.objects, (i) => ({
    method: 'POST',
    path: crPath(NS),
    body: customResource(`cr-${pad(i)}`, trim),
  }));
  log(`seeded ${kit.objects} configmaps and ${kit.objects} custom resources in ${fmt(performance.now() - t0, 0)} ms`);
  const cmList = await kit.request({ method: 'GET', path: cmPath(NS) }, [200]);
  const crList = await kit.request({ method: 'GET', path: crPath(NS) }, [200]);

  const arms = (cm: string, cr: string): Arm[] => [
    { key: 'cm', target: kit.kapi, next: getReq(cm) },
    { key: 'cr', target: kit.kapi, next: getReq(cr) },
  ];
  log(`get: ${kit.getConcurrency} in flight`);
  const g = await kit.interleaved(arms(`${cmPath(NS)}/cm-00000`, `${crPath(NS)}/cr-00000`), kit.getConcurrency);
  const getRatio = throughput(must(g, 'cm')) / throughput(must(g, 'cr'));
  kit.rows.push(
    row(`CR vs ConfigMap: get (c=${kit.getConcurrency})`, must(g, 'cm'), must(g, 'cr'), getRatio, 'throughput cm/cr'),
  );

  log(`list of ${kit.objects}: 1 in flight`);
  const l = await kit.interleaved(arms(cmPath(NS), crPath(NS)), 1);
  const listRatio = must(l, 'cr').latency.mean() / must(l, 'cm').latency.mean();
  kit.rows.push(
    row(`CR vs ConfigMap: list ${kit.objects} (c=1)`, must(l, 'cm'), must(l, 'cr'), listRatio, 'mean time cr/cm'),
  );

  log(`watch fan-out: ${kit.watchers} watchers each, ${kit.watchEvents} events`);
  const cmTarget: Target = { ...kit.kapi, name: 'cm' };
  const crTarget: Target = { ...kit.kapi, name: 'cr' };
  const w = await kit.fanOut([cmTarget, crTarget], {
    cm: { path: cmPath(NS_WATCH), body: configMap },
    cr: { path: crPath(NS_WATCH), body: (name) => customResource(name, trim) },
  });
  const watchRatio = w.cr.fromSend.mean() / w.cm.fromSend.mean();
  kit.rows.push([
    `CR vs ConfigMap: watch ${kit.watchers} conns x ${kit.watchEvents} events`,
    'json',
    '-',
    '-',
    lat(w.cm.fromSend),
    lat(w.cr.fromSend),
    `${w.cm.missed}/${w.cr.missed} missed`,
    `${fmt(watchRatio, 2)} (mean delivery cr/cm)`,
    `<= ${TARGET_RATIO}`,
    pass(watchRatio <= TARGET_RATIO && w.cr.missed === 0),
  ]);
  kit.lines.push(
    `custom resource (${PLURAL}.${GROUP}, namespaced, JSON) against a ConfigMap on the same replica: in the ` +
      `"CR vs ConfigMap" rows the bare columns are the ConfigMap, the kapi columns the custom resource. GET bodies ` +
      `${cmBytes} B ConfigMap / ${crBytes} B custom resource; list of ${kit.objects} bodies ${cmList.length} B / ` +
      `${crList.length} B (custom resource items carry apiVersion and kind, as upstream's). Watch: ` +
      `create-to-delivery to ${kit.watchers} watchers, create p50/p99 ConfigMap ${lat(w.cm.createLatency)} ms, ` +
      `custom resource ${lat(w.cr.createLatency)} ms.`,
  );
}
