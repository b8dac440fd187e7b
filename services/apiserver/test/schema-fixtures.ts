import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedFixturesDir } from '../src/schema/paths';

export interface ObjectFixture {
  /** e.g. apps.v1.Deployment */
  name: string;
  group: string;
  version: string;
  kind: string;
  jsonPath: string;
  pbPath: string;
}

/** Every object fixture (`<group>.<version>.<Kind>.json` with its `.pb`), including apiextensions-apiserver's. */
export function objectFixtures(): ObjectFixture[] {
  const root = path.join(sharedFixturesDir(), 'objects');
  const out: ObjectFixture[] = [];
  for (const dir of [root, path.join(root, 'apiextensions-apiserver')]) {
    for (const file of fs.readdirSync(dir).sort()) {
      const m = /^(.*)\.(v\d+(?:(?:alpha|beta)\d+)?)\.([A-Za-z0-9]+)\.json$/.exec(file);
      if (!m) continue;
      const name = file.slice(0, -'.json'.length);
      out.push({
        name,
        group: m[1] === 'core' ? '' : m[1],
        version: m[2],
        kind: m[3],
        jsonPath: path.join(dir, file),
        pbPath: path.join(dir, `${name}.pb`),
      });
    }
  }
  return out;
}

export function wireDir(): string {
  return path.join(sharedFixturesDir(), 'wire');
}
