import { readFileSync } from 'node:fs';
import { yamlLib } from '../../codec/yaml-lib';
import { secretboxTransformer } from './secretbox';
import { aesCbcTransformer, aesGcmTransformer } from './aes';
import { grpcKmsService, type KmsService } from './kms-client';
import { KmsV2Provider } from './kmsv2';
import {
  identityTransformer,
  prefixTransformers,
  type PrefixedTransformer,
  type ValueTransformer,
} from './transformer';

export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';
export const ENCRYPTION_CONFIG_KIND = 'EncryptionConfiguration';

const PREFIX = {
  aescbc: 'k8s:enc:aescbc:v1:',
  aesgcm: 'k8s:enc:aesgcm:v1:',
  secretbox: 'k8s:enc:secretbox:v1:',
  kmsV2: 'k8s:enc:kms:v2:',
};

const DEFAULT_KMS_TIMEOUT_MS = 3000;

export interface KeyConfig {
  name: string;
  secret: string;
}
export interface KmsConfig {
  apiVersion: string;
  name: string;
  endpoint: string;
  cachesize?: number;
  timeoutMs: number;
}
export type ProviderConfig =
  | { identity: Record<string, never> }
  | { aescbc: { keys: KeyConfig[] } }
  | { aesgcm: { keys: KeyConfig[] } }
  | { secretbox: { keys: KeyConfig[] } }
  | { kms: KmsConfig }
  /** An element naming several providers (or none): refused by validation. */
  | { multiple: string[] };

export interface ResourceConfig {
  resources: string[];
  providers: ProviderConfig[];
}
export interface EncryptionConfiguration {
  resources: ResourceConfig[];
}

export class EncryptionConfigError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Strict decoding as upstream: a field the schema does not know is an error, not ignored. */
function checkFields(path: string, obj: Record<string, unknown>, allowed: string[], errs: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) errs.push(`unknown field "${path ? `${path}.` : ''}${k}"`);
  }
}

/** Go duration syntax ("3s", "1m30s", "500ms"), in milliseconds; NaN when malformed. */
export function parseGoDuration(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return NaN;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    total += Number(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === rest.length ? sign * total : NaN;
}

function parseKeys(path: string, v: unknown, errs: string[]): { keys: KeyConfig[] } {
  const keys: KeyConfig[] = [];
  if (!isRecord(v)) return { keys };
  checkFields(path, v, ['keys'], errs);
  const list = Array.isArray(v.keys) ? v.keys : [];
  list.forEach((k, i) => {
    if (!isRecord(k)) return;
    checkFields(`${path}.keys[${i}]`, k, ['name', 'secret'], errs);
    keys.push({ name: String(k.name ?? ''), secret: String(k.secret ?? '') });
  });
  return { keys };
}

function parseProvider(path: string, v: unknown, errs: string[]): ProviderConfig[] {
  if (!isRecord(v)) return [];
  checkFields(path, v, ['identity', 'aescbc', 'aesgcm', 'secretbox', 'kms'], errs);
  const out: ProviderConfig[] = [];
  if (v.identity !== undefined && v.identity !== null) out.push({ identity: {} });
  if (v.aescbc !== undefined && v.aescbc !== null) out.push({ aescbc: parseKeys(`${path}.aescbc`, v.aescbc, errs) });
  if (v.aesgcm !== undefined && v.aesgcm !== null) out.push({ aesgcm: parseKeys(`${path}.aesgcm`, v.aesgcm, errs) });
  if (v.secretbox !== undefined && v.secretbox !== null)
    out.push({ secretbox: parseKeys(`${path}.secretbox`, v.secretbox, errs) });
  if (isRecord(v.kms)) {
    const k = v.kms;
    checkFields(`${path}.kms`, k, ['apiVersion', 'name', 'endpoint', 'cachesize', 'timeout'], errs);
    const apiVersion = typeof k.apiVersion === 'string' && k.apiVersion !== '' ? k.apiVersion : 'v1';
    const timeoutMs = k.timeout === undefined ? DEFAULT_KMS_TIMEOUT_MS : parseGoDuration(String(k.timeout));
    if (Number.isNaN(timeoutMs)) errs.push(`time: invalid duration "${String(k.timeout)}"`);
    out.push({
      kms: {
        apiVersion,
        name: String(k.name ?? ''),
        endpoint: String(k.endpoint ?? ''),
        // upstream defaults the cache size for v1 only; v2 refuses one
        cachesize: typeof k.cachesize === 'number' ? k.cachesize : apiVersion === 'v1' ? 1000 : undefined,
        timeoutMs,
      },
    });
  }
  if (out.length > 1) return [{ multiple: out.map((p) => Object.keys(p)[0]) }];
  return out.length > 0 ? out : [{ multiple: [] }];
}

/** Decodes the file's YAML or JSON; only apiserver.config.k8s.io/v1 EncryptionConfiguration is known, as upstream. */
export function parseEncryptionConfiguration(text: string, file: string): EncryptionConfiguration {
  let doc: unknown;
  try {
    doc = yamlLib().parse(text);
  } catch (e) {
    throw new EncryptionConfigError(
      `error decoding encryption provider configuration file "${file}": ${(e as Error).message}`,
    );
  }
  if (!isRecord(doc)) {
    throw new EncryptionConfigError(
      `error decoding encryption provider configuration file "${file}": Object 'Kind' is missing`,
    );
  }
  const apiVersion = String(doc.apiVersion ?? '');
  const kind = String(doc.kind ?? '');
  if (kind === '') {
    throw new EncryptionConfigError(
      `error decoding encryption provider configuration file "${file}": Object 'Kind' is missing in '${text.trim()}'`,
    );
  }
  if (apiVersion !== ENCRYPTION_CONFIG_API_VERSION || kind !== ENCRYPTION_CONFIG_KIND) {
    throw new EncryptionConfigError(
      `error decoding encryption provider configuration file "${file}": no kind "${kind}" is registered for version "${apiVersion}"`,
    );
  }
  const errs: string[] = [];
  checkFields('', doc, ['apiVersion', 'kind', 'resources'], errs);
  const resources: ResourceConfig[] = [];
  const list = Array.isArray(doc.resources) ? doc.resources : [];
  list.forEach((r, i) => {
    if (!isRecord(r)) return;
    checkFields(`resources[${i}]`, r, ['resources', 'providers'], errs);
    const names = Array.isArray(r.resources) ? r.resources.map(String) : [];
    const providers = (Array.isArray(r.providers) ? r.providers : []).flatMap((p, j) =>
      parseProvider(`resources[${i}].providers[${j}]`, p, errs),
    );
    resources.push({ resources: names, providers });
  });
  if (errs.length > 0) {
    throw new EncryptionConfigError(
      `error decoding encryption provider configuration file "${file}": strict decoding error: ${errs.join(', ')}`,
    );
  }
  return { resources };
}

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];

function goValue(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return `[]string{${v.map((x) => `"${String(x)}"`).join(', ')}}`;
  return String(v);
}

function decodeBase64Strict(s: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

/** upstream's ValidateEncryptionConfiguration (reload off), with its field paths and messages. */
export function validateEncryptionConfiguration(c: EncryptionConfiguration): string[] {
  const errs: string[] = [];
  const required = (path: string, msg: string): number => errs.push(`${path}: Required value: ${msg}`);
  const invalid = (path: string, value: unknown, msg: string): number =>
    errs.push(`${path}: Invalid value: ${goValue(value)}: ${msg}`);
  if (c.resources.length === 0) {
    required('resources', 'at least one resources is required');
    return errs;
  }
  const kmsNames = new Set<string>();
  c.resources.forEach((conf, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    if (conf.resources.length === 0) required(r, `at least one ${r} is required`);
    validateOverlap(conf.resources, r, invalid);
    conf.resources.forEach((res, j) => {
      const jj = `${r}[${j}]`;
      const gr = parseGroupResource(res);
      if (res.toLowerCase() !== res) invalid(jj, res, 'resource name should not contain capital letters');
      else if (res === '*')
        invalid(jj, res, "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources");
      else if (['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'].includes(res))
        invalid(jj, res, 'resources which do not have REST API/s cannot be encrypted');
      else if (gr.group === 'events.k8s.io')
        invalid(
          jj,
          res,
          "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file",
        );
      else if (gr.group === 'extensions')
        invalid(jj, res, "'extensions' group has been removed and cannot be used for encryption");
      else if (gr.group === '*' && gr.resource !== '*')
        invalid(jj, res, 'encrypting the same resource across groups is not supported');
    });
    if (conf.providers.length === 0) required(p, `at least one ${p} is required`);
    conf.providers.forEach((provider, j) => {
      const path = `${p}[${j}]`;
      if ('multiple' in provider) {
        if (provider.multiple.length === 0)
          invalid(
            path,
            '{}',
            'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
          );
        else
          invalid(
            path,
            `{${provider.multiple.join(', ')}}`,
            'more than one provider specified in a single element, should split into different list elements',
          );
        return;
      }
      if ('kms' in provider) {
        const k = provider.kms;
        const kp = `${path}.kms`;
        if (k.name === '') required(`${kp}.name`, 'name is a mandatory field for a provider');
        if (k.apiVersion !== 'v1' && k.name.includes(':'))
          invalid(`${kp}.name`, k.name, `invalid KMS provider name ${k.name}, must not contain ':'`);
        if (k.apiVersion !== 'v1' && kmsNames.has(k.name))
          invalid(`${kp}.name`, k.name, `duplicate KMS provider name ${k.name}, names must be unique`);
        kmsNames.add(k.name);
        if (!(k.timeoutMs > 0)) invalid(`${kp}.timeout`, `${k.timeoutMs}ms`, 'timeout should be a positive value');
        if (k.endpoint === '') invalid(`${kp}.endpoint`, '', 'endpoint is a mandatory field for a kms');
        else {
          const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(k.endpoint)?.[1] ?? '';
          if (scheme !== 'unix')
            invalid(
              `${kp}.endpoint`,
              k.endpoint,
              `unsupported scheme "${scheme}" for KMS provider, only unix is supported`,
            );
        }
        if (k.apiVersion !== 'v1' && k.cachesize !== undefined)
          invalid(`${kp}.cachesize`, k.cachesize, 'cachesize is not supported in v2');
        if (k.apiVersion === 'v1' && k.cachesize === 0)
          invalid(`${kp}.cachesize`, 0, 'cachesize should be a positive value, or negative to disable');
        if (k.apiVersion !== 'v1' && k.apiVersion !== 'v2')
          invalid(
            `${kp}.apiVersion`,
            k.apiVersion,
            'unsupported apiVersion apiVersion for KMS provider, only v1 and v2 are supported',
          );
      } else if ('aesgcm' in provider)
        validateKeys(provider.aesgcm.keys, `${path}.aesgcm.keys`, AES_KEY_SIZES, required, invalid);
      else if ('aescbc' in provider)
        validateKeys(provider.aescbc.keys, `${path}.aescbc.keys`, AES_KEY_SIZES, required, invalid);
      else if ('secretbox' in provider)
        validateKeys(provider.secretbox.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES, required, invalid);
    });
  });
  return errs;
}

function validateKeys(
  keys: KeyConfig[],
  path: string,
  sizes: number[],
  required: (p: string, m: string) => void,
  invalid: (p: string, v: unknown, m: string) => void,
): void {
  if (keys.length === 0) {
    required(path, 'at least one keys is required');
    return;
  }
  keys.forEach((key, i) => {
    const kp = `${path}[${i}]`;
    if (key.name === '') required(`${kp}.name`, 'name is a mandatory field for a key');
    if (key.secret === '') {
      required(`${kp}.secret`, 'secret is a mandatory field for a key');
      return;
    }
    const secret = decodeBase64Strict(key.secret);
    if (!secret) {
      invalid(`${kp}.secret`, 'REDACTED', 'secrets must be base64 encoded');
      return;
    }
    if (!sizes.includes(secret.length))
      invalid(
        `${kp}.secret`,
        'REDACTED',
        `secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`,
      );
  });
}

function validateOverlap(resources: string[], path: string, invalid: (p: string, v: unknown, m: string) => void): void {
  if (resources.length < 2) return;
  const grs = resources.map(parseGroupResource);
  let dup = false;
  let overlap = false;
  for (let i = 0; i < grs.length; i++) {
    for (let j = 0; j < grs.length; j++) {
      if (i === j) continue;
      const a = grs[i];
      const b = grs[j];
      if (a.group === b.group && a.resource === b.resource && !dup) {
        dup = true;
        continue;
      }
      if (overlap) continue;
      if (a.group === '*' && a.resource === '*') overlap = true;
      else if (a.group === b.group && (a.resource === '*' || b.resource === '*')) overlap = true;
    }
  }
  if (dup) invalid(path, resources, 'the same resource cannot be specified multiple times');
  if (overlap)
    invalid(
      path,
      resources,
      "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked",
    );
}

export interface GroupResource {
  group: string;
  resource: string;
}

/** schema.ParseGroupResource: "secrets" is core, "deployments.apps" is apps, "*." is every core resource. */
export function parseGroupResource(s: string): GroupResource {
  const dot = s.indexOf('.');
  if (dot < 0) return { group: '', resource: s };
  return { resource: s.slice(0, dot), group: s.slice(dot + 1) };
}

const grKey = (gr: GroupResource): string => `${gr.resource}.${gr.group}`;

/** The transformers of a loaded configuration, and the KMS v2 providers whose health /healthz and /readyz report. */
export interface ResourceTransformers {
  forResource(gr: GroupResource): ValueTransformer;
  readonly kmsProviders: KmsV2Provider[];
  stop(): void;
}

export interface BuildOptions {
  /** Opens a KMS v2 plugin connection; tests may substitute one. */
  kmsService?: (endpoint: string, timeoutMs: number) => KmsService;
}

function keyedTransformers(
  prefix: string,
  keys: KeyConfig[],
  make: (key: Buffer) => ValueTransformer,
  noMatch: string,
): PrefixedTransformer {
  const list = keys.map((k) => ({
    prefix: Buffer.from(`${k.name}:`),
    transformer: make(Buffer.from(k.secret, 'base64')),
  }));
  return { prefix: Buffer.from(prefix), transformer: prefixTransformers(noMatch, list) };
}

const KMS_V1_REFUSED =
  'KMSv1 is deprecated and will only receive security updates going forward. Use KMSv2 instead.  Set --feature-gates=KMSv1=true to use the deprecated KMSv1 feature.';

/** Builds the per-resource transformers; KMS v2 providers are primed (one Status and Encrypt) before this resolves. */
export async function buildResourceTransformers(
  c: EncryptionConfiguration,
  opts: BuildOptions = {},
): Promise<ResourceTransformers> {
  const byResource = new Map<string, PrefixedTransformer[]>();
  const kmsProviders: KmsV2Provider[] = [];
  const openKms = opts.kmsService ?? grpcKmsService;
  try {
    for (const conf of c.resources) {
      const list: PrefixedTransformer[] = [];
      for (const p of conf.providers) {
        if ('identity' in p) list.push({ prefix: Buffer.alloc(0), transformer: identityTransformer });
        else if ('aesgcm' in p)
          list.push(
            keyedTransformers(
              PREFIX.aesgcm,
              p.aesgcm.keys,
              aesGcmTransformer,
              'no matching key was found for the provided AES transformer',
            ),
          );
        else if ('aescbc' in p)
          list.push(
            keyedTransformers(
              PREFIX.aescbc,
              p.aescbc.keys,
              aesCbcTransformer,
              'no matching key was found for the provided AES transformer',
            ),
          );
        else if ('secretbox' in p)
          list.push(
            keyedTransformers(
              PREFIX.secretbox,
              p.secretbox.keys,
              secretboxTransformer,
              'no matching key was found for the provided Secretbox transformer',
            ),
          );
        else if ('kms' in p) {
          if (p.kms.apiVersion === 'v1') throw new EncryptionConfigError(KMS_V1_REFUSED);
          let service: KmsService;
          try {
            service = openKms(p.kms.endpoint, p.kms.timeoutMs);
          } catch (e) {
            throw new EncryptionConfigError(
              `could not configure KMSv2-Plugin's probe "${p.kms.name}", error: ${(e as Error).message}`,
            );
          }
          const provider = new KmsV2Provider(p.kms.name, service);
          kmsProviders.push(provider);
          await provider.start();
          list.push({ prefix: Buffer.from(`${PREFIX.kmsV2}${p.kms.name}:`), transformer: provider.transformer });
        }
      }
      for (const res of conf.resources) {
        const gr = parseGroupResource(res);
        const anyInGroup = grKey({ group: gr.group, resource: '*' });
        if (byResource.has(anyInGroup) && grKey(gr) !== anyInGroup)
          throw new EncryptionConfigError(
            `resource "${res}" is masked by earlier rule "${grYaml({ group: gr.group, resource: '*' })}"`,
          );
        if (byResource.has('*.*') && grKey(gr) !== '*.*')
          throw new EncryptionConfigError(`resource "${res}" is masked by earlier rule "*.*"`);
        byResource.set(grKey(gr), [...(byResource.get(grKey(gr)) ?? []), ...list]);
      }
    }
  } catch (e) {
    for (const k of kmsProviders) k.stop();
    throw e;
  }
  const transformers = new Map<string, ValueTransformer>();
  for (const [k, list] of byResource) transformers.set(k, prefixTransformers('no matching prefix found', list));
  return {
    forResource(gr) {
      return (
        transformers.get(grKey(gr)) ??
        transformers.get(grKey({ group: gr.group, resource: '*' })) ??
        transformers.get('*.*') ??
        identityTransformer
      );
    },
    kmsProviders,
    stop() {
      for (const k of kmsProviders) k.stop();
    },
  };
}

function grYaml(gr: GroupResource): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** --encryption-provider-config: read, decode, validate and build, with upstream's error wording. */
export async function loadEncryptionConfig(file: string, opts: BuildOptions = {}): Promise<ResourceTransformers> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EncryptionConfigError(
      `error while parsing file: error while loading file: error reading encryption provider configuration file "${file}": ${(e as Error).message}`,
    );
  }
  if (text.length === 0) {
    throw new EncryptionConfigError(
      `error while parsing file: error while loading file: encryption provider configuration file "${file}" is empty`,
    );
  }
  let config: EncryptionConfiguration;
  try {
    config = parseEncryptionConfiguration(text, file);
  } catch (e) {
    throw new EncryptionConfigError(`error while parsing file: ${(e as Error).message}`);
  }
  const errs = validateEncryptionConfiguration(config);
  if (errs.length > 0) {
    throw new EncryptionConfigError(
      `error while parsing file: ${errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`}`,
    );
  }
  try {
    return await buildResourceTransformers(config, opts);
  } catch (e) {
    throw new EncryptionConfigError(`error while building transformers: ${(e as Error).message}`);
  }
}
