/**
 * The labels of a protobuf-encoded object, read from its bytes alone: the entries of
 * the map field `labelsField` inside the message field `metadataField`. Returns
 * undefined when there are none (as a decoded object has no labels member), null when
 * the bytes are not laid out as one metadata message of well-formed fields, for the
 * caller to decode them properly instead.
 */
export function labelsFromMessage(
  buf: Buffer,
  metadataField: number,
  labelsField: number,
): Record<string, string> | undefined | null {
  const meta = onlyField(buf, 0, buf.length, metadataField);
  if (meta === null) return null;
  if (meta === undefined) return undefined;
  let labels: Record<string, string> | undefined;
  let pos = meta.start;
  while (pos < meta.end) {
    const tag = readVarint(buf, pos, meta.end);
    if (tag === null) return null;
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === labelsField && wire === 2) {
      const len = readVarint(buf, pos, meta.end);
      if (len === null || len.next + len.value > meta.end) return null;
      const entry = mapEntry(buf, len.next, len.next + len.value);
      if (entry === null) return null;
      labels ??= {};
      // a repeated key: the later entry wins, as in decoding
      labels[entry[0]] = entry[1];
      pos = len.next + len.value;
      continue;
    }
    const next = skip(buf, pos, meta.end, wire);
    if (next === null) return null;
    pos = next;
  }
  return labels;
}

/** The one occurrence of a length-delimited field: undefined if absent, null if repeated or malformed. */
function onlyField(
  buf: Buffer,
  start: number,
  end: number,
  want: number,
): { start: number; end: number } | undefined | null {
  let found: { start: number; end: number } | undefined;
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    if (tag === null) return null;
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === want) {
      // a second occurrence would be merged into the first by a decoder: leave that to one
      if (wire !== 2 || found) return null;
      const len = readVarint(buf, pos, end);
      if (len === null || len.next + len.value > end) return null;
      found = { start: len.next, end: len.next + len.value };
      pos = found.end;
      continue;
    }
    const next = skip(buf, pos, end, wire);
    if (next === null) return null;
    pos = next;
  }
  return found;
}

/** A map<string, string> entry: key field 1, value field 2 (either may be absent: ""). */
function mapEntry(buf: Buffer, start: number, end: number): [string, string] | null {
  let key = '';
  let value = '';
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    if (tag === null) return null;
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if ((field === 1 || field === 2) && wire === 2) {
      const len = readVarint(buf, pos, end);
      if (len === null || len.next + len.value > end) return null;
      const text = buf.toString('utf8', len.next, len.next + len.value);
      if (field === 1) key = text;
      else value = text;
      pos = len.next + len.value;
      continue;
    }
    const next = skip(buf, pos, end, wire);
    if (next === null) return null;
    pos = next;
  }
  return [key, value];
}

function readVarint(buf: Buffer, pos: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && pos < end; i++) {
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value <= Number.MAX_SAFE_INTEGER ? { value, next: pos } : null;
    scale *= 128;
  }
  return null;
}

/** Past one field's value of wire type `wire`; null for groups or truncated bytes. */
function skip(buf: Buffer, pos: number, end: number, wire: number): number | null {
  switch (wire) {
    case 0: {
      const v = readVarint(buf, pos, end);
      return v === null ? null : v.next;
    }
    case 1:
      return pos + 8 <= end ? pos + 8 : null;
    case 2: {
      const len = readVarint(buf, pos, end);
      return len === null || len.next + len.value > end ? null : len.next + len.value;
    }
    case 5:
      return pos + 4 <= end ? pos + 4 : null;
    default:
      return null;
  }
}
