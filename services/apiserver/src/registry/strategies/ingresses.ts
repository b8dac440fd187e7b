import type { FieldError } from '../../api/errors';
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass } from '../../generated/k8s.io.api.networking.v1';
import { child, forbidden, index, invalid, notSupported, required, tooLong } from '../validation/field';
import {
  isDNS1123Subdomain,
  isDNS1035Label,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from '../validation/names';
import { validateImmutableField } from '../validation/objectmeta';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { parseIPSloppy } from './net-validation';
import { keepOldStatus, STATUS_PATHS } from './spec-status';

export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const CONTROLLER_MAX_LENGTH = 250;

function validateHost(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (parseIPSloppy(host)) errs.push(invalid(path, host, 'must be a DNS name, not an IP address'));
  const checked = host.startsWith('*.') ? `x${host.slice(1)}` : host;
  if (host.includes('*') && !host.startsWith('*.')) {
    errs.push(
      invalid(
        path,
        host,
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    );
  } else {
    for (const msg of isDNS1123Subdomain(checked)) errs.push(invalid(path, host, msg));
  }
  return errs;
}

function validateBackend(backend: IngressBackend | undefined, path: string): FieldError[] {
  const hasResource = backend?.resource !== undefined;
  const service = backend?.service;
  if (hasResource && service) return [invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const errs: FieldError[] = [];
    if (!backend?.resource?.kind) errs.push(required(child(child(path, 'resource'), 'kind')));
    if (!backend?.resource?.name) errs.push(required(child(child(path, 'resource'), 'name')));
    return errs;
  }
  if (!service) return [invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = service.name ?? '';
  const namePath = `${path}.service.name`;
  if (name === '') errs.push(required(namePath));
  else for (const msg of isDNS1035Label(name)) errs.push(invalid(namePath, name, msg));
  const portName = service.port?.name ?? '';
  const portNumber = service.port?.number ?? 0;
  if (portName && portNumber) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) {
    for (const msg of isValidPortName(portName)) errs.push(invalid(`${path}.service.port.name`, portName, msg));
  } else if (portNumber) {
    for (const msg of isValidPortNum(portNumber)) errs.push(invalid(`${path}.service.port.number`, portNumber, msg));
  } else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function validatePath(p: HTTPIngressPath, path: string): FieldError[] {
  const type = p.pathType;
  if (type === undefined) return [required(child(path, 'pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = p.path ?? '';
  const pathPath = child(path, 'path');
  if (type === 'Exact' || type === 'Prefix') {
    if (!value.startsWith('/')) errs.push(invalid(pathPath, value, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES) {
      if (value.includes(seq)) errs.push(invalid(pathPath, value, `must not contain '${seq}'`));
    }
    for (const suffix of INVALID_PATH_SUFFIXES) {
      if (value.endsWith(suffix)) errs.push(invalid(pathPath, value, `cannot end with '${suffix}'`));
    }
  } else if (type === 'ImplementationSpecific') {
    if (value && !value.startsWith('/')) errs.push(invalid(pathPath, value, 'must be an absolute path'));
  } else errs.push(notSupported(child(path, 'pathType'), type, PATH_TYPES));
  errs.push(...validateBackend(p.backend, child(path, 'backend')));
  return errs;
}

export function validateIngressFields(ing: Ingress): FieldError[] {
  const spec = ing.spec ?? {};
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(invalid('spec', rules, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const path = index('spec.rules', i);
    if (rule.host) errs.push(...validateHost(rule.host, child(path, 'host')));
    if (rule.http) {
      const paths = rule.http.paths ?? [];
      if (paths.length === 0) errs.push(required(`${path}.http.paths`));
      paths.forEach((p, j) => errs.push(...validatePath(p, index(`${path}.http.paths`, j))));
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    const path = index('spec.tls', i);
    (tls.hosts ?? []).forEach((host, j) => errs.push(...validateHost(host, index(child(path, 'hosts'), j))));
    const secret = tls.secretName ?? '';
    if (secret)
      for (const msg of isDNS1123Subdomain(secret)) errs.push(invalid(child(path, 'secretName'), secret, msg));
  });
  const className = spec.ingressClassName;
  if (className !== undefined) {
    for (const msg of isDNS1123Subdomain(className)) errs.push(invalid('spec.ingressClassName', className, msg));
    const annotation = ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (annotation !== undefined && annotation !== className) {
      errs.push(
        invalid(
          `annotations.${INGRESS_CLASS_ANNOTATION}`,
          annotation,
          'must match `ingressClassName` when both are specified',
        ),
      );
    }
  }
  return errs;
}

const namespacedMeta = { namespaced: true, nameValidator: nameIsDNSSubdomain };
const clusterMeta = { namespaced: false, nameValidator: nameIsDNSSubdomain };

export const ingressStrategy: KindStrategy = forStore<Ingress>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: STATUS_PATHS,
  prepareForCreate(obj) {
    // Go prints the zero IngressStatus as `status: {loadBalancer: {}}`
    obj.status = { loadBalancer: {} };
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, namespacedMeta), ...validateIngressFields(obj)];
  },
  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateIngressFields(obj)];
  },
});

/** IsDomainPrefixedPath: example.com/controller-name. */
function validateController(controller: string): FieldError[] {
  const path = 'spec.controller';
  if (controller === '') return [required(path)];
  const errs: FieldError[] = [];
  if (controller.length > CONTROLLER_MAX_LENGTH) errs.push(tooLong(path, CONTROLLER_MAX_LENGTH));
  const slash = controller.indexOf('/');
  if (slash < 0) return [...errs, invalid(path, controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = controller.slice(0, slash);
  const rest = controller.slice(slash + 1);
  for (const msg of isDNS1123Subdomain(host)) errs.push(invalid(path, host, msg));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest)) {
    errs.push(
      invalid(
        path,
        rest,
        "Invalid path: must consist of alphanumeric characters, '-', '_' or '.', and may contain '/'",
      ),
    );
  }
  return errs;
}

function validateIngressClassFields(ic: IngressClass): FieldError[] {
  const errs = validateController(ic.spec?.controller ?? '');
  const params = ic.spec?.parameters;
  if (params) {
    const path = 'spec.parameters';
    if (!params.kind) errs.push(required(child(path, 'kind'), 'kind is required'));
    if (!params.name) errs.push(required(child(path, 'name'), 'name is required'));
    const scope = params.scope;
    if (scope === undefined) errs.push(required(child(path, 'scope')));
    else if (scope === 'Cluster') {
      if (params.namespace !== undefined) {
        errs.push(forbidden(child(path, 'namespace'), "`parameters.scope` is set to 'Cluster'"));
      }
    } else if (scope === 'Namespace') {
      if (params.namespace === undefined) {
        errs.push(required(child(path, 'namespace'), "`parameters.scope` is set to 'Namespace'"));
      }
    } else errs.push(notSupported(child(path, 'scope'), scope, ['Cluster', 'Namespace']));
  }
  return errs;
}

export const ingressClassStrategy: KindStrategy = forStore<IngressClass>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  applyDefaults(obj) {
    const params = obj.spec?.parameters;
    if (params && params.scope === undefined) params.scope = 'Cluster';
  },
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, clusterMeta), ...validateIngressClassFields(obj)];
  },
  validateUpdate(obj, old) {
    return [
      ...validateMetaUpdate(obj, old),
      ...validateIngressClassFields(obj),
      ...validateImmutableField(obj.spec?.controller, old.spec?.controller, 'spec.controller'),
    ];
  },
});
