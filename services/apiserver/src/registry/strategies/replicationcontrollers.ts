import type { FieldError } from '../../api/errors';
import type { ReplicationController } from '../../generated/k8s.io.api.core.v1';
import { child, goStringMap, invalid, required, validateNonnegative } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { validateLabels } from '../validation/objectmeta';
import {
  ensureObject,
  forStore,
  metaOf,
  numberAt,
  objectAt,
  stringMapAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import { validateReplicaCounts } from './replicasets';
import { keepStatusBumpGeneration, resetStatusOnCreate, validateControllerTemplate } from './workload-common';

/**
 * SetDefaults_ReplicationController: an empty selector and empty object labels
 * are taken from the template's labels; replicas default to 1.
 */
export function applyReplicationControllerDefaults(obj: ReplicationController): void {
  const spec = ensureObject(obj, 'spec');
  const template = objectAt(spec, 'template');
  const templateLabels = stringMapAt(objectAt(template, 'metadata'), 'labels');
  if (templateLabels) {
    if (Object.keys(stringMapAt(spec, 'selector') ?? {}).length === 0) spec.selector = { ...templateLabels };
    const meta = metaOf(obj);
    if (Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...templateLabels };
  }
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  if (template) defaultPodTemplateSpec(template);
}

function selectsAll(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function validateReplicationControllerSpec(obj: ReplicationController): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const errs = [
    ...validateNonnegative(numberAt(spec, 'minReadySeconds'), 'spec.minReadySeconds'),
    ...validateNonnegative(numberAt(spec, 'replicas'), 'spec.replicas'),
  ];
  const selector = stringMapAt(spec, 'selector') ?? {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...validateLabels(selector, 'spec.selector'));
  const template = objectAt(spec, 'template');
  if (template && Object.keys(selector).length > 0) {
    const labels = stringMapAt(objectAt(template, 'metadata'), 'labels');
    if (!selectsAll(selector, labels)) {
      errs.push(
        invalid('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'),
      );
    }
  }
  errs.push(
    ...validateControllerTemplate(template, child('spec', 'template'), {
      restartPolicies: ['Always'],
      noActiveDeadlineFor: 'ReplicationController',
    }),
  );
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const replicationControllerStrategy: KindStrategy = forStore<ReplicationController>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyReplicationControllerDefaults,
  prepareForCreate: resetStatusOnCreate,
  prepareForUpdate: keepStatusBumpGeneration,

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateReplicationControllerSpec(obj)];
  },

  // upstream lets an RC's selector change: the controller simply adopts other pods
  validateUpdate(obj, old) {
    return [
      ...validateMetaUpdate(obj, old),
      ...validateReplicationControllerSpec(obj),
      ...validateReplicaCounts(obj.status),
    ];
  },

  selectableFields(obj) {
    return { 'status.replicas': String(numberAt(obj.status, 'replicas') ?? 0) };
  },
});
