import { isPlainObject, type KubeObject } from '../../api/object';
import { ageColumn, ageOf, field, integer, nameColumn, nameOf, text } from './common';
import { formatLabelSelector } from './label-selector';
import { column, type TableConverter } from './types';

/** kubectl get's columns for quotas, scheduling, node and networking kinds, as upstream's printers build them. */

const D = {
  request: 'Request represents a minimum amount of cpu/memory that a container may consume.',
  limit:
    'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
  value:
    'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
  globalDefault:
    'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
  preemptionPolicy:
    'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
  podSelector:
    'Selects the pods to which this NetworkPolicy object applies.  The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods.  In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
};

function objects(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function quantity(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return '0';
}

/** "name: used/hard" for each hard limit, sorted; limits.* resources go to the LIMIT column. */
export function quotaCells(obj: KubeObject): [string, string] {
  const hard = field(obj, 'status', 'hard');
  const used = field(obj, 'status', 'used');
  const names = isPlainObject(hard) ? Object.keys(hard).sort() : [];
  const requests: string[] = [];
  const limits: string[] = [];
  for (const name of names) {
    const entry = `${name}: ${quantity(field(used, name))}/${quantity(field(hard, name))}`;
    const pieces = name.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(entry);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaTable: TableConverter = {
  columns: [nameColumn(), column('Request', 'string', D.request), column('Limit', 'string', D.limit), ageColumn()],
  cells: (obj, now) => [nameOf(obj), ...quotaCells(obj), ageOf(obj, now)],
};

export const priorityClassTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Value', 'integer', D.value),
    column('Global-Default', 'boolean', D.globalDefault),
    ageColumn(),
    // upstream gives this column no priority although only wide output fills it
    column('PreemptionPolicy', 'string', D.preemptionPolicy),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    integer(field(obj, 'value')),
    field(obj, 'globalDefault') === true,
    ageOf(obj, now),
    text(field(obj, 'preemptionPolicy')),
  ],
};

export const runtimeClassTable: TableConverter = {
  // upstream looks the description up in ObjectMeta's docs, which have no "handler": it is empty
  columns: [nameColumn(), column('Handler', 'string', ''), ageColumn()],
  cells: (obj, now) => [nameOf(obj), text(field(obj, 'handler')), ageOf(obj, now)],
};

/** Up to three hosts, then "+ N more..."; "*" when no rule names a host. */
export function formatIngressHosts(rules: unknown): string {
  const all = objects(rules);
  const hosts: string[] = [];
  let more = false;
  for (const rule of all) {
    if (hosts.length === 3) more = true;
    const host = text(rule.host);
    if (!more && host !== '') hosts.push(host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${all.length - 3} more...` : hosts.join(',');
}

/** IPs or hostnames of the load balancer, deduplicated and sorted (server-side tables are wide: no clipping). */
function ingressAddress(obj: KubeObject): string {
  const seen = new Set<string>();
  for (const ing of objects(field(obj, 'status', 'loadBalancer', 'ingress'))) {
    const v = text(ing.ip) || text(ing.hostname);
    if (v) seen.add(v);
  }
  return [...seen].sort().join(',');
}

export const ingressTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const spec = field(obj, 'spec');
    const className = field(spec, 'ingressClassName');
    const tls = field(spec, 'tls');
    return [
      nameOf(obj),
      typeof className === 'string' ? className : '<none>',
      formatIngressHosts(field(spec, 'rules')),
      ingressAddress(obj),
      Array.isArray(tls) && tls.length > 0 ? '80, 443' : '80',
      ageOf(obj, now),
    ];
  },
};

export const ingressClassTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const params = field(obj, 'spec', 'parameters');
    let parameters = '<none>';
    if (isPlainObject(params)) {
      const group = typeof params.apiGroup === 'string' ? `.${params.apiGroup}` : '';
      parameters = `${text(params.kind)}${group}/${text(params.name)}`;
    }
    return [nameOf(obj), text(field(obj, 'spec', 'controller')), parameters, ageOf(obj, now)];
  },
};

/** metav1.FormatLabelSelector: "<none>" for a selector matching everything, "<error>" for one that cannot parse. */
function formatSelectorOrNone(selector: unknown): string {
  const s = formatLabelSelector(selector);
  if (s === '<invalid>') return '<error>';
  return s === '' ? '<none>' : s;
}

export const networkPolicyTable: TableConverter = {
  columns: [nameColumn(), column('Pod-Selector', 'string', D.podSelector), ageColumn()],
  cells: (obj, now) => [nameOf(obj), formatSelectorOrNone(field(obj, 'spec', 'podSelector')), ageOf(obj, now)],
};
