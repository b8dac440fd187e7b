import type { KubeObject } from '../../api/object';
import type { AdmissionPlugin } from '../interface';
import { cachedClusterList, newestDefault } from './default-class';
import type { AdmissionPluginFactory } from './deps';

const IS_DEFAULT = 'ingressclass.kubernetes.io/is-default-class';
/** The class annotation that predates spec.ingressClassName: an Ingress carrying it has chosen. */
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const isDefaultIngressClass = (c: KubeObject): boolean => c.metadata?.annotations?.[IS_DEFAULT] === 'true';

/** DefaultIngressClass: an Ingress created without a class gets the cluster's default IngressClass. */
export const defaultIngressClass: AdmissionPluginFactory = (deps): AdmissionPlugin => ({
  name: 'DefaultIngressClass',
  handles: (op) => op === 'CREATE',
  async admit(a) {
    if (a.resource.group !== 'networking.k8s.io' || a.resource.resource !== 'ingresses' || a.subresource) return;
    const ingress = a.object;
    if (!ingress) return;
    const spec = (ingress.spec as Record<string, unknown> | undefined) ?? {};
    if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return;
    if (ingress.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return;
    const classes = await cachedClusterList(deps, 'networking.k8s.io', 'v1', 'ingressclasses');
    const chosen = newestDefault(classes, isDefaultIngressClass);
    if (chosen === undefined) return;
    ingress.spec = { ...spec, ingressClassName: chosen };
  },
});
