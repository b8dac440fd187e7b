// Webhook conversion of custom resources: the objects not yet at the desired version
// go to the definition's webhook in one ConversionReview; its failures are the
// request's 500, worded as upstream's webhookConverter words them.
import type { KubeObject } from '../../api/object';
import { newInternalError } from '../../api/errors';
import type { WebhookConversion } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { httpStatusText, statusBodyText } from '../../admission/webhook/invoke';
import { postReview, resolveEndpoint, TransportError } from '../../admission/webhook/transport';
import type { StoreTable } from '../store-table';
import {
  acceptConverted,
  buildConversionReview,
  conversionReviewVersion,
  convertedObjectsOf,
  InvalidConversion,
} from './cr-conversion-review';

/** Upstream's webhook client gives a conversion call 30 seconds. */
export const CONVERSION_TIMEOUT_SECONDS = 30;

/** Converts objects to a version; items already there come back untouched. */
export type ObjectsConverter = (objects: KubeObject[], desiredAPIVersion: string) => Promise<KubeObject[]>;

export interface WebhookConverterConfig {
  webhook: WebhookConversion;
  /** where a service reference is resolved; absent, only url configs work */
  table?: StoreTable;
  timeoutSeconds?: number;
}

/** Go's schema.GroupVersionKind String(): "example.com/v1, Kind=Widget". */
function gvkText(o: KubeObject, asList: boolean): string {
  const kind = `${o.kind ?? ''}${asList ? 'List' : ''}`;
  return `${o.apiVersion ?? ''}, Kind=${kind}`;
}

async function call(cfg: WebhookConverterConfig, body: Buffer): Promise<Buffer> {
  const cc = cfg.webhook.clientConfig ?? {};
  const timeout = cfg.timeoutSeconds ?? CONVERSION_TIMEOUT_SECONDS;
  if (!cc.url && !cfg.table) throw new TransportError('no url configured');
  try {
    const ep = await resolveEndpoint(cc, cfg.table as StoreTable);
    const res = await postReview(ep, cc.caBundle, body, timeout, { timeoutQuery: false });
    if (res.status < 200 || res.status > 299) {
      throw new TransportError(statusBodyText(res.body) ?? httpStatusText(res.status, res.body));
    }
    return res.body;
  } catch (e) {
    if (e instanceof TransportError) throw e;
    throw new TransportError(e instanceof Error ? e.message : String(e));
  }
}

export function webhookConverter(cfg: WebhookConverterConfig): ObjectsConverter {
  return async (objects, desiredAPIVersion) => {
    const pending = objects.map((o, i) => ({ o, i })).filter(({ o }) => o.apiVersion !== desiredAPIVersion);
    if (pending.length === 0) return objects;
    const asList = objects.length > 1;
    const who = `conversion webhook for ${gvkText(pending[0].o, asList)}`;
    const version = conversionReviewVersion(cfg.webhook.conversionReviewVersions);
    if (!version) throw newInternalError('no supported conversion review versions');
    const sent = pending.map((p) => p.o);
    const req = buildConversionReview(version, sent, desiredAPIVersion);
    let received: unknown[];
    try {
      const raw = await call(cfg, req.body);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (e) {
        throw new InvalidConversion(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
      }
      received = convertedObjectsOf(json, req);
    } catch (e) {
      if (e instanceof TransportError || e instanceof InvalidConversion) {
        throw newInternalError(`${who} failed: ${e.message}`);
      }
      throw e;
    }
    if (received.length !== sent.length) {
      throw newInternalError(`${who} returned ${received.length} objects, expected ${sent.length}`);
    }
    let converted: KubeObject[];
    try {
      converted = acceptConverted(sent, received, desiredAPIVersion, asList);
    } catch (e) {
      if (e instanceof InvalidConversion) throw newInternalError(`${who} ${e.message}`);
      throw e;
    }
    const out = [...objects];
    pending.forEach((p, k) => (out[p.i] = converted[k]));
    return out;
  };
}
