import type { KindDefinition } from '../kind';
import type { ResourceInfo } from '../resources';
import { configmaps } from './core/configmaps';
import { endpoints } from './core/endpoints';
import { events } from './core/events';
import { namespaces } from './core/namespaces';
import { secrets } from './core/secrets';
import { serviceaccounts } from './core/serviceaccounts';
import { services } from './core/services';
import { deployments } from './apps/deployments';
import { endpointslices } from './discovery.k8s.io/endpointslices';
import { leases } from './coordination.k8s.io/leases';

/** Every built-in kind kapi serves; adding one is its definition file and a line here. */
export const BUILTIN_KINDS: readonly KindDefinition[] = [
  configmaps,
  endpoints,
  events,
  namespaces,
  secrets,
  serviceaccounts,
  services,
  deployments,
  endpointslices,
  leases,
];

export const BUILTIN_RESOURCES: readonly ResourceInfo[] = BUILTIN_KINDS.map((k) => k.info);
