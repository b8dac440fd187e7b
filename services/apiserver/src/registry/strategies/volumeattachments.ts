import type { FieldError } from '../../api/errors';
import type { VolumeAttachment } from '../../generated/k8s.io.api.storage.v1';
import { FIELD_IMMUTABLE, forbidden, invalid, required, tooLong } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { validateCSIDriverName, validateNodeName } from './csi-names';
import { dropStatus, keepOldStatus, STATUS_PATHS } from './spec-status';

const EXACTLY_ONE_SOURCE = 'must specify exactly one of inlineVolumeSpec and persistentVolumeName';
const MAX_ATTACHMENT_METADATA_SIZE = 256 * 1024;
const MAX_ERROR_MESSAGE_SIZE = 1024;

function validateSource(va: VolumeAttachment): FieldError[] {
  const source = va.spec?.source ?? {};
  const pvName = source.persistentVolumeName;
  const hasInline = source.inlineVolumeSpec !== undefined && source.inlineVolumeSpec !== null;
  if (pvName === undefined && !hasInline) return [required('spec.source', EXACTLY_ONE_SOURCE)];
  if (pvName !== undefined && hasInline) return [forbidden('spec.source', EXACTLY_ONE_SOURCE)];
  if (pvName === undefined) return [];
  if (pvName === '')
    return [required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName')];
  return nameIsDNSSubdomain(pvName, false).map((msg) => invalid('spec.source.persistentVolumeName', pvName, msg));
}

function validateStatus(va: VolumeAttachment): FieldError[] {
  const status = va.status;
  if (!status) return [];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(status.attachmentMetadata ?? {})) size += k.length + String(v).length;
  if (size > MAX_ATTACHMENT_METADATA_SIZE)
    errs.push(tooLong('status.attachmentMetadata', MAX_ATTACHMENT_METADATA_SIZE));
  for (const which of ['attachError', 'detachError'] as const) {
    const message = status[which]?.message ?? '';
    if (message.length > MAX_ERROR_MESSAGE_SIZE) errs.push(tooLong(`status.${which}.message`, MAX_ERROR_MESSAGE_SIZE));
  }
  return errs;
}

export function validateVolumeAttachmentFields(va: VolumeAttachment): FieldError[] {
  const attacher = va.spec?.attacher ?? '';
  const errs: FieldError[] = [];
  if (attacher === '') errs.push(required('spec.attacher', attacher));
  errs.push(
    ...validateSource(va),
    ...validateNodeName(va.spec?.nodeName ?? '', 'spec.nodeName'),
    ...validateStatus(va),
  );
  // storage/v1 also requires the attacher to be a CSI driver
  errs.push(...validateCSIDriverName(attacher, 'spec.attacher'));
  return errs;
}

const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

export const volumeAttachmentStrategy: KindStrategy = forStore<VolumeAttachment>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: STATUS_PATHS,
  prepareForCreate: dropStatus,
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateVolumeAttachmentFields(obj)];
  },
  validateUpdate(obj, old) {
    const errs = [...validateMetaUpdate(obj, old), ...validateVolumeAttachmentFields(obj)];
    if (!semanticEqual(obj.spec, old.spec)) errs.push(invalid('spec', obj.spec ?? {}, FIELD_IMMUTABLE));
    return errs;
  },
});
