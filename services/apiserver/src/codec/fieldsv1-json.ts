/**
 * A reader for the JSON of managedFields' FieldsV1, the one raw JSON value every stored object
 * carries and whose size follows the object's: a ConfigMap of 200,000 keys has 200,000 `{}`
 * leaves there, each a fresh object from JSON.parse. This reader knows the shape (objects of
 * objects, as the server writes them: no whitespace) and gives every leaf the same frozen `{}`;
 * anything else (spaces, escapes, other values) goes to JSON.parse unchanged, so results equal
 * JSON.parse's for every input.
 */
import type { JsonValue } from '../api/object';

type JsonObject = { [key: string]: JsonValue };

const EMPTY: JsonObject = Object.freeze({}) as JsonObject;

class NotCompact extends Error {}

function setKey(target: JsonObject, key: string, value: JsonValue): void {
  // a stored key is data, whatever its name
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Parses FieldsV1 text; the same value JSON.parse returns (throws where JSON.parse throws). */
export function parseFieldsV1Json(text: string): JsonValue {
  try {
    return parseCompact(text);
  } catch (e) {
    if (e instanceof NotCompact) return JSON.parse(text) as JsonValue;
    throw e;
  }
}

function parseCompact(text: string): JsonValue {
  const n = text.length;
  let i = 0;
  // the open objects, innermost last, and their key in the parent
  const stack: JsonObject[] = [];
  const keyStack: string[] = [];
  let root: JsonObject | undefined;
  if (text.charCodeAt(0) !== 123) throw new NotCompact();
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 123) {
      // `{}`: a leaf
      if (text.charCodeAt(i + 1) === 125) {
        i += 2;
        if (stack.length === 0) return i === n ? EMPTY : notCompact();
        setKey(stack[stack.length - 1], keyStack.pop() as string, EMPTY);
      } else {
        const obj: JsonObject = {};
        if (stack.length === 0) {
          if (root) notCompact();
          root = obj;
        }
        stack.push(obj);
        i++;
        i = readKey(text, i, keyStack);
        continue;
      }
    } else if (c === 125) {
      const done = stack.pop() as JsonObject;
      i++;
      if (stack.length === 0) return i === n ? (root as JsonObject) : notCompact();
      setKey(stack[stack.length - 1], keyStack.pop() as string, done);
    } else {
      notCompact();
    }
    // after a value: `,` and the next key, or `}`
    const d = text.charCodeAt(i);
    if (d === 44) i = readKey(text, i + 1, keyStack);
    else if (d !== 125) notCompact();
  }
}

function notCompact(): never {
  throw new NotCompact();
}

/** Reads `"key":` at i, pushing the key; the index of the value. */
function readKey(text: string, i: number, keys: string[]): number {
  if (text.charCodeAt(i) !== 34) notCompact();
  const close = text.indexOf('"', i + 1);
  if (close < 0) notCompact();
  const key = text.slice(i + 1, close);
  // escapes (and the control characters JSON forbids raw) are JSON.parse's business
  if (key.includes('\\') || /[\u0000-\u001f]/.test(key)) notCompact();
  if (text.charCodeAt(close + 1) !== 58) notCompact();
  keys.push(key);
  return close + 2;
}
