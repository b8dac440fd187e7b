import type { UserInfo } from '../authn/user';
import type { RequestInfo } from '../endpoints/request-info';

/** Distinct request shapes remembered; past it the cache starts over (a flood of users must not grow it). */
const MAX_ENTRIES = 4096;
/** Keeps a non-resource path apart from the resource coordinates under the same verb. */
const NON_RESOURCE = '\u0000non-resource';

class Node<T> {
  readonly children = new Map<string, Node<T>>();
  value?: T;

  child(key: string, create: boolean): Node<T> | undefined {
    let n = this.children.get(key);
    if (!n && create) this.children.set(key, (n = new Node<T>()));
    return n;
  }
}

interface UserEntry<T> {
  groups: readonly string[];
  shapes: Node<T>;
}

const sameGroups = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((g, i) => g === b[i]);

/**
 * Classification results by request shape: everything a FlowSchema can match
 * on (user name and groups, verb, and the resource coordinates or the path)
 * and nothing else, so a hit is exactly what matching would have found. A
 * tree of maps keyed by those parts, so a lookup hashes short strings instead
 * of building one long key. Cleared whenever the configuration changes.
 */
export class ClassificationCache<T> {
  private users = new Map<string, UserEntry<T>>();
  private size = 0;

  get(user: UserInfo, info: RequestInfo): T | undefined {
    const entry = this.users.get(user.name);
    if (!entry || !sameGroups(entry.groups, user.groups)) return undefined;
    return this.leaf(entry.shapes, info, false)?.value;
  }

  set(user: UserInfo, info: RequestInfo, value: T): void {
    if (this.size >= MAX_ENTRIES) this.clear();
    let entry = this.users.get(user.name);
    if (!entry || !sameGroups(entry.groups, user.groups)) {
      entry = { groups: [...user.groups], shapes: new Node<T>() };
      this.users.set(user.name, entry);
    }
    const leaf = this.leaf(entry.shapes, info, true);
    if (leaf && leaf.value === undefined) this.size++;
    if (leaf) leaf.value = value;
  }

  clear(): void {
    this.users.clear();
    this.size = 0;
  }

  private leaf(root: Node<T>, info: RequestInfo, create: boolean): Node<T> | undefined {
    const byVerb = root.child(info.verb, create);
    if (!info.isResourceRequest) return byVerb?.child(NON_RESOURCE, create)?.child(info.path, create);
    return byVerb
      ?.child(info.apiGroup, create)
      ?.child(info.resource, create)
      ?.child(info.subresource, create)
      ?.child(info.namespace, create);
  }
}
