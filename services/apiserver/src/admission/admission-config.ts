import { readFileSync } from 'node:fs';
import path from 'node:path';
import { yamlLib } from '../codec/yaml-lib';

/**
 * --admission-control-config-file: an apiserver.config.k8s.io/v1 AdmissionConfiguration
 * naming, per plugin, its configuration inline or a file holding it (relative to the
 * configuration file's directory). Each plugin reads its own entry; a plugin
 * without one runs with its defaults.
 */

const ADMISSION_CONFIG_API_VERSIONS = new Set([
  'apiserver.config.k8s.io/v1',
  'apiserver.config.k8s.io/v1alpha1',
  'apiserver.k8s.io/v1alpha1',
]);

export type PluginConfiguration = Record<string, unknown>;

export interface AdmissionConfigFile {
  /** the plugin's configuration object, or undefined when the file names none for it */
  pluginConfig(name: string): PluginConfiguration | undefined;
}

const NONE: AdmissionConfigFile = { pluginConfig: () => undefined };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseDocument(text: string, source: string): unknown {
  try {
    return yamlLib().parse(text);
  } catch (e) {
    throw new Error(`unable to read admission control configuration from "${source}" [${(e as Error).message}]`);
  }
}

/** Reads and checks the file once; a broken file stops the replica from starting, as upstream. */
export function parseAdmissionConfig(
  text: string,
  source: string,
  readRelative: (p: string) => string,
): AdmissionConfigFile {
  const doc = parseDocument(text, source);
  if (!isObject(doc)) throw new Error(`unable to read admission control configuration from "${source}": not an object`);
  if (
    doc.kind !== 'AdmissionConfiguration' ||
    typeof doc.apiVersion !== 'string' ||
    !ADMISSION_CONFIG_API_VERSIONS.has(doc.apiVersion)
  ) {
    throw new Error(
      `unable to read admission control configuration from "${source}": expected kind AdmissionConfiguration in apiserver.config.k8s.io/v1, got ${String(doc.kind)} in ${String(doc.apiVersion)}`,
    );
  }
  const byName = new Map<string, PluginConfiguration | undefined>();
  const plugins = doc.plugins ?? [];
  if (!Array.isArray(plugins)) throw new Error(`admission control configuration "${source}": plugins must be a list`);
  for (const entry of plugins) {
    if (!isObject(entry) || typeof entry.name !== 'string' || entry.name === '') {
      throw new Error(`admission control configuration "${source}": every plugin needs a name`);
    }
    let config: PluginConfiguration | undefined;
    if (entry.configuration !== undefined && entry.configuration !== null) {
      if (!isObject(entry.configuration))
        throw new Error(
          `admission control configuration "${source}": plugin ${entry.name}: configuration must be an object`,
        );
      config = entry.configuration;
    } else if (typeof entry.path === 'string' && entry.path !== '') {
      const inner = parseDocument(readRelative(entry.path), entry.path);
      if (!isObject(inner))
        throw new Error(`admission control configuration "${entry.path}" for plugin ${entry.name}: not an object`);
      config = inner;
    }
    byName.set(entry.name, config);
  }
  return { pluginConfig: (name) => byName.get(name) };
}

/** The configuration file of --admission-control-config-file ('' for none); a plugin reads it when it is built. */
export function admissionConfigFile(file: string): AdmissionConfigFile {
  if (!file) return NONE;
  const dir = path.dirname(path.resolve(file));
  return parseAdmissionConfig(readFileSync(file, 'utf8'), file, (p) => readFileSync(path.resolve(dir, p), 'utf8'));
}
