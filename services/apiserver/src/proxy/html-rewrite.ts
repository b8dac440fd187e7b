import zlib from 'node:zlib';

/** The attributes upstream's proxy treats as links, per element. */
const LINK_ATTRIBUTES: Record<string, readonly string[]> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};
/** Elements whose content is text, not markup: tags inside them are not tags. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

const ATTRIBUTE = /([^\s"'>/=]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;

/** One start tag from `<` at `start`: its name, end, and text with link attributes rewritten. */
function rewriteTag(
  html: string,
  start: number,
  rewrite: (url: string) => string,
): { name: string; end: number; text: string } {
  const nameMatch = /^<([a-zA-Z][^\s/>]*)/.exec(html.slice(start, start + 64));
  const name = (nameMatch?.[1] ?? '').toLowerCase();
  const links = LINK_ATTRIBUTES[name] ?? [];
  let i = start + (nameMatch?.[0].length ?? 1);
  let text = html.slice(start, i);
  while (i < html.length && html[i] !== '>') {
    const ws = /[\s/]+/y;
    ws.lastIndex = i;
    const gap = ws.exec(html);
    if (gap) {
      text += gap[0];
      i += gap[0].length;
      continue;
    }
    ATTRIBUTE.lastIndex = i;
    const attr = ATTRIBUTE.exec(html);
    if (!attr) {
      text += html[i];
      i++;
      continue;
    }
    const value = attr[3] ?? attr[4] ?? attr[5];
    if (value !== undefined && links.includes(attr[1].toLowerCase())) {
      text +=
        attr[0].slice(0, attr[0].lastIndexOf(value)) +
        rewrite(value) +
        attr[0].slice(attr[0].lastIndexOf(value) + value.length);
    } else {
      text += attr[0];
    }
    i += attr[0].length;
  }
  return { name, end: Math.min(i + 1, html.length), text: text + (i < html.length ? '>' : '') };
}

/**
 * An HTML page with its links rewritten, as upstream's proxy does for
 * text/html: start tags' link attributes go through `rewrite`; everything
 * else (text, comments, script bodies) is copied as it is.
 */
export function rewriteHtmlLinks(html: string, rewrite: (url: string) => string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    if (!/^<[a-zA-Z]/.test(html.slice(lt, lt + 2))) {
      out += '<';
      i = lt + 1;
      continue;
    }
    const tag = rewriteTag(html, lt, rewrite);
    out += tag.text;
    i = tag.end;
    if (RAW_TEXT.has(tag.name)) {
      const close = html.toLowerCase().indexOf(`</${tag.name}`, i);
      const stop = close < 0 ? html.length : close;
      out += html.slice(i, stop);
      i = stop;
    }
  }
  return out + html.slice(i);
}

/**
 * The body's links rewritten through its Content-Encoding (gzip, or raw
 * deflate as Go's flate reads it); undefined for an encoding upstream leaves
 * alone.
 */
export function rewriteHtmlBody(body: Buffer, encoding: string, rewrite: (url: string) => string): Buffer | undefined {
  if (encoding === '') return Buffer.from(rewriteHtmlLinks(body.toString('utf8'), rewrite));
  if (encoding === 'gzip') return zlib.gzipSync(rewriteHtmlLinks(zlib.gunzipSync(body).toString('utf8'), rewrite));
  if (encoding === 'deflate')
    return zlib.deflateRawSync(rewriteHtmlLinks(zlib.inflateRawSync(body).toString('utf8'), rewrite));
  return undefined;
}
