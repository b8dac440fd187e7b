/**
 * In-process stage timer for the 200,000-key ConfigMap create of issue 9: the CPU time (this
 * process's user + system time, so other processes on the machine count less than in wall time)
 * of the stages, interleaved round by round:
 *   - as served: what the oversized-create worker thread does (decode with the large maps frozen
 *     with their key lists, then the store's early storage-limit verdict);
 *   - the ordinary path, as before the early check existed: the ordinary decode, then the full
 *     create (managedFields, prepare, validate, encode), which ends in the storage limit's 413.
 * Run: `node dist/loadtest/harness/hostile-stages.js` after the build; STAGE_ROUNDS sets the rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StatusError } from '../../services/apiserver/src/api/errors';
import { decodeBody } from '../../services/apiserver/src/endpoints/body';
import { BUILTIN_KINDS } from '../../services/apiserver/src/registry/kinds';
import { newSecurityServices } from '../../services/apiserver/src/registry/security';
import { makeStore } from '../../services/apiserver/src/registry/store-factory';
import { loadSchemaSet } from '../../services/apiserver/src/schema/load';
import { openStorage } from '../../services/apiserver/src/storage/factory';
import { storageCodecFor } from '../../services/apiserver/src/storage/protobuf-codec';
import { Samples, fmt } from './stats';

const KEYS = 200_000;
const ROUNDS = Number(process.env.STAGE_ROUNDS ?? 10);

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-stages-'));
  const schemas = loadSchemaSet();
  const opened = await openStorage(
    { backend: 'embedded', dataDir },
    storageCodecFor('application/vnd.kubernetes.protobuf', schemas),
  );
  try {
    const def = BUILTIN_KINDS.find((d) => d.info.group === '' && d.info.resource === 'configmaps');
    if (!def) throw new Error('no configmaps kind');
    const store = makeStore(def, {
      security: newSecurityServices(),
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
    });
    store.enableFieldManagement(schemas);
    const data: Record<string, string> = {};
    for (let i = 0; i < KEYS; i++) data[`k${i.toString(36)}`] = '';
    const body = Buffer.from(
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge', namespace: 'default' }, data }),
    );
    const target = { group: '', version: 'v1', kind: 'ConfigMap', messageType: def.info.messageType };
    const stages = {
      workerDecode: new Samples(),
      verdict: new Samples(),
      served: new Samples(),
      ordinaryDecode: new Samples(),
      full: new Samples(),
    };
    for (let round = 0; round < ROUNDS + 2; round++) {
      const warm = round < 2;
      let t = process.cpuUsage();
      const frozen = decodeBody(schemas, 'json', body, target, 'Warn', { freezeLargeMaps: true }).object;
      const workerDecoded = cpuMs(t);
      t = process.cpuUsage();
      const verdict = await store.sizeLimitVerdict('default', frozen, { manager: 'bench', bodyBytes: body.length });
      const verdictMs = cpuMs(t);
      if (!verdict) throw new Error('no early verdict: expected the storage limit to refuse it');
      t = process.cpuUsage();
      const { object } = decodeBody(schemas, 'json', body, target, 'Warn');
      const decoded = cpuMs(t);
      t = process.cpuUsage();
      try {
        await store.create('default', object, { manager: 'bench' });
        throw new Error('created: expected the storage limit to refuse it');
      } catch (e) {
        if (!(e instanceof StatusError) || e.code !== 413) throw e;
      }
      if (warm) continue;
      stages.workerDecode.add(workerDecoded);
      stages.verdict.add(verdictMs);
      stages.served.add(workerDecoded + verdictMs);
      stages.ordinaryDecode.add(decoded);
      stages.full.add(cpuMs(t));
    }
    const row = (what: string, s: Samples): string =>
      `${what}: p50 ${fmt(s.percentile(50))} ms, mean ${fmt(s.mean())} ms CPU (n=${s.count})`;
    console.log(row('worker decode (JSON.parse, member count, large maps frozen, schema decode)', stages.workerDecode));
    console.log(row('worker early size verdict (prepare, validate, size bound)', stages.verdict));
    console.log(row('as served by the worker (decode + verdict)', stages.served));
    console.log(row('ordinary decode (JSON.parse, duplicate scan, schema decode)', stages.ordinaryDecode));
    console.log(row('ordinary create (managedFields, prepare, validate, encode)', stages.full));
  } finally {
    await opened.storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
