import type { KubeObject } from '../api/object';

/** One JSON WatchEvent per line, as upstream's JSON watch stream. */
export function frameJsonEvent(type: string, object: KubeObject): Buffer {
  return Buffer.from(JSON.stringify({ type, object }) + '\n');
}
