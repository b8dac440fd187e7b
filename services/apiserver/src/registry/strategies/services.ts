import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import type { Service, ServiceSpec, ServiceStatus } from '../../generated/k8s.io.api.core.v1';
import {
  GoValue,
  child,
  duplicate,
  forbidden,
  goQuote,
  index,
  invalid,
  key,
  notSupported,
  required,
} from '../validation/field';
import { validateLabels } from '../validation/objectmeta';
import {
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
} from '../validation/names';
import {
  arrayAt,
  deepClone,
  ensureObject,
  forStore,
  keepOldGeneration,
  metaOf,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  stringMapAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { dedupeErrors } from './dedupe';
import {
  SUPPORTED_PORT_PROTOCOLS,
  parseIPSloppy,
  validateDNS1123Label,
  validateIP,
  validateNonSpecialIP,
} from './net-validation';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
export const CLUSTER_IP_NONE = 'None';
const SESSION_AFFINITY_TYPES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;
const MAX_CLIENT_IP_TIMEOUT_SECONDS = 86400;
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

export function stringsAt(obj: unknown, k: string): string[] {
  return arrayAt(obj, k).filter((v): v is string => typeof v === 'string');
}

export function serviceType(obj: Service): string {
  return stringAt(obj.spec, 'type');
}

/** clusterIPs is exactly ["None"] (or, before normalization, clusterIP is "None"). */
export function isHeadless(obj: Service): boolean {
  const spec = obj.spec;
  const ips = stringsAt(spec, 'clusterIPs');
  if (ips.length > 0) return ips.length === 1 && ips[0] === CLUSTER_IP_NONE;
  return stringAt(spec, 'clusterIP') === CLUSTER_IP_NONE;
}

export function needsNodePorts(obj: Service): boolean {
  const t = serviceType(obj);
  return t === 'NodePort' || t === 'LoadBalancer';
}

/** Whether new node ports are allocated (LoadBalancer may opt out; requested ones are still honoured). */
export function shouldAllocateNodePorts(obj: Service): boolean {
  const t = serviceType(obj);
  if (t === 'NodePort') return true;
  if (t === 'LoadBalancer') return obj.spec?.allocateLoadBalancerNodePorts !== false;
  return false;
}

export function externallyAccessible(obj: Service): boolean {
  const t = serviceType(obj);
  return (
    t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && stringsAt(obj.spec, 'externalIPs').length > 0)
  );
}

export function needsHealthCheck(obj: Service): boolean {
  return serviceType(obj) === 'LoadBalancer' && stringAt(obj.spec, 'externalTrafficPolicy') === 'Local';
}

/** Node ports a Service holds, each once (a TCP and a UDP port may share one). */
export function serviceNodePorts(obj: Service): number[] {
  const out = new Set<number>();
  for (const p of objectsAt(obj.spec, 'ports')) {
    const np = numberAt(p, 'nodePort');
    if (np) out.add(np);
  }
  const hc = numberAt(obj.spec, 'healthCheckNodePort');
  if (hc) out.add(hc);
  return [...out];
}

/** Allocated cluster IPs (not "None"). */
export function serviceClusterIPs(obj: Service): string[] {
  if (serviceType(obj) === 'ExternalName') return [];
  const spec = obj.spec;
  let ips = stringsAt(spec, 'clusterIPs');
  if (ips.length === 0 && stringAt(spec, 'clusterIP')) ips = [stringAt(spec, 'clusterIP')];
  return ips.filter((ip) => ip !== '' && ip !== CLUSTER_IP_NONE);
}

/** SetDefaults_Service (core/v1), plus clusterIPs initialised from clusterIP. */
export function applyServiceDefaults(obj: Service): void {
  const spec = ensureObject(obj, 'spec');
  if (!stringAt(spec, 'sessionAffinity')) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const config = ensureObject(spec, 'sessionAffinityConfig');
    const clientIP = ensureObject(config, 'clientIP');
    if (typeof clientIP.timeoutSeconds !== 'number') clientIP.timeoutSeconds = DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
  }
  if (!stringAt(spec, 'type')) spec.type = 'ClusterIP';
  for (const port of objectsAt(spec, 'ports')) {
    if (!stringAt(port, 'protocol')) port.protocol = 'TCP';
    const tp = port.targetPort;
    if (tp === undefined || tp === null || tp === 0 || tp === '') {
      if (typeof port.port === 'number') port.targetPort = port.port;
    }
  }
  if (externallyAccessible(obj) && !stringAt(spec, 'externalTrafficPolicy')) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') {
      spec.internalTrafficPolicy = 'Cluster';
    }
  }
  if (spec.type === 'LoadBalancer' && typeof spec.allocateLoadBalancerNodePorts !== 'boolean') {
    spec.allocateLoadBalancerNodePorts = true;
  }
  const clusterIP = stringAt(spec, 'clusterIP');
  if (clusterIP && stringsAt(spec, 'clusterIPs').length === 0) spec.clusterIPs = [clusterIP];
}

/** Go's %#v of a []string. */
function goStrings(values: string[]): GoValue {
  return new GoValue(`[]string{${values.map(goQuote).join(', ')}}`);
}

function goStringPtr(v: unknown): GoValue {
  return typeof v === 'string' ? new GoValue(`"${v}"`) : new GoValue('null');
}

function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return isValidPortNum(v).map((msg) => invalid(path, v, msg));
  if (typeof v === 'string') return isValidPortName(v).map((msg) => invalid(path, v, msg));
  return [];
}

function validateServicePort(port: Obj, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = stringAt(port, 'name');
  if (requireName && name === '') errs.push(required(child(path, 'name')));
  else if (name !== '') {
    errs.push(...validateDNS1123Label(name, child(path, 'name')));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
  }
  const num = numberAt(port, 'port') ?? 0;
  for (const msg of isValidPortNum(num)) errs.push(invalid(child(path, 'port'), num, msg));
  const protocol = stringAt(port, 'protocol');
  if (protocol === '') errs.push(required(child(path, 'protocol')));
  else if (!(SUPPORTED_PORT_PROTOCOLS as readonly string[]).includes(protocol)) {
    errs.push(notSupported(child(path, 'protocol'), protocol, SUPPORTED_PORT_PROTOCOLS));
  }
  errs.push(...validatePortNumOrName(port.targetPort, child(path, 'targetPort')));
  if (typeof port.appProtocol === 'string') {
    for (const msg of isQualifiedName(port.appProtocol))
      errs.push(invalid(child(path, 'appProtocol'), port.appProtocol, msg));
  }
  return errs;
}

function validateClientIPAffinityConfig(spec: ServiceSpec, path: string): FieldError[] {
  const clientIP = objectAt(objectAt(spec, 'sessionAffinityConfig'), 'clientIP');
  if (!clientIP) return [required(child(path, 'clientIP'), 'when session affinity type is ClientIP')];
  const timeout = numberAt(clientIP, 'timeoutSeconds');
  const tpath = child(child(path, 'clientIP'), 'timeoutSeconds');
  if (timeout === undefined) return [required(tpath, 'when session affinity type is ClientIP')];
  if (timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT_SECONDS) {
    return [invalid(tpath, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT_SECONDS}`)];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields. */
export function validateClusterIPsRelatedFields(obj: Service): FieldError[] {
  const spec: ServiceSpec = obj.spec ?? {};
  if (stringAt(spec, 'type') === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIP = stringAt(spec, 'clusterIP');
  const clusterIPs = stringsAt(spec, 'clusterIPs');
  const families = stringsAt(spec, 'ipFamilies');
  if (clusterIP !== '') {
    if (clusterIPs.length === 0) errs.push(required('spec.clusterIPs'));
    else if (clusterIPs[0] !== clusterIP) {
      errs.push(invalid('spec.clusterIPs', goStrings(clusterIPs), 'first value must match `clusterIP`'));
    }
  } else if (clusterIPs.length !== 0) {
    errs.push(invalid('spec.clusterIPs', goStrings(clusterIPs), 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(index('spec.ipFamilies', i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  const policy = spec.ipFamilyPolicy;
  if (typeof policy === 'string' && !IP_FAMILY_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
  }
  let badIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === CLUSTER_IP_NONE) {
      if (clusterIPs.length > 1) {
        badIPs = true;
        errs.push(invalid('spec.clusterIPs', goStrings(clusterIPs), "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(ip, index('spec.clusterIPs', i));
    if (e.length > 0) badIPs = true;
    errs.push(...e);
  });
  if (clusterIPs.length > 2)
    errs.push(invalid('spec.clusterIPs', goStrings(clusterIPs), 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (clusterIPs.length > 1) {
    const fams = clusterIPs.map((ip) => parseIPSloppy(ip)?.family);
    if (fams.length !== 2 || fams[0] === fams[1]) {
      errs.push(
        invalid('spec.clusterIPs', goStrings(clusterIPs), 'may specify no more than one IP for each IP family'),
      );
    }
  }
  if (!isHeadless(obj) && clusterIPs.length > 0 && families.length > 0) {
    clusterIPs.forEach((ip, i) => {
      if (i >= families.length) return;
      const fam = parseIPSloppy(ip)?.family;
      if (families[i] === 'IPv4' && fam === 6) {
        errs.push(
          invalid(index('spec.clusterIPs', i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``),
        );
      }
      if (families[i] === 'IPv6' && fam !== 6) {
        errs.push(
          invalid(index('spec.clusterIPs', i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``),
        );
      }
    });
  }
  return errs;
}

function validateCIDR(value: string, path: string): FieldError[] {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const p = m ? parseIPSloppy(m[1]) : undefined;
  if (!m || !p || Number(m[2]) > (p.family === 4 ? 32 : 128)) {
    return [invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  }
  return [];
}

/** ValidateService. */
export function validateService(obj: Service): FieldError[] {
  const errs = validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNS1035Label });
  const spec: ServiceSpec = obj.spec ?? {};
  const type = stringAt(spec, 'type');
  const ports = objectsAt(spec, 'ports');
  const headless = isHeadless(obj);
  const clusterIPs = stringsAt(spec, 'clusterIPs');
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  switch (type) {
    case 'LoadBalancer':
      if (headless)
        errs.push(invalid('spec.clusterIPs[0]', clusterIPs[0], "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless)
        errs.push(invalid('spec.clusterIPs[0]', clusterIPs[0], "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (clusterIPs.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (stringsAt(spec, 'ipFamilies').length > 0) {
        errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      }
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
        errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      }
      const cname = stringAt(spec, 'externalName').replace(/\.$/, '');
      if (cname.length > 0) {
        for (const msg of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, msg));
      } else errs.push(required('spec.externalName'));
      break;
    }
    default:
      break;
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index('spec.ports', i))));
  const selector = stringMapAt(spec, 'selector');
  if (selector) errs.push(...validateLabels(selector, 'spec.selector'));
  const affinity = stringAt(spec, 'sessionAffinity');
  if (affinity === '') errs.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITY_TYPES.includes(affinity)) {
    errs.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITY_TYPES));
  }
  if (affinity === 'ClientIP') errs.push(...validateClientIPAffinityConfig(spec, 'spec.sessionAffinityConfig'));
  else if (affinity === 'None' && isPlainObject(spec.sessionAffinityConfig)) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelatedFields(obj));
  stringsAt(spec, 'externalIPs').forEach((ip, i) => {
    const p = index('spec.externalIPs', i);
    const e = validateIP(ip, p);
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(ip, p)));
  });
  if (type === '') errs.push(required('spec.type'));
  else if (!(SERVICE_TYPES as readonly string[]).includes(type))
    errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (numberAt(p, 'nodePort')) {
        errs.push(forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
      }
    });
  }
  const seenNodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = numberAt(p, 'nodePort');
    if (!np) return;
    const k = `${stringAt(p, 'protocol')}/${np}`;
    if (seenNodePorts.has(k)) errs.push(duplicate(child(index('spec.ports', i), 'nodePort'), np));
    seenNodePorts.add(k);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = stringAt(p, 'protocol');
    const num = numberAt(p, 'port') ?? 0;
    const k = `${protocol}/${num}`;
    if (seenPorts.has(k)) {
      errs.push(
        duplicate(
          index('spec.ports', i),
          new GoValue(
            `core.ServicePort{Name:"", Protocol:"${protocol}", AppProtocol:(*string)(nil), Port:${num}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
          ),
        ),
      );
    }
    seenPorts.add(k);
  });
  const sourceRanges = stringsAt(spec, 'loadBalancerSourceRanges');
  const annotations = metaOf(obj).annotations ?? {};
  if (sourceRanges.length > 0) {
    const path = 'spec.LoadBalancerSourceRanges';
    if (type !== 'LoadBalancer') errs.push(forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    sourceRanges.forEach((r, i) => errs.push(...validateCIDR(r.trim(), index(path, i))));
  } else if (annotations[LB_SOURCE_RANGES_ANNOTATION] !== undefined) {
    const path = key('metadata.annotations', LB_SOURCE_RANGES_ANNOTATION);
    if (type !== 'LoadBalancer') errs.push(forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    const val = annotations[LB_SOURCE_RANGES_ANNOTATION].trim();
    if (val !== '') for (const r of val.split(',')) errs.push(...validateCIDR(r.trim(), path));
  }
  const allocLB = spec.allocateLoadBalancerNodePorts;
  if (typeof allocLB === 'boolean' && type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && typeof allocLB !== 'boolean') errs.push(required('allocateLoadBalancerNodePorts'));
  const lbClass = spec.loadBalancerClass;
  if (type === 'LoadBalancer') {
    if (typeof lbClass === 'string') {
      for (const msg of isQualifiedName(lbClass)) errs.push(invalid('spec.loadBalancerClass', lbClass, msg));
    }
  } else if (typeof lbClass === 'string') {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = stringAt(spec, 'externalTrafficPolicy');
  if (!externallyAccessible(obj)) {
    if (etp !== '') {
      errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
    }
  } else if (etp === '') errs.push(required('spec.externalTrafficPolicy'));
  else if (!TRAFFIC_POLICIES.includes(etp))
    errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  const hc = numberAt(spec, 'healthCheckNodePort') ?? 0;
  if (!needsHealthCheck(obj)) {
    if (hc !== 0) {
      errs.push(
        invalid(
          'spec.healthCheckNodePort',
          hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
    }
  } else if (hc === 0) errs.push(required('spec.healthCheckNodePort'));
  else for (const msg of isValidPortNum(hc)) errs.push(invalid('spec.healthCheckNodePort', hc, msg));
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')
      errs.push(required('spec.internalTrafficPolicy'));
  } else if (typeof itp !== 'string' || !TRAFFIC_POLICIES.includes(itp)) {
    errs.push(notSupported('spec.internalTrafficPolicy', itp as string, TRAFFIC_POLICIES));
  }
  const td = spec.trafficDistribution;
  if (td !== undefined && td !== null && td !== 'PreferClose') {
    errs.push(notSupported('spec.trafficDistribution', td as string, ['PreferClose']));
  }
  return errs;
}

function validateUpgradeDowngradeClusterIPs(obj: Service, old: Service): FieldError[] {
  if (serviceType(obj) === 'ExternalName' || serviceType(old) === 'ExternalName') return [];
  if (isHeadless(obj) && isHeadless(old)) return [];
  const now = stringsAt(obj.spec, 'clusterIPs');
  const was = stringsAt(old.spec, 'clusterIPs');
  const errs: FieldError[] = [];
  if (was.length === now.length) {
    was.forEach((ip, i) => {
      if (ip !== now[i]) errs.push(invalid(index('spec.clusterIPs', i), goStrings(now), 'may not change once set'));
    });
  } else if (was.length > now.length) {
    if (now.length === 0)
      errs.push(invalid('spec.clusterIPs[0]', goStrings(now), 'primary clusterIP can not be unset'));
    if (was.length > 0 && now.length > 0 && now[0] !== was[0]) {
      errs.push(invalid('spec.clusterIPs[0]', goStrings(now), 'may not change once set'));
    }
    if (now.length === 1 && obj.spec?.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          goStringPtr(obj.spec?.ipFamilyPolicy),
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
    }
  } else if (was.length > 0 && now[0] !== was[0]) {
    errs.push(invalid('spec.clusterIPs[0]', goStrings(now), 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(obj: Service, old: Service): FieldError[] {
  if (serviceType(obj) === 'ExternalName' || serviceType(old) === 'ExternalName') return [];
  if (isHeadless(obj) !== isHeadless(old) || isHeadless(obj)) return [];
  const now = stringsAt(obj.spec, 'ipFamilies');
  const was = stringsAt(old.spec, 'ipFamilies');
  const errs: FieldError[] = [];
  if (was.length === now.length) {
    was.forEach((f, i) => {
      if (f !== now[i])
        errs.push(
          invalid(
            'spec.ipFamilies[0]',
            new GoValue(`[]core.IPFamily{${now.map(goQuote).join(', ')}}`),
            'may not change once set',
          ),
        );
    });
  } else if (was.length > now.length) {
    if (now.length > 0 && now[0] !== was[0]) {
      errs.push(invalid('spec.ipFamilies[0]', goStrings(stringsAt(obj.spec, 'clusterIPs')), 'may not change once set'));
    }
    if (now.length === 1 && obj.spec?.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          goStringPtr(obj.spec?.ipFamilyPolicy),
          "must be set to 'SingleStack' when releasing the secondary ipFamily",
        ),
      );
    }
  } else if (was.length > 0 && now.length > 0 && now[0] !== was[0]) {
    errs.push(invalid('spec.ipFamilies[0]', goStrings(stringsAt(obj.spec, 'clusterIPs')), 'may not change once set'));
  }
  return errs;
}

/** ValidateServiceUpdate. */
export function validateServiceUpdate(obj: Service, old: Service): FieldError[] {
  const errs = [
    ...validateMetaUpdate(obj, old),
    ...validateUpgradeDowngradeClusterIPs(obj, old),
    ...validateUpgradeDowngradeIPFamilies(obj, old),
  ];
  if (serviceType(obj) === 'LoadBalancer' && serviceType(old) === 'LoadBalancer') {
    if (obj.spec?.loadBalancerClass !== old.spec?.loadBalancerClass) {
      errs.push(invalid('spec.loadBalancerClass', goStringPtr(obj.spec?.loadBalancerClass), 'may not change once set'));
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(obj)) {
    if (numberAt(obj.spec, 'healthCheckNodePort') !== numberAt(old.spec, 'healthCheckNodePort')) {
      errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
    }
  }
  // status is only changed through services/status (the main resource keeps it), so
  // checking it here is what validates status updates
  return dedupeErrors([...errs, ...validateService(obj), ...validateLoadBalancerStatus(obj)]);
}

/** ValidateServiceStatusUpdate: metadata plus the load balancer ingress entries. */
export function validateServiceStatusUpdate(obj: Service, old: Service): FieldError[] {
  return [...validateMetaUpdate(obj, old), ...validateLoadBalancerStatus(obj)];
}

function validateLoadBalancerStatus(obj: Service): FieldError[] {
  const errs: FieldError[] = [];
  const ingress = objectsAt(objectAt(obj.status, 'loadBalancer'), 'ingress');
  ingress.forEach((ing, i) => {
    const path = index('status.loadBalancer.ingress', i);
    const ip = stringAt(ing, 'ip');
    if (ip !== '') errs.push(...validateIP(ip, child(path, 'ip')));
    const ipMode = ing.ipMode;
    if (typeof ipMode === 'string') {
      if (ip === '') errs.push(forbidden(child(path, 'ipMode'), 'may not be specified when `ip` is not'));
      else if (!['Proxy', 'VIP'].includes(ipMode))
        errs.push(notSupported(child(path, 'ipMode'), ipMode, ['Proxy', 'VIP']));
    } else if (ip !== '' && serviceType(obj) === 'LoadBalancer') {
      errs.push(required(child(path, 'ipMode'), 'must be specified when `ip` is set'));
    }
    const hostname = stringAt(ing, 'hostname');
    if (hostname !== '') {
      for (const msg of isDNS1123Subdomain(hostname)) errs.push(invalid(child(path, 'hostname'), hostname, msg));
      if (parseIPSloppy(hostname))
        errs.push(invalid(child(path, 'hostname'), hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

const EMPTY_STATUS = (): ServiceStatus => ({ loadBalancer: {} });

export const serviceStrategy: KindStrategy = forStore<Service>({
  namespaced: true,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],

  applyDefaults(obj) {
    applyServiceDefaults(obj);
    // status.loadBalancer.ingress[].ipMode defaults to VIP when an IP is set (LoadBalancerIPMode)
    if (serviceType(obj) === 'LoadBalancer') {
      for (const ing of objectsAt(objectAt(obj.status, 'loadBalancer'), 'ingress')) {
        if (stringAt(ing, 'ip') !== '' && ing.ipMode === undefined) ing.ipMode = 'VIP';
      }
    }
  },

  prepareForCreate(obj) {
    obj.status = EMPTY_STATUS();
  },

  prepareForUpdate(obj, old) {
    obj.status = deepClone(old.status) ?? EMPTY_STATUS();
    keepOldGeneration(obj, old);
  },

  validate: validateService,
  validateUpdate: validateServiceUpdate,
});
