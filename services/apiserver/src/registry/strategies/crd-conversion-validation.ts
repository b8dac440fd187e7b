// spec.conversion as upstream validates it. Upstream checks its internal type, so
// the field paths are the internal names (webhookClientConfig,
// conversionReviewVersions) even though v1 nests both under `webhook`.
import type { FieldError } from '../../api/errors';
import type { CustomResourceDefinitionSpec } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { forbidden, goQuote, GoValue, index, invalid, notSupported, required } from '../validation/field';
import { isDNS1035Label } from '../validation/names';
import { validateClientConfig } from './webhook-configurations';

export const CONVERSION_STRATEGIES = ['None', 'Webhook'];
/** What upstream accepts, sorted as its set lists them. */
const ACCEPTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];

function validateReviewVersions(versions: readonly string[] | undefined, path: string): FieldError[] {
  if (!versions || versions.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(invalid(index(path, i), v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const msg of isDNS1035Label(v)) errs.push(invalid(index(path, i), v, msg));
  });
  if (!versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v))) {
    const shown = new GoValue(`[]string{${versions.map(goQuote).join(', ')}}`);
    errs.push(invalid(path, shown, `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`));
  }
  return errs;
}

export function validateConversion(spec: CustomResourceDefinitionSpec): FieldError[] {
  const conversion = spec.conversion;
  if (!conversion) return [];
  const path = 'spec.conversion';
  const errs: FieldError[] = [];
  const strategy = conversion.strategy ?? '';
  if (strategy !== 'None' && spec.preserveUnknownFields === true) {
    errs.push(invalid(`${path}.strategy`, strategy, 'must be None if spec.preserveUnknownFields is true'));
  }
  if (strategy === '') errs.push(required(`${path}.strategy`));
  else if (!CONVERSION_STRATEGIES.includes(strategy)) {
    errs.push(notSupported(`${path}.strategy`, strategy, CONVERSION_STRATEGIES));
  }
  const cc = conversion.webhook?.clientConfig;
  const versions = conversion.webhook?.conversionReviewVersions;
  if (strategy === 'Webhook') {
    if (!cc) errs.push(required(`${path}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else errs.push(...validateClientConfig(cc, `${path}.webhookClientConfig`));
    errs.push(...validateReviewVersions(versions, `${path}.conversionReviewVersions`));
  } else {
    if (cc)
      errs.push(forbidden(`${path}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (versions && versions.length > 0) {
      errs.push(forbidden(`${path}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
    }
  }
  return errs;
}
