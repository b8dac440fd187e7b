import type { AdmissionPlugin } from '../interface';
import { asObject, objects, str } from '../node-restriction/values';
import type { AdmissionPluginFactory } from './deps';

const NOT_READY_TAINT = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

/**
 * TaintNodesByCondition: a Node is created with the not-ready NoSchedule taint
 * (unless it has one of that key and effect already), so nothing is scheduled
 * onto it before its controller sees it Ready and lifts the taint.
 */
export const taintNodesByCondition: AdmissionPluginFactory = (): AdmissionPlugin => ({
  name: 'TaintNodesByCondition',
  handles: (op) => op === 'CREATE',
  admit(a) {
    if (a.resource.group !== '' || a.resource.resource !== 'nodes' || a.subresource !== '') return;
    const node = a.object;
    if (!node) return;
    const spec = asObject(node.spec) ?? {};
    const has = objects(spec.taints).some(
      (t) => str(t.key) === NOT_READY_TAINT.key && str(t.effect) === NOT_READY_TAINT.effect,
    );
    if (has) return;
    const taints = Array.isArray(spec.taints) ? (spec.taints as unknown[]) : [];
    node.spec = { ...spec, taints: [...taints, { ...NOT_READY_TAINT }] };
  },
});
