import type { KubeObject } from '../../../api/object';
import type * as v1 from '../../../generated/k8s.io.api.autoscaling.v1';
import type * as v2 from '../../../generated/k8s.io.api.autoscaling.v2';
import type { VersionConversion } from '../../../storage/converting-storage';
import { hpaV1ToV2, hpaV2ToV1 } from '../../conversion/hpa-v1';
import type { TypedConversion } from '../../strategies/via-stored-version';

export const hpaV1Typed: TypedConversion<v1.HorizontalPodAutoscaler, v2.HorizontalPodAutoscaler> = {
  toStored: hpaV1ToV2,
  toServed: hpaV2ToV1,
};

/** The store's view: objects of the served kind are the generated types' JSON. */
export const hpaV1Conversion: VersionConversion = {
  toStored: (o) => hpaV1ToV2(o as v1.HorizontalPodAutoscaler) as KubeObject,
  toServed: (o) => hpaV2ToV1(o as v2.HorizontalPodAutoscaler) as KubeObject,
};
