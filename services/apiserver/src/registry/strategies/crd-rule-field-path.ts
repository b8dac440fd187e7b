import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

/** A rule's fieldPath split into names: `.a.b` and `['a.b']` steps (upstream's ValidFieldPath tokens). */
function steps(path: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '.') {
      const end = path.slice(i + 1).search(/[.[]/);
      const name = end < 0 ? path.slice(i + 1) : path.slice(i + 1, i + 1 + end);
      if (name === '') return undefined;
      out.push(name);
      i += 1 + name.length;
    } else if (path.startsWith("['", i)) {
      let j = i + 2;
      let name = '';
      while (j < path.length && path[j] !== "'") {
        if (path[j] === '\\' && j + 1 < path.length) j++;
        name += path[j];
        j++;
      }
      if (!path.startsWith("']", j)) return undefined;
      out.push(name);
      i = j + 2;
    } else {
      return undefined;
    }
  }
  return out;
}

/** Whether a rule's fieldPath names fields (or map keys) the schema below the rule has. */
export function fieldPathValid(schema: JSONSchemaProps, path: string): boolean {
  const names = steps(path);
  if (!names) return false;
  let node: JSONSchemaProps | undefined = schema;
  for (const name of names) {
    if (!node) return false;
    if (node.properties) node = node.properties[name];
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else return false;
  }
  return node !== undefined;
}
