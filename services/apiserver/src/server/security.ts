import { readFileSync } from 'node:fs';
import { newBadRequest, newConflict, newInvalid, newNotFound, StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { buildAuthenticator, type Authenticator, type AuthnLookups, type LiveObject } from '../authn';
import { parseAuthenticationConfig } from '../authn/authentication-config';
import {
  boundObjectRefError,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
  effectiveTokenLifetime,
  mintServiceAccountToken,
  validateTokenRequest,
  type BoundObject,
  type TokenRequestSpec,
} from '../authn/sa-token';
import { buildAuthorizer, type AuthorizerDeps, type UnionAuthorizer } from '../authz/modes';
import { EscalationGuard } from '../authz/rbac/escalation';
import { RuleIndex, type RbacKind, type RbacObject } from '../authz/rbac/rule-index';
import type { ServerOptions } from '../options';
import type { GenericStore } from '../registry/generic-store';
import type { SecurityServices } from '../registry/security';
import { runKeyedInformer, type InformerSink } from '../controllers/informer';
import { NodeGraphIndex } from '../authz/node-graph';
import { loadServiceAccountKeys, type ServiceAccountKeys } from './service-account-keys';
import type { StoreTable } from '../registry/store-table';
import { logWarning } from '../logging/line-log';

const RBAC_KINDS: ReadonlyArray<[string, RbacKind]> = [
  ['roles', 'Role'],
  ['clusterroles', 'ClusterRole'],
  ['rolebindings', 'RoleBinding'],
  ['clusterrolebindings', 'ClusterRoleBinding'],
];

export interface Security {
  authenticator: Authenticator;
  authorizer: UnionAuthorizer;
  index: RuleIndex;
  keys: ServiceAccountKeys;
  /** Resolves once every RBAC kind has been listed into the index. */
  synced: Promise<void>;
  stop(): void;
}

async function live(store: GenericStore | undefined, namespace: string, name: string): Promise<LiveObject | undefined> {
  if (!store) return undefined;
  try {
    const obj = await store.get(namespace, name);
    const m = obj.metadata ?? {};
    return { uid: m.uid ?? '', deletionTimestamp: m.deletionTimestamp ?? undefined };
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) return undefined;
    throw e;
  }
}

function lookupsFrom(table: StoreTable): AuthnLookups {
  return {
    serviceAccount: (ns, name) => live(table.store('', 'v1', 'serviceaccounts'), ns, name),
    pod: (ns, name) => live(table.store('', 'v1', 'pods'), ns, name),
    secret: (ns, name) => live(table.store('', 'v1', 'secrets'), ns, name),
    node: (name) => live(table.store('', 'v1', 'nodes'), '', name),
  };
}

/** Keeps the RBAC index equal to the RBAC stores: one informer per kind, on every replica. */
function feedIndex(table: StoreTable, index: RuleIndex, signal: AbortSignal, log: (l: string) => void): Promise<void> {
  const synced: Promise<void>[] = [];
  for (const [resource, kind] of RBAC_KINDS) {
    const store = table.store('rbac.authorization.k8s.io', 'v1', resource);
    if (!store) continue;
    const sink = {
      upsert: (o: KubeObject) => index.upsert(kind, o as unknown as RbacObject),
      remove: (namespace: string, name: string) => index.remove(kind, namespace, name),
    };
    synced.push(runKeyedInformer(store, signal, sink, log));
  }
  return Promise.all(synced).then(() => undefined);
}

/** Keeps the Node authorizer's graph from the pods, PVs and VolumeAttachments, on every replica. */
function feedNodeGraph(table: StoreTable, graph: NodeGraphIndex, signal: AbortSignal, log: (l: string) => void) {
  const feeds: Array<[GenericStore | undefined, InformerSink]> = [
    [
      table.store('', 'v1', 'pods'),
      { upsert: (o) => graph.upsertPod(o), remove: (ns, name) => graph.removePod(ns, name) },
    ],
    [
      table.store('', 'v1', 'persistentvolumes'),
      { upsert: (o) => graph.upsertPV(o), remove: (_ns, name) => graph.removePV(name) },
    ],
    [
      table.store('storage.k8s.io', 'v1', 'volumeattachments'),
      { upsert: (o) => graph.upsertVolumeAttachment(o), remove: (_ns, name) => graph.removeVolumeAttachment(name) },
    ],
  ];
  return Promise.all(feeds.map(([store, sink]) => (store ? runKeyedInformer(store, signal, sink, log) : undefined)));
}

const BOUND_RESOURCES: Record<string, string> = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' };

/** The object a TokenRequest binds its token to, checked to exist with the uid the request names. */
async function boundObject(
  lookups: AuthnLookups,
  namespace: string,
  ref: NonNullable<TokenRequestSpec['boundObjectRef']>,
): Promise<BoundObject> {
  const kind = ref.kind as BoundObject['kind'];
  const name = ref.name ?? '';
  const found =
    kind === 'Pod'
      ? await lookups.pod(namespace, name)
      : kind === 'Secret'
        ? await lookups.secret(namespace, name)
        : await lookups.node(name);
  const gr = { group: '', resource: BOUND_RESOURCES[kind] };
  if (!found) throw newNotFound(gr, name);
  if (ref.uid && ref.uid !== found.uid) {
    throw newConflict(
      gr,
      name,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  return { kind, name, uid: found.uid };
}

function tokenIssuer(
  opts: ServerOptions,
  keys: ServiceAccountKeys,
  security: SecurityServices,
  lookups: AuthnLookups,
): SecurityServices['issueToken'] {
  return async ({ namespace, serviceAccount, spec }) => {
    // clients send unset fields as null (kubectl create token does)
    const req: TokenRequestSpec = {
      audiences: Array.isArray(spec.audiences)
        ? spec.audiences.filter((a): a is string => typeof a === 'string')
        : undefined,
      expirationSeconds: typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : undefined,
      boundObjectRef:
        spec.boundObjectRef && typeof spec.boundObjectRef === 'object'
          ? (spec.boundObjectRef as TokenRequestSpec['boundObjectRef'])
          : undefined,
    };
    const boundErr = boundObjectRefError(req.boundObjectRef);
    if (boundErr) throw newBadRequest(boundErr);
    const errs = validateTokenRequest(req);
    if (errs.length > 0) {
      throw newInvalid(
        'TokenRequest',
        'authentication.k8s.io',
        serviceAccount.name,
        errs.map((e) => ({
          type: e.type,
          field: e.field,
          message: `Invalid value: ${JSON.stringify(e.value)}: ${e.detail}`,
        })),
      );
    }
    const requested = req.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    const { expirationSeconds } = effectiveTokenLifetime(requested, {
      maxExpirationSeconds: opts.serviceAccountMaxTokenExpirationSeconds,
    });
    const audiences = req.audiences && req.audiences.length > 0 ? req.audiences : security.apiAudiences;
    const bound = req.boundObjectRef ? await boundObject(lookups, namespace, req.boundObjectRef) : undefined;
    const minted = await mintServiceAccountToken({
      boundObject: bound,
      signingKeyPem: keys.signingKeyPem,
      issuer: opts.serviceAccountIssuers[0],
      audiences,
      expirationSeconds,
      namespace,
      serviceAccount,
    });
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: serviceAccount.name, namespace },
      spec: bound
        ? { audiences, expirationSeconds, boundObjectRef: { ...req.boundObjectRef, uid: bound.uid } }
        : { audiences, expirationSeconds },
      status: { token: minted.token, expirationTimestamp: minted.expirationTimestamp },
    };
  };
}

/**
 * Authentication and authorization of one replica, from kube-apiserver's flags:
 * the request authenticator, the --authorization-mode chain over an RBAC index
 * kept by informers, escalation checks and the TokenRequest signer, handed to
 * the kinds that need them through `services`.
 */
export function startSecurity(deps: {
  opts: ServerOptions;
  table: StoreTable;
  clientCaPem: string;
  certDir: string;
  services: SecurityServices;
  log: (line: string) => void;
  /** apiserver_authorization_decisions_total's hook */
  observeDecision?: AuthorizerDeps['observeDecision'];
}): Security {
  const { opts, table, services, log } = deps;
  const keys = loadServiceAccountKeys({
    signingKeyFile: opts.serviceAccountSigningKeyFile,
    keyFiles: opts.serviceAccountKeyFiles,
    certDir: deps.certDir,
  });
  const rh = opts.requestHeader;
  const lookups = lookupsFrom(table);
  const authenticator = buildAuthenticator(
    {
      clientCAPem: deps.clientCaPem,
      tokenAuthFileCsv: opts.tokenAuthFile ? readFileSync(opts.tokenAuthFile, 'utf8') : undefined,
      serviceAccountPublicKeysPem: keys.verificationKeysPem,
      serviceAccountIssuers: opts.serviceAccountIssuers,
      apiAudiences: opts.apiAudiences,
      authenticationConfig: opts.authenticationConfig
        ? parseAuthenticationConfig(readFileSync(opts.authenticationConfig, 'utf8'), opts.serviceAccountIssuers)
        : undefined,
      requestHeader: rh.clientCaFile
        ? {
            clientCAPem: readFileSync(rh.clientCaFile, 'utf8'),
            allowedNames: rh.allowedNames,
            usernameHeaders: rh.usernameHeaders,
            uidHeaders: rh.uidHeaders,
            groupHeaders: rh.groupHeaders,
            extraHeaderPrefixes: rh.extraHeadersPrefix,
          }
        : undefined,
      anonymous: opts.anonymousAuth,
    },
    lookups,
    { onWarning: (w) => logWarning(log, `kapi: authentication: ${w}`) },
  );
  const index = new RuleIndex();
  const nodeGraph = opts.authorizationModes.includes('Node') ? new NodeGraphIndex() : undefined;
  const authorizer = buildAuthorizer(opts.authorizationModes, {
    ruleIndex: index,
    nodeGraph,
    observeDecision: deps.observeDecision,
  });
  services.authenticator = authenticator;
  services.authorizer = authorizer;
  services.guard = new EscalationGuard(index, authorizer);
  services.apiAudiences = opts.apiAudiences;
  services.issueToken = tokenIssuer(opts, keys, services, lookups);
  const abort = new AbortController();
  const synced = Promise.all([
    feedIndex(table, index, abort.signal, log),
    nodeGraph && feedNodeGraph(table, nodeGraph, abort.signal, log),
  ]).then(() => undefined);
  return { authenticator, authorizer, index, keys, synced, stop: () => abort.abort() };
}
