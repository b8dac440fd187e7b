import type { FieldError } from '../../api/errors';
import { child, goStringMap, invalid, notSupported, required, validateNonnegative } from '../validation/field';
import {
  asLabelSelector,
  goLabelSelector,
  isConvertibleSelector,
  isEmptySelector,
  selectorMatches,
  validateLabelSelector,
  type LabelSelector,
} from '../validation/labelselector';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  metaOf,
  nextGeneration,
  numberAt,
  objectAt,
  stringAt,
  stringMapAt,
  type HasMeta,
  type Obj,
} from './common';
import { validatePodTemplateSpec } from './podtemplate-validation';
import { validatePodSpecificAnnotations } from './pod-annotations-validation';
import { validateAnnotations, validateLabels } from '../validation/objectmeta';

/**
 * Pieces the workload controllers' kinds (ReplicaSet, StatefulSet, DaemonSet,
 * ReplicationController, Job, CronJob) share: the status/spec split with a
 * generation that counts spec changes, and the selector-versus-template rules.
 */

export interface WithSpecAndStatus extends HasMeta {
  spec?: object;
  status?: object;
}

/** Create: clients cannot set status; Go prints the zero status as `status: {}`. */
export function resetStatusOnCreate(obj: WithSpecAndStatus): void {
  obj.status = {};
  metaOf(obj).generation = 1;
}

/** Update through the main resource: status is kept, generation moves only when the spec changed. */
export function keepStatusBumpGeneration(obj: WithSpecAndStatus, old: WithSpecAndStatus): void {
  obj.status = deepClone(old.status) ?? {};
  nextGeneration(obj, old, !semanticEqual(obj.spec, old.spec));
}

/**
 * A required, non-empty, valid metav1.LabelSelector at `<path>.selector`;
 * `kindWord` is the lowercase word upstream puts in "empty selector is invalid for ...".
 */
export function validateRequiredSelector(spec: Obj, path: string, kindWord: string): FieldError[] {
  const selectorPath = child(path, 'selector');
  const selector = asLabelSelector(spec.selector);
  if (!selector) return [required(selectorPath)];
  const errs = validateLabelSelector(selector, selectorPath);
  if (isEmptySelector(selector)) {
    errs.push(invalid(selectorPath, goLabelSelector(selector), `empty selector is invalid for ${kindWord}`));
  }
  return errs;
}

/** The template's labels must be selected, as every controller finds its pods by them. */
export function validateSelectorMatchesTemplate(
  selector: LabelSelector | undefined,
  template: Obj,
  templatePath: string,
): FieldError[] {
  if (!selector || !isConvertibleSelector(selector)) return [];
  const labels = stringMapAt(objectAt(template, 'metadata'), 'labels');
  if (selectorMatches(selector, labels)) return [];
  return [
    invalid(
      child(child(templatePath, 'metadata'), 'labels'),
      goStringMap(labels),
      '`selector` does not match template `labels`',
    ),
  ];
}

export interface TemplateRules {
  /** restart policies the controller can run pods with */
  restartPolicies: readonly string[];
  /** kind name in "activeDeadlineSeconds in <Kind> is not Supported"; undefined when allowed */
  noActiveDeadlineFor?: string;
  /**
   * Only the template's labels and annotations are checked, not its pod spec:
   * upstream's StatefulSet rule, as its containers mount volumes that come from
   * volumeClaimTemplates and are not in the template's volumes.
   */
  metadataOnly?: boolean;
}

function validateTemplateMetadata(template: Obj, path: string): FieldError[] {
  const metadata = objectAt(template, 'metadata');
  const annotations = stringMapAt(metadata, 'annotations');
  return [
    ...validateLabels(stringMapAt(metadata, 'labels'), child(path, 'labels')),
    ...validateAnnotations(annotations, child(path, 'annotations')),
    ...validatePodSpecificAnnotations(annotations, objectAt(template, 'spec') ?? {}, child(path, 'annotations')),
  ];
}

/** The pod template of a controller: the pod rules plus what the controller itself needs. */
export function validateControllerTemplate(
  template: Obj | undefined,
  path: string,
  rules: TemplateRules,
): FieldError[] {
  if (!template) return [required(path)];
  const errs = rules.metadataOnly ? validateTemplateMetadata(template, path) : validatePodTemplateSpec(template, path);
  const podSpec = objectAt(template, 'spec');
  const restartPolicy = stringAt(podSpec, 'restartPolicy');
  if (!rules.restartPolicies.includes(restartPolicy)) {
    errs.push(notSupported(child(path, 'spec.restartPolicy'), restartPolicy, rules.restartPolicies));
  }
  const activeDeadline = numberAt(podSpec, 'activeDeadlineSeconds');
  if (rules.noActiveDeadlineFor && activeDeadline !== undefined) {
    errs.push(
      invalid(
        child(path, 'spec.activeDeadlineSeconds'),
        activeDeadline,
        `activeDeadlineSeconds in ${rules.noActiveDeadlineFor} is not Supported`,
      ),
    );
  }
  return errs;
}

/** Each named status counter must be >= 0, reported at `status.<name>`. */
export function validateStatusCounters(status: unknown, names: readonly string[]): FieldError[] {
  return names.flatMap((n) => validateNonnegative(numberAt(status, n), child('status', n)));
}

/** `status.<name>` may not exceed `status.<limit>`: upstream's "cannot be greater than" checks. */
export function validateNotGreater(status: unknown, name: string, limit: string, limitText: string): FieldError[] {
  const v = numberAt(status, name);
  const max = numberAt(status, limit) ?? 0;
  return v !== undefined && v > max ? [invalid(child('status', name), v, `cannot be greater than ${limitText}`)] : [];
}
