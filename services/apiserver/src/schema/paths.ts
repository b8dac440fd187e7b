import * as fs from 'node:fs';
import * as path from 'node:path';

let cachedRoot: string | undefined;

/** The repo root: the nearest ancestor of this module holding both package.json and proto/ (works from src/ and dist/). */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'proto'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repo root above ${__dirname}`);
    dir = parent;
  }
}

export function defaultProtoDir(): string {
  return path.join(repoRoot(), 'proto');
}

/** Reference fixtures live beside the repo (`<repo>/../shared/fixtures`); only tests and tools read them. */
export function sharedFixturesDir(): string {
  return path.join(repoRoot(), '..', 'shared', 'fixtures');
}
