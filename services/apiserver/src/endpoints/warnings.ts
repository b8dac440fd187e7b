/**
 * Warning response headers as kube-apiserver's warning recorder writes them: deduplicated by
 * text, each `299 - "<text>"`, and bounded. While the texts total at most 4,096 runes every
 * warning is sent whole; the warning that would cross that line switches to truncation: from
 * then on every warning (those already sent included) is cut to its first 256 runes, and
 * warnings keep being added only while the running total is still below 4,096 runes. Whatever
 * comes after is dropped silently (upstream adds no summary warning). A warning whose text holds
 * control characters cannot be a header value and is left out, as upstream's header builder
 * refuses it.
 */

/** Upstream's truncateAtTotalRunes and truncateItemRunes. */
export const WARNING_TOTAL_RUNES = 4 * 1024;
export const WARNING_ITEM_RUNES = 256;

/** Code points, as Go counts runes (a lone surrogate is one rune: it stands for U+FFFD there). */
function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The first max runes, never splitting a surrogate pair. */
function firstRunes(s: string, max: number): string {
  let n = 0;
  let i = 0;
  while (i < s.length && n < max) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    i += pair ? 2 : 1;
    n++;
  }
  return s.slice(0, i);
}

/** Lone surrogates become U+FFFD, as Go's decoders leave them in a string. */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

// Go's unicode.IsControl: C0, DEL and C1
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The header value for one warning, or undefined when upstream would refuse to build it.
 * `"` and `\` are backslash-escaped and everything else is sent as is, in UTF-8: Node writes
 * header strings as Latin-1, so the text goes out as its UTF-8 bytes, one char per byte.
 */
export function warningHeaderValue(text: string): string | undefined {
  if (CONTROL.test(text)) return undefined;
  const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `299 - ${Buffer.from(quoted, 'utf8').toString('latin1')}`;
}

/** The recorder's state over one request; add() in the order the warnings arise. */
export class WarningRecorder {
  private readonly recorded = new Set<string>();
  private readonly ordered: string[] = [];
  private written = 0;
  private truncating = false;
  private headers: string[] = [];

  add(raw: string): void {
    if (raw.length === 0) return;
    if (this.truncating && this.written >= WARNING_TOTAL_RUNES) return;
    const text = wellFormed(raw);
    if (this.recorded.has(text)) return;
    this.recorded.add(text);
    this.ordered.push(text);
    let shown = text;
    let runes = runeCount(text);
    if (this.truncating && runes > WARNING_ITEM_RUNES) {
      shown = firstRunes(text, WARNING_ITEM_RUNES);
      runes = WARNING_ITEM_RUNES;
    }
    const header = warningHeaderValue(shown);
    if (header === undefined) return;
    if (this.truncating || this.written + runes <= WARNING_TOTAL_RUNES) {
      this.written += runes;
      this.headers.push(header);
      return;
    }
    // over the total for the first time: replay everything so far, each cut to its item limit
    this.truncating = true;
    this.written = 0;
    this.headers = [];
    for (const earlier of this.ordered) {
      let t = earlier;
      let n = runeCount(earlier);
      if (n > WARNING_ITEM_RUNES) {
        t = firstRunes(earlier, WARNING_ITEM_RUNES);
        n = WARNING_ITEM_RUNES;
      }
      const h = warningHeaderValue(t);
      if (h === undefined) continue;
      this.written += n;
      this.headers.push(h);
    }
  }

  /** No further warning can be added. */
  full(): boolean {
    return this.truncating && this.written >= WARNING_TOTAL_RUNES;
  }

  values(): string[] {
    return [...this.headers];
  }
}

/** The `warning` header values for a response carrying these warnings, in order. */
export function warningHeaders(warnings: string[]): Record<string, string[]> {
  const recorder = new WarningRecorder();
  for (const w of warnings) {
    recorder.add(w);
    // once truncating past the total nothing more is taken: stop looking at the rest
    if (recorder.full()) break;
  }
  const values = recorder.values();
  return values.length > 0 ? { warning: values } : {};
}
