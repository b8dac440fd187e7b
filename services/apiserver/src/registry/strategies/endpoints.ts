import type { FieldError } from '../../api/errors';
import type { Endpoints } from '../../generated/k8s.io.api.core.v1';
import { child, index, invalid, notSupported, required } from '../validation/field';
import { isDNS1123Subdomain, isQualifiedName, isValidPortNum, nameIsDNSSubdomain } from '../validation/names';
import {
  forStore,
  keepOldGeneration,
  numberAt,
  objectsAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { dedupeErrors } from './dedupe';
import {
  SUPPORTED_PORT_PROTOCOLS,
  isLoopbackIP,
  validateDNS1123Label,
  validateIP,
  validateNonSpecialIP,
} from './net-validation';

export interface EndpointsValidationOptions {
  /**
   * Accept loopback addresses. Users may not publish them (upstream's rule); kapi's
   * own default/kubernetes Endpoints may, when replicas advertise 127.0.0.1.
   */
  allowLoopback?: boolean;
}

function validateAddress(addr: Obj, path: string, opts: EndpointsValidationOptions): FieldError[] {
  const ip = stringAt(addr, 'ip');
  const errs = validateIP(ip, child(path, 'ip'));
  const hostname = stringAt(addr, 'hostname');
  if (hostname !== '') errs.push(...validateDNS1123Label(hostname, child(path, 'hostname')));
  if (typeof addr.nodeName === 'string') {
    for (const msg of isDNS1123Subdomain(addr.nodeName))
      errs.push(invalid(child(path, 'nodeName'), addr.nodeName, msg));
  }
  const special = validateNonSpecialIP(ip, child(path, 'ip'));
  errs.push(...(opts.allowLoopback && isLoopbackIP(ip) ? [] : special));
  return errs;
}

export function validateEndpointPort(port: Obj, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = stringAt(port, 'name');
  if (requireName && name === '') errs.push(required(child(path, 'name')));
  else if (name !== '') errs.push(...validateDNS1123Label(name, child(path, 'name')));
  const num = numberAt(port, 'port') ?? 0;
  for (const msg of isValidPortNum(num)) errs.push(invalid(child(path, 'port'), num, msg));
  const protocol = stringAt(port, 'protocol');
  if (protocol === '') errs.push(required(child(path, 'protocol')));
  else if (!(SUPPORTED_PORT_PROTOCOLS as readonly string[]).includes(protocol)) {
    errs.push(notSupported(child(path, 'protocol'), protocol, SUPPORTED_PORT_PROTOCOLS));
  }
  if (typeof port.appProtocol === 'string') {
    for (const msg of isQualifiedName(port.appProtocol))
      errs.push(invalid(child(path, 'appProtocol'), port.appProtocol, msg));
  }
  return errs;
}

/** ValidateEndpoints. */
export function validateEndpoints(obj: Endpoints, opts: EndpointsValidationOptions = {}): FieldError[] {
  const errs = validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  objectsAt(obj, 'subsets').forEach((ss, i) => {
    const path = index('subsets', i);
    const addresses = objectsAt(ss, 'addresses');
    const notReady = objectsAt(ss, 'notReadyAddresses');
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    }
    addresses.forEach((a, j) => errs.push(...validateAddress(a, index(child(path, 'addresses'), j), opts)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, index(child(path, 'notReadyAddresses'), j), opts)));
    const ports = objectsAt(ss, 'ports');
    ports.forEach((p, j) => errs.push(...validateEndpointPort(p, ports.length > 1, index(child(path, 'ports'), j))));
  });
  return errs;
}

function defaultEndpoints(obj: Endpoints): void {
  for (const ss of objectsAt(obj, 'subsets')) {
    for (const p of objectsAt(ss, 'ports')) if (!stringAt(p, 'protocol')) p.protocol = 'TCP';
  }
}

export function makeEndpointsStrategy(opts: EndpointsValidationOptions = {}): KindStrategy {
  return forStore<Endpoints>({
    namespaced: true,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    applyDefaults: defaultEndpoints,
    prepareForUpdate(obj, old) {
      keepOldGeneration(obj, old);
    },
    validate: (obj) => validateEndpoints(obj, opts),
    validateUpdate: (obj, old) => dedupeErrors([...validateMetaUpdate(obj, old), ...validateEndpoints(obj, opts)]),
  });
}

/** User writes: upstream's rules, loopback addresses refused. */
export const endpointsStrategy: KindStrategy = makeEndpointsStrategy();

/** kapi's own writes of default/kubernetes (the endpoint reconciler): loopback allowed. */
export const systemEndpointsStrategy: KindStrategy = makeEndpointsStrategy({ allowLoopback: true });
