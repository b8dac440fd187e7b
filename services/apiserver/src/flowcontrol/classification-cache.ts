import type { UserInfo } from '../authn/user';
import type { RequestInfo } from '../endpoints/request-info';

/** Distinct request shapes remembered; past it the cache starts over (a flood of users must not grow it). */
const MAX_ENTRIES = 4096;
const SEP = '\u0000';

/**
 * Classification results by request shape: everything a FlowSchema can match
 * on (user name and groups, verb, and the resource coordinates or the path)
 * and nothing else, so a hit is exactly what matching would have found.
 * Cleared whenever the configuration changes.
 */
export class ClassificationCache<T> {
  private entries = new Map<string, T>();

  static keyOf(user: UserInfo, info: RequestInfo): string {
    const target = info.isResourceRequest
      ? `${info.apiGroup}${SEP}${info.resource}${SEP}${info.subresource}${SEP}${info.namespace}`
      : info.path;
    return `${info.isResourceRequest ? 'r' : 'n'}${info.verb}${SEP}${target}${SEP}${user.name}${SEP}${user.groups.join(SEP)}`;
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
  }
}
