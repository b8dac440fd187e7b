import { existsSync, readFileSync } from 'node:fs';
import { yamlLib } from '../codec/yaml-lib';

/** What a TracingConfiguration file says, defaults applied as upstream's tracing.NewProvider does. */
export interface TracingConfig {
  /** host:port (or a gRPC dns:, unix: or unix-abstract: target) of the OTLP gRPC collector */
  endpoint: string;
  /** 0 samples only requests whose sampled parent asks for it; 1,000,000 samples every request */
  samplingRatePerMillion: number;
}

export const TRACING_CONFIG_GROUP = 'apiserver.config.k8s.io';
const VERSIONS = new Set([`${TRACING_CONFIG_GROUP}/v1alpha1`, `${TRACING_CONFIG_GROUP}/v1beta1`]);
const KIND = 'TracingConfiguration';
const FIELDS = new Set(['apiVersion', 'kind', 'endpoint', 'samplingRatePerMillion']);
const DEFAULT_ENDPOINT = 'localhost:4317';
const MAX_RATE = 1_000_000;
const INT32_MAX = 2 ** 31 - 1;

export class TracingConfigError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's %v of a field value in a field.Invalid message: strings quoted, numbers bare. */
function shown(v: string | number): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function invalid(field: string, value: string | number, detail: string): string {
  return `${field}: Invalid value: ${shown(value)}: ${detail}`;
}

function validateRate(rate: number): string[] {
  const errs: string[] = [];
  if (rate < 0) errs.push(invalid('samplingRatePerMillion', rate, 'sampling rate must be positive'));
  if (rate > MAX_RATE) {
    errs.push(
      invalid('samplingRatePerMillion', rate, 'sampling rate per million must be less than or equal to one million'),
    );
  }
  return errs;
}

/** The endpoint must name a gRPC resolver upstream's client knows: a bare host:port means dns. */
function validateEndpoint(endpoint: string): string[] {
  const target = endpoint.includes('//') ? endpoint : `dns://${endpoint}`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(target)?.[1]?.toLowerCase() ?? '';
  if (scheme === 'dns' || scheme === 'unix' || scheme === 'unix-abstract') return [];
  return [
    invalid(
      'endpoint',
      target,
      `unsupported scheme: ${scheme}.  Options are none, dns, unix, or unix-abstract.  See https://github.com/grpc/grpc/blob/master/doc/naming.md`,
    ),
  ];
}

/** Go's aggregate error text: one error alone, several in brackets. */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? (errs[0] ?? '') : `[${errs.join(', ')}]`;
}

function decode(text: string): TracingConfig {
  let doc: unknown;
  try {
    doc = yamlLib().parse(text);
  } catch (e) {
    throw new TracingConfigError(`unable to decode tracing configuration data: ${(e as Error).message}`);
  }
  if (!isRecord(doc) || !doc.kind) {
    throw new TracingConfigError(
      `unable to decode tracing configuration data: Object 'Kind' is missing in '${text.trim()}'`,
    );
  }
  const apiVersion = String(doc.apiVersion ?? '');
  const kind = String(doc.kind);
  if (!VERSIONS.has(apiVersion) || kind !== KIND) {
    throw new TracingConfigError(
      `unable to decode tracing configuration data: no kind "${kind}" is registered for version "${apiVersion}"`,
    );
  }
  const unknown = Object.keys(doc).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    throw new TracingConfigError(
      `unable to decode tracing configuration data: strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`,
    );
  }
  const { endpoint, samplingRatePerMillion: rate } = doc;
  if (endpoint !== undefined && endpoint !== null && typeof endpoint !== 'string') {
    throw new TracingConfigError(
      'unable to decode tracing configuration data: json: cannot unmarshal number into Go struct field TracingConfiguration.endpoint of type string',
    );
  }
  if (
    rate !== undefined &&
    rate !== null &&
    (typeof rate !== 'number' || !Number.isInteger(rate) || Math.abs(rate) > INT32_MAX)
  ) {
    throw new TracingConfigError(
      `unable to decode tracing configuration data: json: cannot unmarshal ${typeof rate === 'string' ? 'string' : 'number'} into Go struct field TracingConfiguration.samplingRatePerMillion of type int32`,
    );
  }
  return { endpoint: endpoint ?? DEFAULT_ENDPOINT, samplingRatePerMillion: rate ?? 0 };
}

/**
 * Reads and validates --tracing-config-file as upstream's TracingOptions do,
 * with upstream's messages; throws TracingConfigError.
 */
export function readTracingConfig(file: string): TracingConfig {
  if (!existsSync(file)) throw new TracingConfigError(`tracing-config-file ${file} does not exist`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TracingConfigError(
      `failed to read tracing config: unable to read tracing configuration from ${JSON.stringify(file)}: ${(e as Error).message}`,
    );
  }
  let config: TracingConfig;
  try {
    config = decode(text);
  } catch (e) {
    throw new TracingConfigError(`failed to read tracing config: ${(e as Error).message}`);
  }
  const errs = [...validateRate(config.samplingRatePerMillion), ...validateEndpoint(config.endpoint)];
  if (errs.length > 0) throw new TracingConfigError(`failed to validate tracing configuration: ${aggregate(errs)}`);
  return config;
}
