import { newInvalid, newMethodNotSupported } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { GenericStore, type ListParams, type WriteParams } from '../generic-store';
import type { KindDefinition, StoreDeps } from '../kind';
import type { WriteContext } from '../strategy';

/** Answers a review: the request object in, the same object with its status filled out. */
export type Reviewer = (obj: KubeObject, ctx: WriteContext) => KubeObject | Promise<KubeObject>;

/**
 * A create-only resource that is never stored (TokenReview, the access
 * reviews, SelfSubjectReview): POST answers, every other verb is 405.
 */
export class ReviewStore extends GenericStore {
  override readonly virtual = true;

  constructor(
    def: KindDefinition,
    deps: StoreDeps,
    private readonly review: Reviewer,
  ) {
    // never stored and never gated (a review names no namespace that must exist), but admitted as upstream's are
    super(def.info, def.strategy, { storage: deps.storage, prefix: deps.prefix, admission: deps.admission });
  }

  override async create(namespace: string, input: KubeObject, params: WriteParams = {}): Promise<KubeObject> {
    const obj: KubeObject = { ...input, apiVersion: this.apiVersion, kind: this.info.kind };
    if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
    if (this.info.namespaced) obj.metadata.namespace = namespace;
    this.strategy.applyDefaults?.(obj);
    const name = obj.metadata.name ?? '';
    const run = this.admitted('CREATE', params.user, {
      namespace,
      name,
      object: obj,
      dryRun: params.dryRun,
      recorder: params.recorder,
    });
    if (run) await run.chain.admit(run.attrs);
    const reviewed = run?.attrs.object ?? obj;
    const errs = this.strategy.validate(reviewed);
    if (errs.length > 0) throw newInvalid(this.info.kind, this.info.group, name, errs);
    if (run) await run.chain.validate(run.attrs);
    const out = await this.review(reviewed, { user: params.user, namespace });
    return { ...out, apiVersion: this.apiVersion, kind: this.info.kind };
  }

  override async list(_namespace: string, _params: ListParams): Promise<KubeObject> {
    throw newMethodNotSupported(this.gr, 'list');
  }
}
