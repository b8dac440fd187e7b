import { newNotFound } from '../../apiserver/src/api/errors';
import { formatTime } from '../../apiserver/src/api/time';
import { matchesFields, parseFieldSelector } from '../../apiserver/src/selection/fields';
import { matchesLabels, parseLabelSelector } from '../../apiserver/src/selection/labels';
import { addUsage, containerUsage, nodeBaseUsage, usageList, type Usage } from './figures';
import { KubeApiError, type KubeReader } from './kube-client';

export const GROUP = 'metrics.k8s.io';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}`;

interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

interface PodObject {
  metadata?: Meta;
  spec?: {
    nodeName?: string;
    containers?: Array<{ name?: string; resources?: { requests?: Record<string, string> } }>;
  };
  status?: { phase?: string };
}

interface NodeObject {
  metadata?: Meta;
}

type Json = Record<string, unknown>;

/** What a list reads: the query's labelSelector and fieldSelector, as metrics-server applies them. */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

/** How the figures are stamped: metrics-server's sample time and the window it averaged over. */
export interface Clock {
  now(): Date;
  /** --metric-resolution in ms: timestamps fall on its multiples, and it is the window. */
  resolutionMs: number;
}

/** Go's time.Duration String() for whole milliseconds: 15s, 1m0s, 1.5s. */
export function goDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** Object-meta fields metrics-server's field selectors see (metadata.name, and metadata.namespace for pods). */
function metaFields(meta: Meta | undefined, namespaced: boolean): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': meta?.name ?? '' };
  if (namespaced) fields['metadata.namespace'] = meta?.namespace ?? '';
  return fields;
}

function selected<T extends { metadata?: Meta }>(items: T[], q: ListQuery, namespaced: boolean): T[] {
  const labels = parseLabelSelector(q.labelSelector ?? '');
  const fields = parseFieldSelector(q.fieldSelector ?? '');
  return items.filter(
    (o) => matchesLabels(labels, o.metadata?.labels) && matchesFields(fields, metaFields(o.metadata, namespaced)),
  );
}

function byName(a: { metadata?: Meta }, b: { metadata?: Meta }): number {
  const an = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const bn = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

function podUsage(pod: PodObject): Array<{ name: string; usage: Usage }> {
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  return (pod.spec?.containers ?? []).map((c) => ({ name: c.name ?? '', usage: containerUsage(ns, name, c) }));
}

/** metrics-server has figures only for pods the kubelet runs. */
function isRunning(pod: PodObject): boolean {
  return pod.status?.phase === 'Running';
}

/** NodeMetrics and PodMetrics read from kapi's Nodes and Pods on every request (no cache to go stale). */
export class MetricsApi {
  constructor(
    private readonly kube: KubeReader,
    private readonly clock: Clock,
  ) {}

  private stamp(): { timestamp: string; window: string; created: string } {
    const now = this.clock.now();
    const r = this.clock.resolutionMs;
    return {
      timestamp: formatTime(new Date(Math.floor(now.getTime() / r) * r)),
      window: goDuration(r),
      created: formatTime(now),
    };
  }

  private async pods(namespace: string): Promise<PodObject[]> {
    const where = namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods` : '/api/v1/pods';
    return (await this.kube.get<{ items?: PodObject[] }>(where)).items ?? [];
  }

  private async nodeMetrics(nodes: NodeObject[]): Promise<Json[]> {
    const pods = (await this.pods('')).filter(isRunning);
    const s = this.stamp();
    return nodes.map((n) => {
      const name = n.metadata?.name ?? '';
      let usage = nodeBaseUsage(name);
      for (const p of pods) {
        if (p.spec?.nodeName !== name) continue;
        for (const c of podUsage(p)) usage = addUsage(usage, c.usage);
      }
      const metadata: Json = { name, creationTimestamp: s.created };
      if (n.metadata?.labels) metadata.labels = n.metadata.labels;
      return {
        metadata,
        timestamp: s.timestamp,
        window: s.window,
        usage: usageList(usage),
      };
    });
  }

  private podMetrics(pods: PodObject[]): Json[] {
    const s = this.stamp();
    return pods.filter(isRunning).map((p) => {
      const metadata: Json = {
        name: p.metadata?.name ?? '',
        namespace: p.metadata?.namespace ?? '',
        creationTimestamp: s.created,
      };
      if (p.metadata?.labels) metadata.labels = p.metadata.labels;
      return {
        metadata,
        timestamp: s.timestamp,
        window: s.window,
        containers: podUsage(p).map((c) => ({ name: c.name, usage: usageList(c.usage) })),
      };
    });
  }

  async listNodes(q: ListQuery): Promise<Json> {
    const nodes = (await this.kube.get<{ items?: NodeObject[] }>('/api/v1/nodes')).items ?? [];
    const items = await this.nodeMetrics(selected(nodes, q, false).sort(byName));
    // list items carry no TypeMeta, as the generic apiserver encodes a typed list
    return list('NodeMetricsList', items);
  }

  async getNode(name: string): Promise<Json> {
    let node: NodeObject;
    try {
      node = await this.kube.get<NodeObject>(`/api/v1/nodes/${encodeURIComponent(name)}`);
    } catch (e) {
      // a lister's miss, as metrics-server returns it
      if (e instanceof KubeApiError && e.code === 404) throw newNotFound({ group: '', resource: 'node' }, name);
      throw e;
    }
    const [item] = await this.nodeMetrics([node]);
    return typed('NodeMetrics', item);
  }

  async listPods(namespace: string, q: ListQuery): Promise<Json> {
    const pods = selected(await this.pods(namespace), q, true).sort(byName);
    return list('PodMetricsList', this.podMetrics(pods));
  }

  async getPod(namespace: string, name: string): Promise<Json> {
    let pod: PodObject;
    try {
      pod = await this.kube.get<PodObject>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
      );
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) throw newNotFound({ group: '', resource: 'pod' }, name);
      throw e;
    }
    const [item] = this.podMetrics([pod]);
    if (!item) throw newNotFound({ group: GROUP, resource: 'podmetrics' }, `${namespace}/${name}`);
    return typed('PodMetrics', item);
  }
}

function typed(kind: string, item: Json): Json {
  return { kind, apiVersion: API_VERSION, ...item };
}

function list(kind: string, items: Json[]): Json {
  return { kind, apiVersion: API_VERSION, metadata: {}, items };
}
