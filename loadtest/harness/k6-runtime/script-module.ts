// Evaluates a transpiled (CommonJS) k6 script with the k6 modules and init-context globals it expects.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import k6 from './modules/k6';
import http from './modules/http';
import metrics from './modules/metrics';

/** The k6 modules this runtime provides, by import specifier, with their exported members. */
export const K6_MODULES: Record<string, Record<string, unknown>> = {
  k6,
  'k6/http': http,
  'k6/metrics': metrics,
  // only types are imported from k6/options; the module has no runtime members
  'k6/options': {},
};

/** The k6 globals this runtime defines (__VU and __ITER per VU in worker.ts, the others here). */
export const K6_GLOBALS = ['__ENV', '__VU', '__ITER', 'open', 'console'];

export type ScriptExports = Record<string, unknown>;

/** The script and the local modules it imports, already transpiled to CommonJS, by absolute path. */
export type ModuleSources = Record<string, string>;

export function evaluateScript(sources: ModuleSources, scriptPath: string, env: Record<string, string>): ScriptExports {
  const dir = path.dirname(scriptPath);
  const open = (file: string, mode?: string): string | ArrayBuffer => {
    const full = path.resolve(dir, file);
    const bytes = readFileSync(full);
    if (mode === 'b') return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return bytes.toString('utf8');
  };
  const g = globalThis as Record<string, unknown>;
  g.__ENV = env;
  g.open = open;
  const cache = new Map<string, ScriptExports>();
  const load = (file: string): ScriptExports => {
    const done = cache.get(file);
    if (done) return done;
    const code = sources[file];
    if (code === undefined) throw new Error(`module not found: ${file}`);
    const module = { exports: {} as ScriptExports };
    cache.set(file, module.exports);
    const from = path.dirname(file);
    const requireFrom = (name: string): unknown => {
      if (name.startsWith('.') || name.startsWith('/')) return load(path.resolve(from, name));
      const mod = K6_MODULES[name];
      if (!mod) throw new Error(`unknown module: ${name}`);
      return { ...mod, default: mod, __esModule: true };
    };
    const run = new Function('require', 'module', 'exports', '__filename', '__dirname', code) as (
      ...args: unknown[]
    ) => void;
    run(requireFrom, module, module.exports, file, from);
    cache.set(file, module.exports);
    return module.exports;
  };
  return load(scriptPath);
}
