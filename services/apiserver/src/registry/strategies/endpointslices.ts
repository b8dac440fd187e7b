import type { FieldError } from '../../api/errors';
import type { EndpointSlice } from '../../generated/k8s.io.api.discovery.v1';
import { child, duplicate, index, invalid, notSupported, required, tooMany } from '../validation/field';
import { validateImmutableField, semanticEqual } from '../validation/objectmeta';
import { isDNS1123Subdomain, isQualifiedName, isValidPortNum, nameIsDNSSubdomain } from '../validation/names';
import {
  arrayAt,
  forStore,
  metaOf,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';
import { dedupeErrors } from './dedupe';
import {
  SUPPORTED_PORT_PROTOCOLS,
  isLoopbackIP,
  validateDNS1123Label,
  validateIPv4Address,
  validateIPv6Address,
  validateNonSpecialIP,
} from './net-validation';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const DEPRECATED_ADDRESS_TYPES = ['IP'];
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_ZONE_HINTS = 8;

export interface EndpointSliceValidationOptions {
  /** Accept loopback addresses (kapi's own default/kubernetes slice). */
  allowLoopback?: boolean;
}

function isFQDN(value: string): string[] {
  const errs: string[] = [];
  const s = value.replace(/\.$/, '');
  if (s.length === 0) return ['Required value'];
  errs.push(...isDNS1123Subdomain(s.toLowerCase()));
  if (s.split('.').length < 2) errs.push('should be a domain with at least two segments separated by dots');
  return errs;
}

function validateEndpoints(
  obj: EndpointSlice,
  addressType: string,
  opts: EndpointSliceValidationOptions,
): FieldError[] {
  const endpoints = objectsAt(obj, 'endpoints');
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const path = index('endpoints', i);
    const addrPath = child(path, 'addresses');
    const addresses = arrayAt(ep, 'addresses').filter((a): a is string => typeof a === 'string');
    if (addresses.length === 0) errs.push(required(addrPath, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(addrPath, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const p = index(addrPath, j);
      const special = (): FieldError[] => (opts.allowLoopback && isLoopbackIP(a) ? [] : validateNonSpecialIP(a, p));
      switch (addressType) {
        case 'IPv4':
          errs.push(...validateIPv4Address(a, p), ...special());
          break;
        case 'IPv6':
          errs.push(...validateIPv6Address(a, p), ...special());
          break;
        case 'FQDN':
          for (const msg of isFQDN(a)) errs.push(invalid(p, a, msg));
          break;
        default:
          break;
      }
    });
    if (typeof ep.nodeName === 'string') {
      for (const msg of isDNS1123Subdomain(ep.nodeName)) errs.push(invalid(child(path, 'nodeName'), ep.nodeName, msg));
    }
    if (typeof ep.hostname === 'string') errs.push(...validateDNS1123Label(ep.hostname, child(path, 'hostname')));
    const zones = objectsAt(objectAt(ep, 'hints'), 'forZones');
    if (zones.length > MAX_ZONE_HINTS) {
      errs.push(tooMany(child(child(path, 'hints'), 'forZones'), zones.length, MAX_ZONE_HINTS));
    }
  });
  return errs;
}

function validatePorts(obj: EndpointSlice): FieldError[] {
  const ports = objectsAt(obj, 'ports');
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = index('ports', i);
    const name = stringAt(port, 'name');
    if (name.length > 0) errs.push(...validateDNS1123Label(name, child(path, 'name')));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
    const protocol = port.protocol;
    if (typeof protocol !== 'string') errs.push(required(child(path, 'protocol')));
    else if (!(SUPPORTED_PORT_PROTOCOLS as readonly string[]).includes(protocol)) {
      errs.push(notSupported(child(path, 'protocol'), protocol, SUPPORTED_PORT_PROTOCOLS));
    }
    const num = numberAt(port, 'port');
    if (num !== undefined) for (const msg of isValidPortNum(num)) errs.push(invalid(child(path, 'port'), num, msg));
    if (typeof port.appProtocol === 'string') {
      for (const msg of isQualifiedName(port.appProtocol))
        errs.push(invalid(child(path, 'appProtocol'), port.appProtocol, msg));
    }
  });
  return errs;
}

/** ValidateEndpointSlice (discovery.k8s.io/v1). */
export function validateEndpointSlice(
  obj: EndpointSlice,
  validTypes: string[] = ADDRESS_TYPES,
  opts: EndpointSliceValidationOptions = {},
): FieldError[] {
  const errs = validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const addressType = stringAt(obj, 'addressType');
  if (addressType === '') errs.push(required('addressType'));
  else if (!validTypes.includes(addressType)) errs.push(notSupported('addressType', addressType, validTypes));
  errs.push(...validateEndpoints(obj, addressType, opts), ...validatePorts(obj));
  return errs;
}

function defaultEndpointSlice(obj: EndpointSlice): void {
  for (const p of objectsAt(obj, 'ports')) {
    if (p.name === undefined || p.name === null) p.name = '';
    if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
  }
}

export function makeEndpointSliceStrategy(opts: EndpointSliceValidationOptions = {}): KindStrategy {
  return forStore<EndpointSlice>({
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    applyDefaults: defaultEndpointSlice,
    prepareForCreate(obj) {
      metaOf(obj).generation = 1;
    },
    prepareForUpdate(obj, old) {
      const oldGen = metaOf(old).generation ?? 0;
      const { metadata: _m, ...rest } = obj;
      const { metadata: _o, ...oldRest } = old;
      const changed = !semanticEqual(rest, oldRest) || !semanticEqual(metaOf(obj).labels, metaOf(old).labels);
      metaOf(obj).generation = changed ? oldGen + 1 : oldGen;
    },
    validate: (obj) => validateEndpointSlice(obj, ADDRESS_TYPES, opts),
    validateUpdate: (obj, old) =>
      dedupeErrors([
        ...validateMetaUpdate(obj, old),
        ...validateEndpointSlice(obj, [...ADDRESS_TYPES, ...DEPRECATED_ADDRESS_TYPES].sort(), opts),
        ...validateImmutableField(stringAt(obj, 'addressType'), stringAt(old, 'addressType'), 'addressType'),
      ]),
  });
}

export const endpointSliceStrategy: KindStrategy = makeEndpointSliceStrategy();
export const systemEndpointSliceStrategy: KindStrategy = makeEndpointSliceStrategy({ allowLoopback: true });
