import type { KubeObject } from '../api/object';
import type { NodeGraph, NodeGraphVertex } from './node';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const objs = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Json => x !== undefined) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `kind/namespace/name` of an object a pod uses. */
type Ref = string;
const ref = (vertex: NodeGraphVertex, namespace: string, name: string): Ref => `${vertex}/${namespace}/${name}`;

/** Names of secrets a volume source refers to by `secretRef` (the in-tree plugins' credentials). */
function secretRefsOf(source: Json | undefined, out: Set<string>): void {
  if (!source) return;
  for (const v of Object.values(source)) {
    const plugin = obj(v);
    if (!plugin) continue;
    const name = str(obj(plugin.secretRef)?.name) || str(obj(plugin.nodePublishSecretRef)?.name);
    if (name) out.add(name);
  }
}

/** What a pod uses, as upstream's graph populator reads the pod (AddPod). */
export function podReferences(pod: KubeObject): Ref[] {
  const ns = pod.metadata?.namespace ?? '';
  const spec = obj(pod.spec) ?? {};
  const refs = new Set<Ref>();
  const sa = str(spec.serviceAccountName);
  if (sa) refs.add(ref('serviceaccount', ns, sa));
  for (const s of objs(spec.imagePullSecrets)) if (str(s.name)) refs.add(ref('secret', ns, str(s.name)));
  const containers = [...objs(spec.initContainers), ...objs(spec.containers), ...objs(spec.ephemeralContainers)];
  for (const c of containers) {
    for (const e of objs(c.envFrom)) {
      const s = str(obj(e.secretRef)?.name);
      const m = str(obj(e.configMapRef)?.name);
      if (s) refs.add(ref('secret', ns, s));
      if (m) refs.add(ref('configmap', ns, m));
    }
    for (const e of objs(c.env)) {
      const from = obj(e.valueFrom);
      const s = str(obj(from?.secretKeyRef)?.name);
      const m = str(obj(from?.configMapKeyRef)?.name);
      if (s) refs.add(ref('secret', ns, s));
      if (m) refs.add(ref('configmap', ns, m));
    }
  }
  const podName = pod.metadata?.name ?? '';
  for (const v of objs(spec.volumes)) {
    const secret = str(obj(v.secret)?.secretName);
    if (secret) refs.add(ref('secret', ns, secret));
    const cm = str(obj(v.configMap)?.name);
    if (cm) refs.add(ref('configmap', ns, cm));
    for (const src of objs(obj(v.projected)?.sources)) {
      const ps = str(obj(src.secret)?.name);
      const pc = str(obj(src.configMap)?.name);
      if (ps) refs.add(ref('secret', ns, ps));
      if (pc) refs.add(ref('configmap', ns, pc));
    }
    const claim = str(obj(v.persistentVolumeClaim)?.claimName);
    if (claim) refs.add(ref('pvc', ns, claim));
    // a generic ephemeral volume's claim is named after the pod and the volume
    if (obj(v.ephemeral)) refs.add(ref('pvc', ns, `${podName}-${str(v.name)}`));
    const azureFile = str(obj(v.azureFile)?.secretName);
    if (azureFile) refs.add(ref('secret', ns, azureFile));
    const names = new Set<string>();
    secretRefsOf(v, names);
    for (const n of names) refs.add(ref('secret', ns, n));
  }
  return [...refs];
}

/** Secrets a PersistentVolume's source names, with their namespaces (they may live anywhere). */
function pvSecretRefs(pv: KubeObject): Ref[] {
  const spec = obj(pv.spec) ?? {};
  const refs: Ref[] = [];
  for (const v of Object.values(spec)) {
    const plugin = obj(v);
    if (!plugin) continue;
    for (const key of [
      'secretRef',
      'nodePublishSecretRef',
      'nodeStageSecretRef',
      'controllerPublishSecretRef',
      'nodeExpandSecretRef',
    ]) {
      const r = obj(plugin[key]);
      if (r && str(r.name)) refs.push(ref('secret', str(r.namespace), str(r.name)));
    }
    if (str(plugin.secretName) && str(plugin.secretNamespace)) {
      refs.push(ref('secret', str(plugin.secretNamespace), str(plugin.secretName)));
    }
  }
  return refs;
}

/**
 * Upstream's node graph, kept from pod, PV and VolumeAttachment informers: a node
 * reaches the pods bound to it, what those pods use, the PVs bound to their
 * claims and the secrets those PVs name, and the VolumeAttachments for it.
 */
export class NodeGraphIndex implements NodeGraph {
  /** node → reference → how many of its pods hold it */
  private readonly byNode = new Map<string, Map<Ref, number>>();
  /** pod `namespace/name` → the node it is bound to and what it uses */
  private readonly pods = new Map<string, { node: string; refs: Ref[] }>();
  /** pv name → the claim it is bound to and the secrets it names */
  private readonly pvs = new Map<string, { claim: Ref; secrets: Ref[] }>();
  /** volumeattachment name → node */
  private readonly attachments = new Map<string, string>();

  private adjust(node: string, refs: readonly Ref[], by: number): void {
    let m = this.byNode.get(node);
    if (!m) this.byNode.set(node, (m = new Map()));
    for (const r of refs) {
      const n = (m.get(r) ?? 0) + by;
      if (n > 0) m.set(r, n);
      else m.delete(r);
    }
    if (m.size === 0) this.byNode.delete(node);
  }

  upsertPod(pod: KubeObject): void {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    this.removePod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    const node = str(obj(pod.spec)?.nodeName);
    if (!node) return;
    const refs = [ref('pod', pod.metadata?.namespace ?? '', pod.metadata?.name ?? ''), ...podReferences(pod)];
    this.pods.set(key, { node, refs });
    this.adjust(node, refs, 1);
  }

  removePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const had = this.pods.get(key);
    if (!had) return;
    this.pods.delete(key);
    this.adjust(had.node, had.refs, -1);
  }

  upsertPV(pv: KubeObject): void {
    const claim = obj(obj(pv.spec)?.claimRef);
    const name = pv.metadata?.name ?? '';
    this.pvs.set(name, {
      claim: claim ? ref('pvc', str(claim.namespace), str(claim.name)) : '',
      secrets: pvSecretRefs(pv),
    });
  }

  removePV(name: string): void {
    this.pvs.delete(name);
  }

  upsertVolumeAttachment(va: KubeObject): void {
    this.attachments.set(va.metadata?.name ?? '', str(obj(va.spec)?.nodeName));
  }

  removeVolumeAttachment(name: string): void {
    this.attachments.delete(name);
  }

  private pvReachable(uses: Map<Ref, number>, name: string): boolean {
    const pv = this.pvs.get(name);
    return pv !== undefined && pv.claim !== '' && uses.has(pv.claim);
  }

  hasPathFrom(nodeName: string, vertex: NodeGraphVertex, namespace: string, name: string): boolean {
    if (vertex === 'volumeattachment') return this.attachments.get(name) === nodeName;
    const uses = this.byNode.get(nodeName);
    if (!uses) return false;
    if (vertex === 'pv') return this.pvReachable(uses, name);
    if (uses.has(ref(vertex, namespace, name))) return true;
    if (vertex !== 'secret') return false;
    // a secret a reachable PV names
    const wanted = ref('secret', namespace, name);
    for (const [pvName, pv] of this.pvs) {
      if (pv.secrets.includes(wanted) && this.pvReachable(uses, pvName)) return true;
    }
    return false;
  }
}
