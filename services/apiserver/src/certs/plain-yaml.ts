/**
 * Block YAML for documents of plain words: maps, lists of maps and strings that need no
 * quoting, laid out exactly as the yaml package's stringify lays them out (a test holds
 * the two equal). A start writes its kubeconfig with this instead of loading that package.
 */
export type PlainNode = string | PlainMap | PlainMap[];
export interface PlainMap {
  [key: string]: PlainNode;
}

// letters first (never a number, a date or an indicator), then no space, quote, comment or flow character
const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9+/=._:[\]-]*$/;
// words the YAML 1.1 and 1.2 core schemas read as something other than a string
const NOT_A_STRING = /^(true|false|null|yes|no|on|off|y|n)$/i;

function plainWord(s: string): boolean {
  return PLAIN_WORD.test(s) && !s.endsWith(':') && !NOT_A_STRING.test(s);
}

function isMap(node: PlainNode): node is PlainMap {
  return typeof node === 'object' && !Array.isArray(node);
}

/** The lines of a map's entries at `indent`; undefined when a key or a value is not a plain word. */
function mapLines(map: PlainMap, indent: string, out: string[], firstPrefix = indent): boolean {
  let prefix = firstPrefix;
  for (const [key, value] of Object.entries(map)) {
    if (!plainWord(key)) return false;
    if (typeof value === 'string') {
      if (!plainWord(value)) return false;
      out.push(`${prefix}${key}: ${value}`);
    } else if (Array.isArray(value)) {
      if (value.length === 0) {
        out.push(`${prefix}${key}: []`);
      } else {
        out.push(`${prefix}${key}:`);
        for (const item of value) {
          if (!isMap(item) || Object.keys(item).length === 0) return false;
          if (!mapLines(item, `${indent}    `, out, `${indent}  - `)) return false;
        }
      }
    } else if (Object.keys(value).length === 0) {
      out.push(`${prefix}${key}: {}`);
    } else {
      out.push(`${prefix}${key}:`);
      if (!mapLines(value, `${indent}  `, out)) return false;
    }
    prefix = indent;
  }
  return true;
}

/** The document as the yaml package would write it, or undefined when it holds anything but plain words. */
export function plainYaml(doc: PlainMap): string | undefined {
  const out: string[] = [];
  return Object.keys(doc).length > 0 && mapLines(doc, '', out) ? `${out.join('\n')}\n` : undefined;
}
