import type * as v2 from '../../../generated/k8s.io.api.autoscaling.v2';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import type { ResourceInfo } from '../../resources';
import { hpaStrategy } from '../../strategies/hpa';
import { hpaTable } from '../../tables/autoscaling';

/** What both served versions of horizontalpodautoscalers share in discovery. */
export function hpaInfo(version: string): ResourceInfo {
  return {
    group: 'autoscaling',
    version,
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    listKind: 'HorizontalPodAutoscalerList',
    singularName: 'horizontalpodautoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: `k8s.io.api.autoscaling.${version}.HorizontalPodAutoscaler`,
    subresources: [{ name: 'status', kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] }],
    storageVersion: 'v2',
  };
}

/** autoscaling/v2 is the storage version (/registry/horizontalpodautoscalers). */
export const hpaV2: KindDefinition = {
  info: hpaInfo('v2'),
  strategy: hpaStrategy,
  table: hpaTable((o) => o as v2.HorizontalPodAutoscaler),
};
