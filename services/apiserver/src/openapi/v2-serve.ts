import { StatusError } from '../api/errors';
import type { ApiRequest, BufferedResponse } from '../endpoints/types';

/** What client-go's discovery asks for (the `@` spelling) and what upstream answers with. */
export const OPENAPI_V2_PROTOBUF_MEDIA_TYPE = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface AcceptClause {
  type: string;
  subType: string;
  q: number;
}

/** Accept clauses best first: higher q, then concrete before wildcard (as goautoneg orders them). */
export function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim());
    if (!range) continue;
    const slash = range.indexOf('/');
    const type = slash < 0 ? range : range.slice(0, slash);
    const subType = slash < 0 ? '*' : range.slice(slash + 1);
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q) || q <= 0) continue;
    clauses.push({ type: type.toLowerCase(), subType: subType.toLowerCase(), q });
  }
  const rank = (c: AcceptClause): number => (c.type === '*' ? 2 : 0) + (c.subType === '*' ? 1 : 0);
  return clauses
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.q - a.c.q || rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

type V2Format = 'json' | 'protobuf';

const OFFERS: ReadonlyArray<{ subType: string; format: V2Format }> = [
  { subType: 'json', format: 'json' },
  { subType: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', format: 'protobuf' },
  { subType: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', format: 'protobuf' },
];

/** The encoding to serve for an Accept header; none (absent) means any; undefined → 406. */
export function negotiateOpenApiV2(accept: string | undefined): V2Format | undefined {
  const header = accept === undefined || accept.trim() === '' ? '*/*' : accept;
  for (const clause of parseAccept(header)) {
    if (clause.type !== 'application' && clause.type !== '*') continue;
    for (const offer of OFFERS) {
      if (clause.subType === offer.subType || clause.subType === '*') return offer.format;
    }
  }
  return undefined;
}

/** If-None-Match against a quoted ETag: `*`, or any listed tag, weak or strong. */
export function ifNoneMatchHits(header: string | undefined, quotedEtag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === quotedEtag);
}

/** GET /openapi/v2: JSON or gnostic protobuf by Accept, ETag (the JSON bytes' hash) and 304. */
export function openApiV2Response(
  req: ApiRequest,
  doc: { json: Buffer; protobuf: Buffer; etag: string },
): BufferedResponse {
  const format = negotiateOpenApiV2(req.headers.accept);
  if (!format) {
    throw new StatusError(
      406,
      'NotAcceptable',
      `only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF_MEDIA_TYPE}`,
    );
  }
  const etag = `"${doc.etag}"`;
  const headers: Record<string, string | string[]> = {
    'content-type': format === 'json' ? 'application/json' : OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
    etag,
    vary: 'Accept',
    'cache-control': 'no-cache, private',
  };
  if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
    delete headers['content-type'];
    return { kind: 'buffered', status: 304, headers, body: Buffer.alloc(0) };
  }
  return { kind: 'buffered', status: 200, headers, body: format === 'json' ? doc.json : doc.protobuf };
}
