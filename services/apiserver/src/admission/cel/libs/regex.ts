import type { Environment } from '@marcbachmann/cel-js';
import { chargeForSize } from '../cost';
import { re2Find, re2FindAll } from './re2';

function findAll(s: string, pattern: string, limit: bigint): string[] {
  chargeForSize(s.length, 0.25);
  return re2FindAll(s, pattern, Number(limit));
}

/** Kubernetes' regex library: find and findAll. */
export function registerRegexLibrary(env: Environment): void {
  env
    .registerFunction('string.find(string): string', (s: string, pattern: string) => {
      chargeForSize(s.length, 0.25);
      return re2Find(s, pattern);
    })
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) => findAll(s, p, -1n))
    .registerFunction('string.findAll(string, int): list<string>', findAll);
}
