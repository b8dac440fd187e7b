import type { KubeObject } from '../api/object';
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
} from '../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { crdCondition, isCrdConditionTrue, setCrdCondition } from '../registry/customresources/crd-conditions';
import type { GenericStore } from '../registry/generic-store';
import { runInformer, WorkQueue } from './informer';
import { isStatus, type LeaderController } from './util';

const MANAGER = 'kube-apiserver';

function namesOf(crd: CustomResourceDefinition): CustomResourceDefinitionNames {
  return crd.spec?.names ?? {};
}

/** The names other definitions of the group have been given, by kind of name. */
function namesInUse(crd: CustomResourceDefinition, all: Iterable<CustomResourceDefinition>) {
  const used = {
    plural: new Set<string>(),
    singular: new Set<string>(),
    short: new Set<string>(),
    kind: new Set<string>(),
    listKind: new Set<string>(),
  };
  for (const other of all) {
    if (other.metadata?.name === crd.metadata?.name || other.spec?.group !== crd.spec?.group) continue;
    const a = other.status?.acceptedNames ?? {};
    if (a.plural) used.plural.add(a.plural);
    if (a.singular) used.singular.add(a.singular);
    for (const s of a.shortNames ?? []) used.short.add(s);
    if (a.kind) used.kind.add(a.kind);
    if (a.listKind) used.listKind.add(a.listKind);
  }
  return used;
}

/**
 * Upstream's naming controller's verdict: the names accepted (the requested ones when
 * none clashes with another definition of the group, the earlier accepted ones
 * otherwise) and the NamesAccepted condition.
 */
export function acceptNames(
  crd: CustomResourceDefinition,
  all: Iterable<CustomResourceDefinition>,
): { accepted: CustomResourceDefinitionNames; condition: CustomResourceDefinitionCondition } {
  const want = namesOf(crd);
  const used = namesInUse(crd, all);
  const inUse = (v: string): string => `"${v}" is already in use`;
  let conflict: { reason: string; message: string } | undefined;
  if (want.plural && used.plural.has(want.plural)) conflict = { reason: 'PluralConflict', message: inUse(want.plural) };
  else if (want.singular && used.singular.has(want.singular))
    conflict = { reason: 'SingularConflict', message: inUse(want.singular) };
  else {
    const short = (want.shortNames ?? []).find((s) => used.short.has(s));
    if (short) conflict = { reason: 'ShortNamesConflict', message: inUse(short) };
    else if (want.kind && used.kind.has(want.kind)) conflict = { reason: 'KindConflict', message: inUse(want.kind) };
    else if (want.listKind && used.listKind.has(want.listKind))
      conflict = { reason: 'ListKindConflict', message: inUse(want.listKind) };
  }
  if (conflict) {
    return {
      accepted: crd.status?.acceptedNames ?? {},
      condition: { type: 'NamesAccepted', status: 'False', ...conflict },
    };
  }
  return {
    accepted: JSON.parse(JSON.stringify(want)) as CustomResourceDefinitionNames,
    condition: { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
  };
}

/**
 * Upstream's naming and establishing controllers in one: status.acceptedNames and
 * NamesAccepted, then Established once the names are in. Runs on the leader.
 */
export class CrdNamingController implements LeaderController {
  readonly name = 'crd-naming-controller';
  private task: Promise<void> = Promise.resolve();
  private queue: WorkQueue | undefined;
  private readonly crds = new Map<string, CustomResourceDefinition>();

  constructor(
    private readonly store: () => GenericStore | undefined,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    const store = this.store();
    if (!store) return;
    const queue = new WorkQueue((name) => this.sync(store, name), signal, this.log);
    this.queue = queue;
    // a change of one definition's names can free or take a name another one waits for
    const enqueueAll = (): void => {
      for (const n of this.crds.keys()) queue.add(n);
    };
    this.task = runInformer(
      store,
      signal,
      {
        onList: (items) => {
          this.crds.clear();
          for (const o of items) this.crds.set(o.metadata?.name ?? '', o as CustomResourceDefinition);
          enqueueAll();
        },
        onEvent: (type, o) => {
          const name = o.metadata?.name ?? '';
          if (type === 'DELETED') this.crds.delete(name);
          else this.crds.set(name, o as CustomResourceDefinition);
          enqueueAll();
        },
      },
      this.log,
    );
    queue.run(1);
  }

  async stopped(): Promise<void> {
    await this.task;
    await this.queue?.done();
  }

  private async sync(store: GenericStore, name: string): Promise<void> {
    const crd = this.crds.get(name);
    if (!crd) return;
    const { accepted, condition } = acceptNames(crd, this.crds.values());
    const established = crdCondition(crd, 'Established');
    const namesTrue = condition.status === 'True';
    let next: CustomResourceDefinitionCondition | undefined;
    if (established?.status !== 'True') {
      next = namesTrue
        ? {
            type: 'Established',
            status: 'False',
            reason: 'Installing',
            message: 'the initial names have been accepted',
          }
        : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
    }
    try {
      const written = await this.writeStatus(store, name, (c) => {
        let changed = JSON.stringify(c.status?.acceptedNames ?? {}) !== JSON.stringify(accepted);
        (c.status ??= {}).acceptedNames = accepted;
        changed = setCrdCondition(c, condition) || changed;
        if (next) changed = setCrdCondition(c, next) || changed;
        return changed;
      });
      if (!namesTrue || isCrdConditionTrue(written ?? crd, 'Established')) return;
      await this.writeStatus(store, name, (c) =>
        setCrdCondition(c, {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        }),
      );
    } catch (e) {
      // gone or changed meanwhile: its next event queues it again
      if (isStatus(e, 404) || isStatus(e, 409)) return;
      throw e;
    }
  }

  /** A status write when mutate reports a change; the written object, or undefined when none was needed. */
  private async writeStatus(
    store: GenericStore,
    name: string,
    mutate: (crd: CustomResourceDefinition) => boolean,
  ): Promise<CustomResourceDefinition | undefined> {
    let changed = false;
    const probe = JSON.parse(JSON.stringify(this.crds.get(name) ?? {})) as CustomResourceDefinition;
    if (!mutate(probe)) return undefined;
    const r = await store.updateWith(
      '',
      name,
      (cur) => {
        changed = mutate(cur as CustomResourceDefinition);
        return cur;
      },
      { statusOnly: true, manager: MANAGER, subresource: 'status' },
    );
    const out = r.object as KubeObject as CustomResourceDefinition;
    if (changed) this.crds.set(name, out);
    return out;
  }
}
