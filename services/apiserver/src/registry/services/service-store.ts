import { newInternalError, newInvalid, StatusError, type FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { Service, ServiceSpec } from '../../generated/k8s.io.api.core.v1';
import { GenericStore, type StoreOptions, type UpdateOptions, type WriteParams } from '../generic-store';
import { generateNameFrom } from '../validation/names';
import type { ResourceInfo } from '../resources';
import {
  deepClone,
  ensureObject,
  metaOf,
  numberAt,
  objectsAt,
  stringAt,
  type HasMeta,
  type Obj,
} from '../strategies/common';
import {
  CLUSTER_IP_NONE,
  externallyAccessible,
  isHeadless,
  needsHealthCheck,
  needsNodePorts,
  serviceClusterIPs,
  serviceNodePorts,
  serviceType,
  shouldAllocateNodePorts,
  stringsAt,
  validateClusterIPsRelatedFields,
} from '../strategies/services';
import type { Strategy } from '../strategy';
import { GoValue, goQuote, index, invalid } from '../validation/field';
import { semanticEqual } from '../validation/objectmeta';
import { parseIPSloppy } from '../strategies/net-validation';
import type { NodePortAllocator } from './portallocator';
import type { ServiceIPAllocator } from './ipallocator';

export interface ServiceAllocators {
  ips: ServiceIPAllocator;
  nodePorts: NodePortAllocator;
}

/** What one write took from the allocators (to give back on failure) or frees on success. */
interface Held {
  ips: string[];
  ports: number[];
}

const none = (): Held => ({ ips: [], ports: [] });

async function releaseQuietly(allocators: ServiceAllocators, held: Held): Promise<void> {
  try {
    if (held.ips.length > 0) await allocators.ips.release(held.ips);
    if (held.ports.length > 0) await allocators.nodePorts.release(held.ports);
  } catch {
    // a failed release leaves a leak; the allocator repair loop reclaims it
  }
}

function goStrings(values: string[]): GoValue {
  return new GoValue(`[]string{${values.map(goQuote).join(', ')}}`);
}

function goPolicy(v: unknown): GoValue {
  return typeof v === 'string' ? new GoValue(goQuote(v)) : new GoValue('null');
}

function familyOf(ip: string): 'IPv4' | 'IPv6' | undefined {
  const p = parseIPSloppy(ip);
  return p ? (p.family === 4 ? 'IPv4' : 'IPv6') : undefined;
}

const needsClusterIP = (obj: Service): boolean => serviceType(obj) !== 'ExternalName';

/**
 * The Service store: ClusterIP and NodePort allocation around the generic writes,
 * as upstream's service REST (beginCreate/beginUpdate/afterDelete). Objects live
 * under <prefix>/services/specs/, upstream's key. The helpers take the generated
 * Service for what the generic store hands over, on forStore's grounds: decoded
 * or stored objects of this kind only.
 */
export class ServiceStore extends GenericStore {
  readonly allocators: ServiceAllocators;

  constructor(info: ResourceInfo, strategy: Strategy, options: StoreOptions & { allocators: ServiceAllocators }) {
    const { allocators } = options;
    super(info, strategy, {
      ...options,
      keyRoot: 'services/specs',
      returnsDeletedObject: true,
      // whatever removes a Service (DELETE, or an update taking its last finalizer) frees what it held
      afterDelete: async (obj, params) => {
        if (!params.dryRun)
          await releaseQuietly(allocators, { ips: serviceClusterIPs(obj), ports: serviceNodePorts(obj) });
      },
    });
    this.allocators = allocators;
  }

  private get family(): 'IPv4' | 'IPv6' {
    return this.allocators.ips.range.familyName;
  }

  private invalid(obj: HasMeta, errs: FieldError[]): StatusError {
    return newInvalid(this.info.kind, this.info.group, metaOf(obj).name ?? '', errs);
  }

  /**
   * Upstream's initIPFamilyFields for a single-stack cluster: ipFamilyPolicy and
   * ipFamilies defaulted, families the cluster does not serve refused.
   */
  initIPFamilies(obj: Service, old: Service | undefined): void {
    if (serviceType(obj) === 'ExternalName') return;
    const spec = ensureObject(obj, 'spec');
    const oldPolicy = old?.spec?.ipFamilyPolicy;
    if (typeof spec.ipFamilyPolicy !== 'string') {
      if (typeof oldPolicy === 'string') spec.ipFamilyPolicy = oldPolicy;
      else if (stringAt(spec, 'clusterIP') === CLUSTER_IP_NONE && !hasSelector(spec)) {
        spec.ipFamilyPolicy = 'RequireDualStack';
      } else spec.ipFamilyPolicy = 'SingleStack';
    }
    const pre = validateClusterIPsRelatedFields(obj);
    if (pre.length > 0) throw this.invalid(obj, pre);
    const errs: FieldError[] = [];
    const policy = spec.ipFamilyPolicy;
    if (old) {
      if (policy === 'SingleStack') {
        const ips = stringsAt(spec, 'clusterIPs');
        if (semanticEqual(ips, stringsAt(old.spec, 'clusterIPs')) && ips.length > 1) spec.clusterIPs = ips.slice(0, 1);
        const fams = stringsAt(spec, 'ipFamilies');
        if (semanticEqual(fams, stringsAt(old.spec, 'ipFamilies')) && fams.length > 1) {
          spec.ipFamilies = fams.slice(0, 1);
        }
      } else {
        if (stringsAt(spec, 'clusterIPs').length < stringsAt(old.spec, 'clusterIPs').length) {
          errs.push(
            invalid(
              'spec.ipFamilyPolicy',
              goPolicy(policy),
              "must be 'SingleStack' to release the secondary cluster IP",
            ),
          );
        }
        if (stringsAt(spec, 'ipFamilies').length < stringsAt(old.spec, 'ipFamilies').length) {
          errs.push(
            invalid(
              'spec.ipFamilyPolicy',
              goPolicy(policy),
              "must be 'SingleStack' to release the secondary IP family",
            ),
          );
        }
      }
    }
    const clusterIPs = stringsAt(spec, 'clusterIPs');
    const families = stringsAt(spec, 'ipFamilies');
    if (policy === 'SingleStack') {
      if (clusterIPs.length === 2) {
        errs.push(
          invalid(
            'spec.ipFamilyPolicy',
            goPolicy(policy),
            "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
          ),
        );
      }
      if (families.length === 2) {
        errs.push(
          invalid(
            'spec.ipFamilyPolicy',
            goPolicy(policy),
            "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
          ),
        );
      }
    }
    for (let i = 0; i < clusterIPs.length; i++) {
      const ip = clusterIPs[i];
      if (ip === CLUSTER_IP_NONE) break;
      const fam = familyOf(ip);
      if (i >= families.length && fam) {
        if (fam !== this.family) {
          errs.push(
            invalid(index('spec.clusterIPs', i), goStrings(clusterIPs), `${fam} is not configured on this cluster`),
          );
        } else families.push(fam);
      }
    }
    if (errs.length > 0) throw this.invalid(obj, errs);
    spec.ipFamilies = families;
    if (stringAt(spec, 'clusterIP') === CLUSTER_IP_NONE && !hasSelector(spec)) {
      if (families.length === 0) families.push(this.family);
      if (families.length < 2 && policy !== 'SingleStack') families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
      return;
    }
    if (policy === 'RequireDualStack') {
      errs.push(
        invalid('spec.ipFamilyPolicy', goPolicy(policy), 'this cluster is not configured for dual-stack services'),
      );
    }
    families.forEach((f, i) => {
      if (f !== this.family) errs.push(invalid(index('spec.ipFamilies', i), f, 'not configured on this cluster'));
    });
    if (errs.length > 0) throw this.invalid(obj, errs);
    if (families.length === 0) families.push(this.family);
  }

  /** Allocates the ClusterIP (requested or next free); throws the upstream errors. */
  private async allocClusterIP(obj: Service, dryRun: boolean): Promise<string[]> {
    if (!needsClusterIP(obj) || isHeadless(obj)) return [];
    const spec = ensureObject(obj, 'spec');
    const requestedList = stringsAt(spec, 'clusterIPs');
    const requested = requestedList[0] ?? stringAt(spec, 'clusterIP');
    const [r] = await this.allocators.ips.allocate([requested], dryRun);
    if (!r.ok) {
      if (r.full) throw newInternalError(`failed to allocate a serviceIP: ${r.message}`);
      throw this.invalid(obj, [
        invalid(
          'spec.clusterIPs',
          goStrings(requestedList.length > 0 ? requestedList : [requested]),
          `failed to allocate IP ${requested}: ${r.message}`,
        ),
      ]);
    }
    spec.clusterIP = r.ip;
    spec.clusterIPs = [r.ip];
    return dryRun ? [] : [r.ip];
  }

  /**
   * Node ports for a NodePort/LoadBalancer Service on create: requested ones
   * honoured, ports sharing a port number (TCP and UDP) share one node port.
   */
  private async allocNodePortsCreate(obj: Service, dryRun: boolean): Promise<number[]> {
    const spec = ensureObject(obj, 'spec');
    const ports = objectsAt(spec, 'ports');
    type Slot = { request: number; index: number; health?: boolean; value?: number };
    const slots: Slot[] = [];
    const byPort = new Map<number, Slot>();
    const assign: Array<{ port: Obj; slot: Slot }> = [];
    if (needsNodePorts(obj)) {
      ports.forEach((p, i) => {
        const np = numberAt(p, 'nodePort') ?? 0;
        if (np === 0 && !shouldAllocateNodePorts(obj)) return;
        const portNum = numberAt(p, 'port') ?? 0;
        const existing = byPort.get(portNum);
        if (!existing) {
          const requested =
            np !== 0
              ? np
              : (ports
                  .slice(i)
                  .map((q) => (numberAt(q, 'port') === portNum ? (numberAt(q, 'nodePort') ?? 0) : 0))
                  .find((v) => v !== 0) ?? 0);
          const slot: Slot = { request: requested, index: i };
          slots.push(slot);
          byPort.set(portNum, slot);
          assign.push({ port: p, slot });
        } else if (np === 0) {
          assign.push({ port: p, slot: existing });
        } else if (np !== existing.request) {
          slots.push({ request: np, index: i });
        }
      });
    }
    if (needsHealthCheck(obj))
      slots.push({ request: numberAt(spec, 'healthCheckNodePort') ?? 0, index: -1, health: true });
    if (slots.length === 0) return [];
    const results = await this.allocators.nodePorts.allocate(
      slots.map((s) => s.request),
      dryRun,
    );
    const taken = results.filter((r) => r.ok).map((r) => r.port);
    const failed = results.findIndex((r) => !r.ok);
    if (failed >= 0) {
      if (!dryRun) await this.releaseQuietly({ ips: [], ports: taken });
      const r = results[failed];
      const msg = r.ok ? '' : r.message;
      const s = slots[failed];
      if (s.health) {
        throw newInternalError(
          s.request !== 0
            ? `failed to allocate requested HealthCheck NodePort ${s.request}: ${msg}`
            : `failed to allocate a HealthCheck NodePort 0: ${msg}`,
        );
      }
      if (r.ok === false && r.full) throw newInternalError(`failed to allocate a nodePort: ${msg}`);
      throw this.invalid(obj, [invalid(`spec.ports[${s.index}].nodePort`, s.request, msg)]);
    }
    results.forEach((r, i) => {
      if (r.ok) slots[i].value = r.port;
    });
    for (const { port, slot } of assign) port.nodePort = slot.value;
    const hs = slots.find((s) => s.health);
    if (hs) spec.healthCheckNodePort = hs.value;
    return dryRun ? [] : taken;
  }

  private async releaseQuietly(held: Held): Promise<void> {
    await releaseQuietly(this.allocators, held);
  }

  override async create(namespace: string, input: KubeObject, params: WriteParams = {}): Promise<KubeObject> {
    const obj = deepClone(input);
    const m = metaOf(obj);
    if (!m.name && m.generateName) m.name = generateNameFrom(m.generateName);
    this.strategy.applyDefaults?.(obj);
    this.initIPFamilies(obj, undefined);
    // refuse invalid objects before anything is allocated
    const probe = deepClone(obj);
    if (!metaOf(probe).namespace) metaOf(probe).namespace = namespace;
    this.strategy.prepareForCreate?.(probe);
    const errs = this.strategy.validate(probe);
    if (errs.length > 0) throw this.invalid(obj, errs);
    const dryRun = !!params.dryRun;
    const ips = await this.allocClusterIP(obj, dryRun);
    let ports: number[];
    try {
      ports = await this.allocNodePortsCreate(obj, dryRun);
    } catch (e) {
      await this.releaseQuietly({ ips, ports: [] });
      throw e;
    }
    try {
      return await super.create(namespace, obj, params);
    } catch (e) {
      await this.releaseQuietly({ ips, ports });
      throw e;
    }
  }

  /** Upstream's patchAllocatedValues: a PUT without the allocated values keeps them. */
  private patchAllocatedValues(obj: Service, old: Service): void {
    const spec = ensureObject(obj, 'spec');
    const oldSpec: ServiceSpec = old.spec ?? {};
    if (needsClusterIP(old) && needsClusterIP(obj)) {
      if (!stringAt(spec, 'clusterIP') && stringAt(oldSpec, 'clusterIP')) spec.clusterIP = oldSpec.clusterIP;
      if (stringsAt(spec, 'clusterIPs').length === 0 && stringsAt(oldSpec, 'clusterIPs').length > 0) {
        spec.clusterIPs = [...stringsAt(oldSpec, 'clusterIPs')];
      }
    }
    if (needsNodePorts(old) && needsNodePorts(obj)) {
      const used = (o: Service): Set<number> =>
        new Set(
          objectsAt(o.spec, 'ports')
            .map((p) => numberAt(p, 'nodePort') ?? 0)
            .filter((n) => n !== 0),
        );
      const newUsed = used(obj);
      const inBoth = new Set([...used(old)].filter((n) => newUsed.has(n)));
      const byName = new Map<string, number>();
      for (const p of objectsAt(oldSpec, 'ports')) byName.set(stringAt(p, 'name'), numberAt(p, 'nodePort') ?? 0);
      for (const p of objectsAt(spec, 'ports')) {
        if ((numberAt(p, 'nodePort') ?? 0) !== 0) continue;
        const oldVal = byName.get(stringAt(p, 'name')) ?? 0;
        if (oldVal !== 0 && !inBoth.has(oldVal)) p.nodePort = oldVal;
      }
    }
    if (needsHealthCheck(old) && needsHealthCheck(obj) && !numberAt(spec, 'healthCheckNodePort')) {
      const hc = numberAt(oldSpec, 'healthCheckNodePort');
      if (hc) spec.healthCheckNodePort = hc;
    }
  }

  /** Upstream's NormalizeClusterIPs on update: keep clusterIP and clusterIPs in step. */
  private normalizeClusterIPs(obj: Service, old: Service): void {
    const spec = ensureObject(obj, 'spec');
    const ip = stringAt(spec, 'clusterIP');
    const ips = stringsAt(spec, 'clusterIPs');
    const oldSpec: ServiceSpec = old.spec ?? {};
    if (ip === '' && ips.length === 0) return;
    if (ips.length === 0) {
      spec.clusterIPs = [ip];
      return;
    }
    const sameIPs = semanticEqual(ips, stringsAt(oldSpec, 'clusterIPs'));
    if (ip !== stringAt(oldSpec, 'clusterIP') && sameIPs) {
      if (ip === '') delete spec.clusterIPs;
      else spec.clusterIPs = [ip, ...ips.slice(1)];
    } else if (ip === stringAt(oldSpec, 'clusterIP') && !sameIPs && ips.length > 0) {
      spec.clusterIP = ips[0];
    }
  }

  /** Upstream's dropTypeDependentFields: a type change clears what only the old type used, if untouched. */
  private dropTypeDependentFields(obj: Service, old: Service): void {
    const spec = ensureObject(obj, 'spec');
    const oldSpec: ServiceSpec = old.spec ?? {};
    const same = (k: keyof ServiceSpec): boolean => semanticEqual(spec[k], oldSpec[k]);
    if (needsClusterIP(old) && !needsClusterIP(obj)) {
      if (same('clusterIP') && same('clusterIPs')) {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      if (same('ipFamilies')) delete spec.ipFamilies;
      if (same('ipFamilyPolicy')) delete spec.ipFamilyPolicy;
    }
    if (needsNodePorts(old) && !needsNodePorts(obj)) {
      const nps = (o: Service): number[] => objectsAt(o.spec, 'ports').map((p) => numberAt(p, 'nodePort') ?? 0);
      if (semanticEqual(nps(obj), nps(old).slice(0, nps(obj).length))) {
        for (const p of objectsAt(spec, 'ports')) delete p.nodePort;
      }
    }
    if (needsHealthCheck(old) && !needsHealthCheck(obj) && same('healthCheckNodePort')) delete spec.healthCheckNodePort;
    if (serviceType(old) === 'LoadBalancer' && serviceType(obj) !== 'LoadBalancer') {
      if (same('allocateLoadBalancerNodePorts')) delete spec.allocateLoadBalancerNodePorts;
      if (same('loadBalancerClass')) delete spec.loadBalancerClass;
    }
    if (externallyAccessible(old) && !externallyAccessible(obj) && same('externalTrafficPolicy')) {
      delete spec.externalTrafficPolicy;
    }
    if (serviceType(obj) === 'ExternalName' && serviceType(old) !== 'ExternalName' && same('internalTrafficPolicy')) {
      delete spec.internalTrafficPolicy;
    }
  }

  /** Allocation for an update; returns what was newly taken and what to free once it is stored. */
  private async allocateUpdate(obj: Service, old: Service, dryRun: boolean): Promise<{ taken: Held; release: Held }> {
    const taken = none();
    const release = none();
    // cluster IPs: ExternalName -> other types allocates, other types -> ExternalName frees
    if (serviceType(old) === 'ExternalName' && needsClusterIP(obj)) {
      taken.ips.push(...(await this.allocClusterIP(obj, dryRun)));
    } else if (needsClusterIP(old) && !needsClusterIP(obj) && !isHeadless(old)) {
      release.ips.push(...serviceClusterIPs(old));
    }
    try {
      const spec = ensureObject(obj, 'spec');
      const oldPorts = serviceNodePorts(old);
      const requests: number[] = [];
      const targets: Array<{ index: number; port?: Obj; health?: boolean }> = [];
      if (needsNodePorts(old) && !needsNodePorts(obj)) {
        for (const p of objectsAt(old.spec, 'ports')) {
          const np = numberAt(p, 'nodePort');
          if (np) release.ports.push(np);
        }
      }
      if (needsNodePorts(obj)) {
        const oldNumbers = new Set(objectsAt(old.spec, 'ports').map((p) => numberAt(p, 'nodePort') ?? 0));
        const asked = new Set<number>();
        objectsAt(spec, 'ports').forEach((p, i) => {
          const np = numberAt(p, 'nodePort') ?? 0;
          if (np === 0 && !shouldAllocateNodePorts(obj)) return;
          if (np !== 0) {
            if (!oldNumbers.has(np) && !asked.has(np)) {
              requests.push(np);
              targets.push({ index: i });
              asked.add(np);
            }
          } else {
            requests.push(0);
            targets.push({ index: i, port: p });
          }
        });
      }
      const neededHC = needsHealthCheck(old);
      const needsHC = needsHealthCheck(obj);
      if (!neededHC && needsHC) {
        requests.push(numberAt(spec, 'healthCheckNodePort') ?? 0);
        targets.push({ index: -1, health: true });
      } else if (neededHC && !needsHC) {
        const hc = numberAt(old.spec, 'healthCheckNodePort');
        if (hc) release.ports.push(hc);
        delete spec.healthCheckNodePort;
      }
      if (requests.length > 0) {
        const results = await this.allocators.nodePorts.allocate(requests, dryRun);
        const got = results.filter((r) => r.ok).map((r) => r.port);
        if (!dryRun) taken.ports.push(...got);
        const failed = results.findIndex((r) => !r.ok);
        if (failed >= 0) {
          const r = results[failed];
          const msg = r.ok ? '' : r.message;
          const t = targets[failed];
          if (t.health) {
            throw newInternalError(`failed to allocate requested HealthCheck NodePort ${requests[failed]}: ${msg}`);
          }
          if (r.ok === false && r.full) throw newInternalError(`failed to allocate a nodePort: ${msg}`);
          throw this.invalid(obj, [invalid(`spec.ports[${t.index}].nodePort`, requests[failed], msg)]);
        }
        results.forEach((r, i) => {
          const t = targets[i];
          if (!r.ok) return;
          if (t.port) t.port.nodePort = r.port;
          if (t.health) spec.healthCheckNodePort = r.port;
        });
      }
      if (needsNodePorts(obj)) {
        const now = new Set(serviceNodePorts(obj));
        for (const np of oldPorts)
          if (!now.has(np) && np !== numberAt(old.spec, 'healthCheckNodePort')) release.ports.push(np);
      }
    } catch (e) {
      await this.releaseQuietly(taken);
      throw e;
    }
    return { taken, release };
  }

  override async updateWith(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (options.statusOnly) return super.updateWith(namespace, name, mutate, options);
    const dryRun = !!options.dryRun;
    let taken = none();
    let release = none();
    const wrapped = async (current: KubeObject): Promise<KubeObject> => {
      const next = await mutate(current);
      if (!metaOf(current).uid) return next; // missing object: create() allocates
      // a retry after a conflict starts over
      await this.releaseQuietly(taken);
      taken = none();
      release = none();
      this.strategy.applyDefaults?.(next);
      this.patchAllocatedValues(next, current);
      this.normalizeClusterIPs(next, current);
      this.dropTypeDependentFields(next, current);
      this.initIPFamilies(next, current);
      const r = await this.allocateUpdate(next, current, dryRun);
      taken = r.taken;
      release = r.release;
      return next;
    };
    let out: { object: KubeObject; created: boolean };
    try {
      out = await super.updateWith(namespace, name, wrapped, options);
    } catch (e) {
      await this.releaseQuietly(taken);
      throw e;
    }
    if (!dryRun) await this.releaseQuietly(release);
    return out;
  }
}

function hasSelector(spec: Obj): boolean {
  const s = spec.selector;
  return typeof s === 'object' && s !== null && Object.keys(s).length > 0;
}
