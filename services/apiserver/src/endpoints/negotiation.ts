import { StatusError } from '../api/errors';

export const MEDIA_JSON = 'application/json';
export const MEDIA_YAML = 'application/yaml';
export const MEDIA_PROTOBUF = 'application/vnd.kubernetes.protobuf';

export type OutputMedia = typeof MEDIA_JSON | typeof MEDIA_YAML | typeof MEDIA_PROTOBUF;
/** A server-side transformation asked for with the `as` parameter (kubectl get asks for Table). */
export type Transform = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'APIGroupDiscoveryList' | '';

export interface Negotiated {
  media: OutputMedia;
  transform: Transform;
  /** version of the transform target, e.g. v1 for meta.k8s.io/v1 Table */
  transformVersion: string;
  transformGroup: string;
  stream: boolean;
}

interface AcceptClause {
  type: string;
  params: Map<string, string>;
  q: number;
  order: number;
}

export function parseMediaType(value: string): { type: string; params: Map<string, string> } {
  const [head, ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    params.set(
      p.slice(0, eq).trim().toLowerCase(),
      p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, ''),
    );
  }
  return { type: head.trim().toLowerCase(), params };
}

function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  header.split(',').forEach((part, order) => {
    if (!part.trim()) return;
    const { type, params } = parseMediaType(part);
    let q = 1;
    const qs = params.get('q');
    if (qs !== undefined) {
      const n = Number(qs);
      q = Number.isFinite(n) ? n : 0;
      params.delete('q');
    }
    if (q > 0) clauses.push({ type, params, q, order });
  });
  return clauses.sort((a, b) => b.q - a.q || a.order - b.order);
}

function mediaFor(type: string, allowProtobuf: boolean): OutputMedia | undefined {
  switch (type) {
    case 'application/json':
    case '*/*':
    case 'application/*':
      return MEDIA_JSON;
    case 'application/yaml':
      return MEDIA_YAML;
    case 'application/vnd.kubernetes.protobuf':
      return allowProtobuf ? MEDIA_PROTOBUF : undefined;
    default:
      return undefined;
  }
}

const TRANSFORMS: Record<string, { groups: string[]; versions: string[] }> = {
  Table: { groups: ['meta.k8s.io'], versions: ['v1', 'v1beta1'] },
  PartialObjectMetadata: { groups: ['meta.k8s.io'], versions: ['v1', 'v1beta1'] },
  PartialObjectMetadataList: { groups: ['meta.k8s.io'], versions: ['v1', 'v1beta1'] },
  APIGroupDiscoveryList: { groups: ['apidiscovery.k8s.io'], versions: ['v2'] },
};

/**
 * Picks the response format from Accept as upstream does: clauses in q order, the
 * first one the server can produce wins; `as=` transforms are honoured only where
 * the endpoint allows them. No acceptable clause → 406.
 */
export function negotiate(
  acceptHeader: string | undefined,
  opts: { allowProtobuf: boolean; transforms: Transform[]; stream?: boolean },
): Negotiated {
  const header = acceptHeader && acceptHeader.trim() ? acceptHeader : '*/*';
  for (const clause of parseAccept(header)) {
    const media = mediaFor(clause.type, opts.allowProtobuf);
    if (!media) continue;
    const as = clause.params.get('as') ?? '';
    if (as) {
      const spec = TRANSFORMS[as];
      const g = clause.params.get('g') ?? '';
      const v = clause.params.get('v') ?? '';
      if (!spec || !opts.transforms.includes(as as Transform)) continue;
      if (!spec.groups.includes(g) || !spec.versions.includes(v)) continue;
      if (media === MEDIA_PROTOBUF && as !== 'PartialObjectMetadata' && as !== 'PartialObjectMetadataList') continue;
      return { media, transform: as as Transform, transformGroup: g, transformVersion: v, stream: !!opts.stream };
    }
    return { media, transform: '', transformGroup: '', transformVersion: '', stream: !!opts.stream };
  }
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${supported(opts)}`);
}

function supported(opts: { allowProtobuf: boolean }): string {
  return opts.allowProtobuf ? `${MEDIA_JSON}, ${MEDIA_YAML}, ${MEDIA_PROTOBUF}` : `${MEDIA_JSON}, ${MEDIA_YAML}`;
}

export type InputMedia =
  'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

const INPUT_TYPES: Record<string, InputMedia> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/vnd.kubernetes.protobuf': 'protobuf',
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
  'application/apply-patch+yaml': 'apply-patch',
};

export function inputMedia(contentType: string | undefined, allowed: InputMedia[]): InputMedia {
  const type = contentType ? parseMediaType(contentType).type : 'application/json';
  const media = INPUT_TYPES[type];
  if (!media || !allowed.includes(media)) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${allowed.map(mediaName).join(', ')}`,
    );
  }
  return media;
}

function mediaName(m: InputMedia): string {
  return Object.entries(INPUT_TYPES).find(([, v]) => v === m)?.[0] ?? m;
}
