// kube-apiserver writes YAML by converting its JSON with sigs.k8s.io/yaml (go-yaml v2):
// map keys sorted, sequences not indented under their key, YAML 1.1 scalar resolution
// (so strings that look like timestamps, numbers or yes/no are quoted), no line folding,
// and never anchors: kapi's decoded objects may share one instance in two places.
import { yamlLib } from './yaml-lib';
import type { Pair } from 'yaml';

const isLetter = (ch: string): boolean => /\p{L}/u.test(ch);
const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';

/**
 * go-yaml v2's key order: letters compare by code point, anything else sorts before a
 * letter, and runs of digits compare by their numeric value (so "a2" < "a10").
 */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    // a zero after a non-zero digit belongs to a larger number: compare as equal prefixes
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

function keyText(p: Pair): string {
  const k = p.key as { value?: unknown } | string | null;
  if (k !== null && typeof k === 'object' && 'value' in k) return String(k.value);
  return String(k);
}

function compareKeys(x: Pair, y: Pair): number {
  const a = keyText(x);
  const b = keyText(y);
  if (a === b) return 0;
  return goYamlKeyLess(a, b) ? -1 : 1;
}

/** The YAML kube-apiserver sends for an object it would send as this JSON value. */
export function encodeYaml(value: unknown): string {
  return yamlLib().stringify(value, {
    lineWidth: 0,
    sortMapEntries: compareKeys,
    indentSeq: false,
    schema: 'yaml-1.1',
    aliasDuplicateObjects: false,
  });
}
