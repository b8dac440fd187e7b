import { X509Certificate } from 'node:crypto';
import { yamlLib } from '../codec/yaml-lib';
import { compileCel, celErrorMessage } from './cel';
import { goQuote, goQuoteList } from './go-format';

/** apiserver.config.k8s.io AuthenticationConfiguration (v1alpha1 and v1beta1 share this shape in 1.32). */
export interface AuthenticationConfiguration {
  apiVersion: string;
  kind: 'AuthenticationConfiguration';
  jwt: JWTAuthenticatorConfig[];
  anonymous?: AnonymousAuthConfig;
}

export interface AnonymousAuthConfig {
  enabled: boolean;
  /** Paths for which anonymous is allowed; empty = all. */
  conditions?: Array<{ path: string }>;
}

export interface JWTAuthenticatorConfig {
  issuer: IssuerConfig;
  claimValidationRules?: ClaimValidationRule[];
  claimMappings: ClaimMappings;
  userValidationRules?: UserValidationRule[];
}

export interface IssuerConfig {
  url: string;
  discoveryURL?: string;
  /** PEM bundle used to verify the TLS connection to the issuer (discovery and keys). */
  certificateAuthority?: string;
  audiences: string[];
  audienceMatchPolicy?: 'MatchAny' | '';
}

export interface ClaimValidationRule {
  claim?: string;
  requiredValue?: string;
  expression?: string;
  message?: string;
}

export interface PrefixedClaimOrExpression {
  claim?: string;
  prefix?: string;
  expression?: string;
}

export interface ClaimOrExpression {
  claim?: string;
  expression?: string;
}

export interface ExtraMapping {
  key: string;
  valueExpression: string;
}

export interface ClaimMappings {
  username: PrefixedClaimOrExpression;
  groups?: PrefixedClaimOrExpression;
  uid?: ClaimOrExpression;
  extra?: ExtraMapping[];
}

export interface UserValidationRule {
  expression: string;
  message?: string;
}

export const AUTHENTICATION_CONFIG_GROUP = 'apiserver.config.k8s.io';
const SUPPORTED_VERSIONS = [
  'apiserver.config.k8s.io/v1alpha1',
  'apiserver.config.k8s.io/v1beta1',
  'apiserver.config.k8s.io/v1',
];

/** A field error in upstream's "path: Type: detail" rendering. */
export interface ConfigFieldError {
  field: string;
  type: 'Required value' | 'Invalid value' | 'Duplicate value' | 'Unsupported value';
  value?: unknown;
  detail?: string;
}

export function formatConfigFieldError(e: ConfigFieldError): string {
  const value =
    e.value === undefined ? '' : ` ${typeof e.value === 'string' ? goQuote(e.value) : JSON.stringify(e.value)}`;
  const detail = e.detail ? `: ${e.detail}` : '';
  return e.type === 'Required value' ? `${e.field}: ${e.type}${detail}` : `${e.field}: ${e.type}:${value}${detail}`;
}

export class AuthenticationConfigError extends Error {
  constructor(readonly errors: ConfigFieldError[]) {
    super(
      errors.length === 1 ? formatConfigFieldError(errors[0]) : `[${errors.map(formatConfigFieldError).join(', ')}]`,
    );
    this.name = 'AuthenticationConfigError';
  }
}

/**
 * Parses --authentication-config contents (YAML or JSON) and validates it as upstream does
 * before the server starts. Throws AuthenticationConfigError listing every problem.
 * @param disallowedIssuers the --service-account-issuer values: a JWT authenticator may not
 *   claim the server's own issuer.
 */
export function parseAuthenticationConfig(text: string, disallowedIssuers: string[] = []): AuthenticationConfiguration {
  let doc: unknown;
  try {
    doc = yamlLib().parse(text);
  } catch (err) {
    throw new Error(`failed to parse authentication configuration: ${celErrorMessage(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('failed to parse authentication configuration: not an object');
  }
  const raw = doc as Record<string, unknown>;
  if (raw['kind'] !== 'AuthenticationConfiguration' || !SUPPORTED_VERSIONS.includes(String(raw['apiVersion']))) {
    throw new Error(
      `no kind "${String(raw['kind'])}" is registered for version "${String(raw['apiVersion'])}" (expected AuthenticationConfiguration in ${AUTHENTICATION_CONFIG_GROUP})`,
    );
  }
  const config = raw as unknown as AuthenticationConfiguration;
  if (config.jwt === undefined || config.jwt === null) config.jwt = [];
  const errors = validateAuthenticationConfig(config, disallowedIssuers);
  if (errors.length > 0) throw new AuthenticationConfigError(errors);
  return config;
}

function isHttpsUrl(s: string): { ok: boolean; reason?: string } {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { ok: false, reason: 'must be a valid URL' };
  }
  if (u.protocol !== 'https:') return { ok: false, reason: 'URL scheme must be https' };
  if (u.username !== '' || u.password !== '')
    return { ok: false, reason: 'URL must not contain a username or password' };
  if (u.search !== '' || s.includes('?')) return { ok: false, reason: 'URL must not contain a query' };
  if (u.hash !== '' || s.includes('#')) return { ok: false, reason: 'URL must not contain a fragment' };
  return { ok: true };
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** Upstream's structural validation of an AuthenticationConfiguration, field paths included. */
export function validateAuthenticationConfig(
  config: AuthenticationConfiguration,
  disallowedIssuers: string[] = [],
): ConfigFieldError[] {
  const errors: ConfigFieldError[] = [];
  if (!Array.isArray(config.jwt)) {
    errors.push({ field: 'jwt', type: 'Invalid value', value: config.jwt, detail: 'must be a list' });
    return errors;
  }
  const seenIssuers = new Set<string>();
  config.jwt.forEach((jwt, i) => {
    const path = `jwt[${i}]`;
    validateIssuer(jwt?.issuer, `${path}.issuer`, seenIssuers, disallowedIssuers, errors);
    validateClaimValidationRules(jwt?.claimValidationRules ?? [], `${path}.claimValidationRules`, errors);
    validateClaimMappings(jwt?.claimMappings, `${path}.claimMappings`, errors);
    (jwt?.userValidationRules ?? []).forEach((rule, j) => {
      const rulePath = `${path}.userValidationRules[${j}].expression`;
      if (!isString(rule?.expression) || rule.expression.trim() === '') {
        errors.push({ field: rulePath, type: 'Required value', detail: 'expression is required' });
      } else {
        compileInto(rule.expression, 'user', rulePath, errors);
      }
    });
  });
  if (config.anonymous !== undefined) {
    const conditions = config.anonymous.conditions ?? [];
    if (!config.anonymous.enabled && conditions.length > 0) {
      errors.push({
        field: 'anonymous.conditions',
        type: 'Invalid value',
        value: conditions,
        detail: 'enabled should be set to true when conditions are defined',
      });
    }
    const seenPaths = new Set<string>();
    conditions.forEach((c, i) => {
      if (seenPaths.has(c.path))
        errors.push({ field: `anonymous.conditions[${i}].path`, type: 'Duplicate value', value: c.path });
      seenPaths.add(c.path);
    });
  }
  return errors;
}

function validateIssuer(
  issuer: IssuerConfig | undefined,
  path: string,
  seen: Set<string>,
  disallowed: string[],
  errors: ConfigFieldError[],
): void {
  if (issuer === undefined || issuer === null) {
    errors.push({ field: `${path}.url`, type: 'Required value' });
    errors.push({
      field: `${path}.audiences`,
      type: 'Required value',
      detail: `at least one ${path}.audiences is required`,
    });
    return;
  }
  const url = issuer.url;
  if (!isString(url) || url === '') {
    errors.push({ field: `${path}.url`, type: 'Required value' });
  } else {
    const check = isHttpsUrl(url);
    if (!check.ok) errors.push({ field: `${path}.url`, type: 'Invalid value', value: url, detail: check.reason });
    if (seen.has(url)) errors.push({ field: `${path}.url`, type: 'Duplicate value', value: url });
    seen.add(url);
    if (disallowed.includes(url)) {
      errors.push({
        field: `${path}.url`,
        type: 'Invalid value',
        value: url,
        detail: `URL must not overlap with disallowed issuers: ${goQuoteList([...disallowed].sort())}`,
      });
    }
  }
  if (issuer.discoveryURL !== undefined && issuer.discoveryURL !== '') {
    const check = isHttpsUrl(issuer.discoveryURL);
    if (!check.ok)
      errors.push({
        field: `${path}.discoveryURL`,
        type: 'Invalid value',
        value: issuer.discoveryURL,
        detail: check.reason,
      });
    if (isString(url) && trimSlash(url) === trimSlash(issuer.discoveryURL)) {
      errors.push({
        field: `${path}.discoveryURL`,
        type: 'Invalid value',
        value: issuer.discoveryURL,
        detail: 'discoveryURL must be different from URL',
      });
    }
  }
  if (issuer.certificateAuthority !== undefined && issuer.certificateAuthority !== '') {
    try {
      const blocks =
        issuer.certificateAuthority.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      if (blocks.length === 0) throw new Error('no certificates');
      for (const b of blocks) new X509Certificate(b);
    } catch {
      errors.push({
        field: `${path}.certificateAuthority`,
        type: 'Invalid value',
        value: '<omitted>',
        detail: 'data does not contain any valid RSA or ECDSA certificates',
      });
    }
  }
  const audiences = issuer.audiences;
  if (!Array.isArray(audiences) || audiences.length === 0) {
    errors.push({
      field: `${path}.audiences`,
      type: 'Required value',
      detail: `at least one ${path}.audiences is required`,
    });
    return;
  }
  const seenAud = new Set<string>();
  audiences.forEach((aud, i) => {
    if (!isString(aud) || aud === '') errors.push({ field: `${path}.audiences[${i}]`, type: 'Required value' });
    else if (seenAud.has(aud)) errors.push({ field: `${path}.audiences[${i}]`, type: 'Duplicate value', value: aud });
    seenAud.add(aud);
  });
  const policy = issuer.audienceMatchPolicy ?? '';
  if (audiences.length > 1 && policy !== 'MatchAny') {
    errors.push({
      field: `${path}.audienceMatchPolicy`,
      type: 'Invalid value',
      value: policy,
      detail: 'audienceMatchPolicy must be MatchAny for multiple audiences',
    });
  } else if (audiences.length === 1 && policy !== '' && policy !== 'MatchAny') {
    errors.push({
      field: `${path}.audienceMatchPolicy`,
      type: 'Invalid value',
      value: policy,
      detail: 'audienceMatchPolicy must be empty or MatchAny for single audience',
    });
  }
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

function compileInto(expression: string, variable: 'claims' | 'user', field: string, errors: ConfigFieldError[]): void {
  try {
    compileCel(expression, variable);
  } catch (err) {
    errors.push({
      field,
      type: 'Invalid value',
      value: expression,
      detail: `compilation failed: ${celErrorMessage(err)}`,
    });
  }
}

function validateClaimValidationRules(rules: ClaimValidationRule[], path: string, errors: ConfigFieldError[]): void {
  const seenClaims = new Set<string>();
  rules.forEach((rule, i) => {
    const p = `${path}[${i}]`;
    const hasClaim = isString(rule?.claim) && rule.claim !== '';
    const hasExpression = isString(rule?.expression) && rule.expression !== '';
    if (hasClaim && hasExpression) {
      errors.push({
        field: p,
        type: 'Invalid value',
        value: rule.claim,
        detail: "claim and expression can't both be set",
      });
    } else if (!hasClaim && !hasExpression) {
      errors.push({ field: p, type: 'Required value', detail: 'claim or expression is required' });
    } else if (hasClaim) {
      if (rule.message)
        errors.push({
          field: `${p}.message`,
          type: 'Invalid value',
          value: rule.message,
          detail: 'may not specify message when claim is set',
        });
      if (seenClaims.has(rule.claim ?? ''))
        errors.push({ field: `${p}.claim`, type: 'Duplicate value', value: rule.claim });
      seenClaims.add(rule.claim ?? '');
    } else {
      if (rule.requiredValue) {
        errors.push({
          field: `${p}.requiredValue`,
          type: 'Invalid value',
          value: rule.requiredValue,
          detail: 'may not specify requiredValue when expression is set',
        });
      }
      compileInto(rule.expression ?? '', 'claims', `${p}.expression`, errors);
    }
  });
}

function validatePrefixed(
  m: PrefixedClaimOrExpression | undefined,
  path: string,
  required: boolean,
  errors: ConfigFieldError[],
): void {
  const hasClaim = isString(m?.claim) && m.claim !== '';
  const hasExpression = isString(m?.expression) && m.expression !== '';
  if (!hasClaim && !hasExpression) {
    if (required) errors.push({ field: path, type: 'Required value', detail: 'claim or expression is required' });
    else if (m?.prefix !== undefined) {
      errors.push({
        field: `${path}.prefix`,
        type: 'Invalid value',
        value: m.prefix,
        detail: 'may not specify prefix when claim is empty',
      });
    }
    return;
  }
  if (hasClaim && hasExpression) {
    errors.push({ field: path, type: 'Invalid value', value: '', detail: "claim and expression can't both be set" });
    return;
  }
  if (hasClaim && m?.prefix === undefined) {
    errors.push({
      field: `${path}.prefix`,
      type: 'Required value',
      detail: 'prefix is required when claim is set. It can be set to an empty string to disable prefixing',
    });
  }
  if (hasExpression) {
    if (m?.prefix !== undefined) {
      errors.push({
        field: `${path}.prefix`,
        type: 'Invalid value',
        value: m.prefix,
        detail: 'may not specify prefix when expression is set',
      });
    }
    compileInto(m?.expression ?? '', 'claims', `${path}.expression`, errors);
  }
}

function validateClaimMappings(m: ClaimMappings | undefined, path: string, errors: ConfigFieldError[]): void {
  validatePrefixed(m?.username, `${path}.username`, true, errors);
  validatePrefixed(m?.groups, `${path}.groups`, false, errors);
  const uid = m?.uid;
  if (uid !== undefined) {
    const hasClaim = isString(uid.claim) && uid.claim !== '';
    const hasExpression = isString(uid.expression) && uid.expression !== '';
    if (hasClaim && hasExpression)
      errors.push({
        field: `${path}.uid`,
        type: 'Invalid value',
        value: '',
        detail: "claim and expression can't both be set",
      });
    if (hasExpression) compileInto(uid.expression ?? '', 'claims', `${path}.uid.expression`, errors);
  }
  const seenKeys = new Set<string>();
  (m?.extra ?? []).forEach((extra, i) => {
    const p = `${path}.extra[${i}]`;
    const key = extra?.key;
    if (!isString(key) || key === '') {
      errors.push({ field: `${p}.key`, type: 'Required value' });
    } else {
      const slash = key.indexOf('/');
      const domain = slash < 0 ? '' : key.slice(0, slash);
      if (
        slash <= 0 ||
        slash === key.length - 1 ||
        !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(domain)
      ) {
        errors.push({
          field: `${p}.key`,
          type: 'Invalid value',
          value: key,
          detail: 'key must be a domain-prefix path (such as "acme.io/foo")',
        });
      }
      if (key !== key.toLowerCase())
        errors.push({ field: `${p}.key`, type: 'Invalid value', value: key, detail: 'key must be lowercase' });
      if (/(^|\.)(kubernetes\.io|k8s\.io)$/.test(domain)) {
        errors.push({
          field: `${p}.key`,
          type: 'Invalid value',
          value: key,
          detail: 'k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use',
        });
      }
      if (seenKeys.has(key)) errors.push({ field: `${p}.key`, type: 'Duplicate value', value: key });
      seenKeys.add(key);
    }
    if (!isString(extra?.valueExpression) || extra.valueExpression === '') {
      errors.push({ field: `${p}.valueExpression`, type: 'Required value', detail: 'valueExpression is required' });
    } else {
      compileInto(extra.valueExpression, 'claims', `${p}.valueExpression`, errors);
    }
  });
}
