import type * as v1 from '../../../generated/k8s.io.api.autoscaling.v1';
import type { KindDefinition } from '../../kind';
import { forStore } from '../../strategies/common';
import { hpaRules } from '../../strategies/hpa';
import { viaStoredVersion } from '../../strategies/via-stored-version';
import { hpaTable } from '../../tables/autoscaling';
import { hpaV1Conversion, hpaV1Typed } from './hpa-conversion';
import { hpaInfo } from './hpa-v2';

/** autoscaling/v1: the v2 objects seen through the CPU-only API, extra fields in annotations. */
export const hpaV1: KindDefinition = {
  info: hpaInfo('v1'),
  strategy: forStore(viaStoredVersion(hpaRules, hpaV1Typed)),
  table: hpaTable((o) => hpaV1Typed.toStored(o as v1.HorizontalPodAutoscaler)),
  storedAs: { keyRoot: 'horizontalpodautoscalers', conversion: hpaV1Conversion },
};
