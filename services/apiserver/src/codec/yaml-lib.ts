type Yaml = typeof import('yaml');

let yaml: Yaml | undefined;

/**
 * The yaml package (some 70 modules, ~35 ms of CPU to load), loaded at its first use:
 * a YAML request or response, or a config file given by flag. A start that reads no
 * such file needs none of it.
 */
export function yamlLib(): Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  yaml ??= require('yaml') as Yaml;
  return yaml;
}
