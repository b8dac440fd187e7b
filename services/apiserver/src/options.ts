import { checkControllerNames } from './controllers/selection';
import { enabledPluginNames } from './admission/chain';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, FLAGS } from './options-flags';
import {
  describeParseError,
  firstServiceIP,
  invalid,
  isUnspecified,
  OptionsError,
  parseBool,
  parseGoDuration,
  parseInteger,
} from './options-values';
import { LoggingFlagError, parseLoggingFlags } from './logging/flags';
import type { LoggingOptions } from './logging/logger';

export { DEFAULT_SERVICE_ACCOUNT_ISSUER, OptionsError };

/** Parsed command line; flag names and meanings follow kube-apiserver's. */
export interface ServerOptions {
  dataDir: string;
  securePort: number;
  bindAddress: string;
  advertiseAddress: string;
  storageBackend: 'embedded' | 'etcd3';
  storageMediaType: 'application/json' | 'application/vnd.kubernetes.protobuf';
  serviceNodePortRange: string;
  endpointReconcilerType: 'lease' | 'none';
  goawayChance: number;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCaFile: string;
  certDir: string;
  identityLeaseDurationSeconds: number;
  identityLeaseRenewIntervalSeconds: number;
  etcdServers: string[];
  etcdPrefix: string;
  serviceClusterIPRange: string;
  etcdCompactionIntervalMs: number;
  defaultWatchCacheSize: number;
  /** Time between SIGTERM (readyz failing) and the listener closing, for load balancers to notice. */
  shutdownDelayDurationMs: number;
  anonymousAuth: boolean;
  /** --allow-privileged: privileged containers (and Windows hostProcess pods) are accepted */
  allowPrivileged: boolean;
  /** --enable-admission-plugins and --disable-admission-plugins */
  /** --controllers: kube-controller-manager's syntax for the controllers the leader runs */
  controllers: string[];
  enableAdmissionPlugins: string[];
  disableAdmissionPlugins: string[];
  /** --admission-control-config-file ('' for none) */
  admissionControlConfigFile: string;
  /** --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds (DefaultTolerationSeconds) */
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** --authorization-mode, in order */
  authorizationModes: AuthorizationMode[];
  tokenAuthFile: string;
  serviceAccountKeyFiles: string[];
  serviceAccountSigningKeyFile: string;
  serviceAccountIssuers: string[];
  apiAudiences: string[];
  serviceAccountMaxTokenExpirationSeconds: number;
  authenticationConfig: string;
  requestHeader: RequestHeaderOptions;
  /** --proxy-client-cert-file/--proxy-client-key-file: the front-proxy client certificate for aggregated APIs. */
  proxyClientCertFile: string;
  proxyClientKeyFile: string;
  /** --kubelet-*: how nodes/proxy reaches kubelets. */
  kubelet: KubeletOptions;
  /** --encryption-provider-config: an EncryptionConfiguration file; '' stores values as they are encoded. */
  encryptionProviderConfig: string;
  /** --tracing-config-file: a TracingConfiguration file; '' traces nothing. */
  tracingConfigFile: string;
  audit: AuditOptions;
  /** --enable-priority-and-fairness: APF instead of the plain max-in-flight limits */
  enablePriorityAndFairness: boolean;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  /** --request-timeout; APF queues a request for at most a quarter of it */
  requestTimeoutMs: number;
  /** --logging-format, -v, --vmodule */
  logging: LoggingOptions;
}

/** The --audit-* flags (upstream's AuditOptions: policy, log backend, webhook backend). */
export interface AuditOptions {
  policyFile: string;
  logPath: string;
  logMaxAgeDays: number;
  logMaxBackups: number;
  logMaxSizeMB: number;
  logFormat: 'json' | 'legacy';
  /** --audit-log-compress: rotated files are gzipped */
  logCompress: boolean;
  webhookConfigFile: string;
  webhookInitialBackoffMs: number;
  webhookMode: 'batch' | 'blocking' | 'blocking-strict';
  webhookBatchBufferSize: number;
  webhookBatchMaxSize: number;
  webhookBatchMaxWaitMs: number;
  /** --audit-log-mode: the writer is asynchronous in every mode; batch mode bounds its buffer */
  logMode: 'batch' | 'blocking' | 'blocking-strict';
  logBatchBufferSize: number;
  logBatchMaxSize: number;
  logBatchMaxWaitMs: number;
  logBatchThrottle: ThrottleOptions;
  webhookBatchThrottle: ThrottleOptions;
  logTruncate: TruncateOptions;
  webhookTruncate: TruncateOptions;
}

/** --audit-{log,webhook}-batch-throttle-* */
export interface ThrottleOptions {
  enabled: boolean;
  qps: number;
  burst: number;
}

/** --audit-{log,webhook}-truncate-* */
export interface TruncateOptions {
  enabled: boolean;
  maxEventSize: number;
  maxBatchSize: number;
}

export type AuthorizationMode = 'RBAC' | 'Node' | 'AlwaysAllow' | 'AlwaysDeny';
const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['RBAC', 'Node', 'AlwaysAllow', 'AlwaysDeny'];

export interface RequestHeaderOptions {
  clientCaFile: string;
  allowedNames: string[];
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeadersPrefix: string[];
}

/** Flags pflag treats as bool: `--flag` alone means true, `--flag=false` turns it off. */
const BOOL_FLAGS = new Set(FLAGS.filter((f) => f.valueLabel === 'bool').map((f) => f.name));

function normalizeBoolFlags(argv: string[]): string[] {
  return argv.map((a) => (a.startsWith('--') && BOOL_FLAGS.has(a.slice(2)) ? `${a}=true` : a));
}

/** pflag's shorthand forms -v=3 and -v3, which parseArgs reads differently. */
function normalizeShortV(argv: string[]): string[] {
  return argv.map((a) => (/^-v=/.test(a) ? `--v=${a.slice(3)}` : /^-v[^=-]/.test(a) ? `--v=${a.slice(2)}` : a));
}

export function formatHelp(): string {
  const lines = ['Usage: kapi [flags]', '', 'Flags:'];
  const left = FLAGS.map((f) =>
    f.type === 'boolean'
      ? `  -h, --${f.name}`
      : f.name === 'v'
        ? `  -v, --v ${f.valueLabel ?? 'string'}`
        : f.valueLabel === 'bool'
          ? `      --${f.name}`
          : `      --${f.name} ${f.valueLabel ?? 'string'}`,
  );
  const width = Math.max(...left.map((l) => l.length)) + 3;
  FLAGS.forEach((f, i) => {
    // pflag quotes string defaults only.
    const shown = f.valueLabel === undefined ? JSON.stringify(f.defaultText) : f.defaultText;
    const suffix = f.defaultText ? ` (default ${shown})` : '';
    lines.push(`${left[i].padEnd(width)}${f.usage}${suffix}`);
  });
  return lines.join('\n') + '\n';
}

export function parseOptions(argv: string[]): ServerOptions | { help: true } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of FLAGS) {
    options[f.name] =
      f.name === 'help'
        ? { type: 'boolean', short: 'h' }
        : f.name === 'v'
          ? { type: 'string', short: 'v' }
          : { type: f.type, multiple: f.multiple === true };
  }
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({
      args: normalizeShortV(normalizeBoolFlags(argv)),
      options,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new OptionsError(describeParseError(err));
  }
  if (values.help) return { help: true };
  // component-base applies the logging configuration before anything else is checked
  const logging = parseLogging(values);

  const str = (name: string, fallback: string): string => {
    const v = values[name];
    return typeof v === 'string' ? v : fallback;
  };
  // a repeatable flag: every occurrence, each also split on commas for pflag's `strings` type
  const list = (name: string, split: boolean): string[] => {
    const v = values[name];
    const raw = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    const parts = split ? raw.flatMap((x) => x.split(',')) : raw;
    return parts.map((x) => x.trim()).filter((x) => x !== '');
  };
  const duration = (name: string, fallback: string): number => {
    const text = str(name, fallback);
    let ms: number;
    try {
      ms = parseGoDuration(text);
    } catch (err) {
      throw invalid(name, text, (err as Error).message);
    }
    if (ms < 0) throw invalid(name, text, 'must not be negative');
    return ms;
  };

  const securePort = parseInteger('secure-port', str('secure-port', '6443'), 0, 65535);
  const bindAddress = str('bind-address', '127.0.0.1');
  if (!isIP(bindAddress)) throw invalid('bind-address', bindAddress, 'must be an IP address');

  const advertiseFlag = values['advertise-address'];
  let advertiseAddress: string;
  if (typeof advertiseFlag === 'string' && advertiseFlag !== '') {
    if (!isIP(advertiseFlag) || isUnspecified(advertiseFlag)) {
      throw invalid('advertise-address', advertiseFlag, 'must be a specific IP address');
    }
    advertiseAddress = advertiseFlag;
  } else {
    advertiseAddress = isUnspecified(bindAddress) ? '127.0.0.1' : bindAddress;
  }

  const mediaType = str('storage-media-type', 'application/vnd.kubernetes.protobuf');
  if (mediaType !== 'application/json' && mediaType !== 'application/vnd.kubernetes.protobuf') {
    throw invalid(
      'storage-media-type',
      mediaType,
      "must be one of 'application/json', 'application/vnd.kubernetes.protobuf'",
    );
  }
  const backend = str('storage-backend', 'embedded');
  if (backend !== 'embedded' && backend !== 'etcd3') {
    throw invalid('storage-backend', backend, "must be one of 'embedded', 'etcd3'");
  }

  const etcdServers = str('etcd-servers', '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const server of etcdServers) {
    if (!/^(https?|unix|unixs):\/\/[^\s]+$/.test(server)) {
      throw invalid('etcd-servers', server, 'each entry must be a URL such as http://127.0.0.1:2379');
    }
  }
  if (backend === 'etcd3' && etcdServers.length === 0) {
    throw new OptionsError('--etcd-servers must be specified when --storage-backend=etcd3');
  }

  const etcdPrefix = str('etcd-prefix', '/registry');
  if (etcdPrefix === '') throw invalid('etcd-prefix', etcdPrefix, 'must not be empty');

  const serviceClusterIPRange = str('service-cluster-ip-range', '10.96.0.0/12');
  try {
    firstServiceIP(serviceClusterIPRange);
  } catch (err) {
    throw invalid('service-cluster-ip-range', serviceClusterIPRange, (err as Error).message);
  }

  const compactionText = str('etcd-compaction-interval', '5m');
  let etcdCompactionIntervalMs: number;
  try {
    etcdCompactionIntervalMs = parseGoDuration(compactionText);
  } catch (err) {
    throw invalid('etcd-compaction-interval', compactionText, (err as Error).message);
  }
  if (etcdCompactionIntervalMs < 0) throw invalid('etcd-compaction-interval', compactionText, 'must not be negative');

  const shutdownDelayText = str('shutdown-delay-duration', '0s');
  let shutdownDelayDurationMs: number;
  try {
    shutdownDelayDurationMs = parseGoDuration(shutdownDelayText);
  } catch (err) {
    throw invalid('shutdown-delay-duration', shutdownDelayText, (err as Error).message);
  }
  if (shutdownDelayDurationMs < 0) throw invalid('shutdown-delay-duration', shutdownDelayText, 'must not be negative');

  const defaultWatchCacheSize = parseInteger(
    'default-watch-cache-size',
    str('default-watch-cache-size', '100'),
    0,
    Number.MAX_SAFE_INTEGER,
  );

  const serviceNodePortRange = str('service-node-port-range', '30000-32767');
  const portRange = /^(\d+)-(\d+)$/.exec(serviceNodePortRange);
  if (
    !portRange ||
    Number(portRange[1]) > Number(portRange[2]) ||
    Number(portRange[2]) > 65535 ||
    Number(portRange[1]) < 1
  ) {
    throw invalid('service-node-port-range', serviceNodePortRange, 'must be a port range such as 30000-32767');
  }
  const endpointReconcilerType = str('endpoint-reconciler-type', 'lease');
  if (endpointReconcilerType !== 'lease' && endpointReconcilerType !== 'none') {
    throw invalid('endpoint-reconciler-type', endpointReconcilerType, "must be one of 'lease', 'none'");
  }
  const goawayText = str('goaway-chance', '0');
  const goawayChance = Number(goawayText);
  if (!Number.isFinite(goawayChance) || goawayChance < 0 || goawayChance > 0.02) {
    throw invalid('goaway-chance', goawayText, 'must be a number between 0 and 0.02');
  }
  const requestTimeoutText = str('request-timeout', '1m0s');
  let requestTimeoutMs: number;
  try {
    requestTimeoutMs = parseGoDuration(requestTimeoutText);
  } catch (err) {
    throw invalid('request-timeout', requestTimeoutText, (err as Error).message);
  }
  const maxRequestsInflight = parseInteger(
    'max-requests-inflight',
    str('max-requests-inflight', '400'),
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const maxMutatingRequestsInflight = parseInteger(
    'max-mutating-requests-inflight',
    str('max-mutating-requests-inflight', '200'),
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const enablePriorityAndFairness = parseBool(
    'enable-priority-and-fairness',
    str('enable-priority-and-fairness', 'true'),
  );
  if (enablePriorityAndFairness && maxRequestsInflight + maxMutatingRequestsInflight <= 0) {
    throw new OptionsError(
      `invalid configuration: MaxRequestsInFlight=${maxRequestsInflight} and MaxMutatingRequestsInFlight=${maxMutatingRequestsInflight}; they must add up to something positive`,
    );
  }
  const tlsCertFile = str('tls-cert-file', '');
  const tlsPrivateKeyFile = str('tls-private-key-file', '');
  if ((tlsCertFile === '') !== (tlsPrivateKeyFile === '')) {
    throw new OptionsError('--tls-cert-file and --tls-private-key-file must be given together');
  }
  const dataDir = str('data-dir', '.kapi') || '.kapi';
  const identityLeaseDurationSeconds = parseInteger(
    'identity-lease-duration-seconds',
    str('identity-lease-duration-seconds', '3600'),
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const identityLeaseRenewIntervalSeconds = parseInteger(
    'identity-lease-renew-interval-seconds',
    str('identity-lease-renew-interval-seconds', '10'),
    1,
    Number.MAX_SAFE_INTEGER,
  );

  const authorizationModes = list('authorization-mode', true);
  if (authorizationModes.length === 0) authorizationModes.push('RBAC');
  for (const m of authorizationModes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) {
      throw invalid('authorization-mode', m, `must be one of ${AUTHORIZATION_MODES.join(', ')}`);
    }
  }
  const controllers = list('controllers', true);
  if (controllers.length === 0) controllers.push('*');
  const badController = checkControllerNames(controllers);
  if (badController) throw new OptionsError(`--controllers: ${badController}`);
  const enableAdmissionPlugins = list('enable-admission-plugins', true);
  const disableAdmissionPlugins = list('disable-admission-plugins', true);
  try {
    enabledPluginNames(enableAdmissionPlugins, disableAdmissionPlugins);
  } catch (e) {
    throw new OptionsError(e instanceof Error ? e.message : String(e));
  }
  // int64 flags upstream: any whole number, negative ones included
  const tolerationSeconds = (flag: string): number =>
    parseInteger(flag, str(flag, '300'), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const defaultNotReadyTolerationSeconds = tolerationSeconds('default-not-ready-toleration-seconds');
  const defaultUnreachableTolerationSeconds = tolerationSeconds('default-unreachable-toleration-seconds');
  const serviceAccountIssuers = list('service-account-issuer', false);
  if (serviceAccountIssuers.length === 0) serviceAccountIssuers.push(DEFAULT_SERVICE_ACCOUNT_ISSUER);
  const apiAudiences = list('api-audiences', true);
  const maxTokenMs = duration('service-account-max-token-expiration', '0s');
  if (maxTokenMs !== 0 && maxTokenMs < 3_600_000) {
    throw invalid(
      'service-account-max-token-expiration',
      str('service-account-max-token-expiration', ''),
      'must be at least 1h',
    );
  }

  const nonNegative = (name: string, fallback: string): number => {
    const text = str(name, fallback);
    if (/^-\d+$/.test(text.trim())) throw new OptionsError(`--${name} ${text} can't be a negative number`);
    return parseInteger(name, text, 0, Number.MAX_SAFE_INTEGER);
  };
  const logFormat = str('audit-log-format', 'json');
  if (logFormat !== 'json' && logFormat !== 'legacy') {
    throw invalid('audit-log-format', logFormat, 'known formats are legacy,json');
  }
  const webhookMode = str('audit-webhook-mode', 'batch');
  if (webhookMode !== 'batch' && webhookMode !== 'blocking' && webhookMode !== 'blocking-strict') {
    throw invalid('audit-webhook-mode', webhookMode, 'known modes are batch,blocking,blocking-strict');
  }
  for (const flag of ['audit-log-version', 'audit-webhook-version']) {
    const v = str(flag, 'audit.k8s.io/v1');
    if (v !== 'audit.k8s.io/v1') throw invalid(flag, v, 'known versions are audit.k8s.io/v1');
  }
  const truncate = (backend: 'log' | 'webhook'): TruncateOptions => {
    const flag = (f: string) => `audit-${backend}-truncate-${f}`;
    const t: TruncateOptions = {
      enabled: parseBool(flag('enabled'), str(flag('enabled'), 'false')),
      maxEventSize: parseInteger(flag('max-event-size'), str(flag('max-event-size'), '102400'), -Infinity, Infinity),
      maxBatchSize: parseInteger(flag('max-batch-size'), str(flag('max-batch-size'), '10485760'), -Infinity, Infinity),
    };
    // upstream's TruncateOptions.Validate
    if (t.maxEventSize <= 0) throw new OptionsError(`--${flag('max-event-size')} should be positive`);
    if (t.maxBatchSize <= 0) throw new OptionsError(`--${flag('max-batch-size')} should be positive`);
    if (t.maxEventSize > t.maxBatchSize) {
      throw new OptionsError(`--${flag('max-event-size')} should not be greater than --${flag('max-batch-size')}`);
    }
    return t;
  };
  const logMode = str('audit-log-mode', 'blocking');
  if (logMode !== 'batch' && logMode !== 'blocking' && logMode !== 'blocking-strict') {
    throw invalid('audit-log-mode', logMode, 'known modes are batch,blocking,blocking-strict');
  }
  const throttle = (backend: 'log' | 'webhook', on: string, qps: string, burst: string): ThrottleOptions => {
    const flag = (f: string) => `audit-${backend}-batch-throttle-${f}`;
    const qpsText = str(flag('qps'), qps);
    const qpsValue = Number(qpsText);
    if (qpsText.trim() === '' || !Number.isFinite(qpsValue)) throw invalid(flag('qps'), qpsText, 'must be a number');
    const t: ThrottleOptions = {
      enabled: parseBool(flag('enable'), str(flag('enable'), on)),
      qps: qpsValue,
      burst: parseInteger(flag('burst'), str(flag('burst'), burst), -Infinity, Infinity),
    };
    // upstream's BatchOptions.Validate, for batch mode with throttling on
    if (t.enabled && t.qps <= 0) throw new OptionsError(`--${flag('qps')} should be positive`);
    if (t.enabled && t.burst <= 0) throw new OptionsError(`--${flag('burst')} should be positive`);
    return t;
  };
  const audit: AuditOptions = {
    policyFile: str('audit-policy-file', ''),
    logPath: str('audit-log-path', ''),
    logMaxAgeDays: nonNegative('audit-log-maxage', '0'),
    logMaxBackups: nonNegative('audit-log-maxbackup', '0'),
    logMaxSizeMB: nonNegative('audit-log-maxsize', '0'),
    logFormat,
    logCompress: parseBool('audit-log-compress', str('audit-log-compress', 'false')),
    webhookConfigFile: str('audit-webhook-config-file', ''),
    webhookInitialBackoffMs: duration('audit-webhook-initial-backoff', '10s'),
    webhookMode,
    webhookBatchBufferSize: parseInteger(
      'audit-webhook-batch-buffer-size',
      str('audit-webhook-batch-buffer-size', '10000'),
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    webhookBatchMaxSize: parseInteger(
      'audit-webhook-batch-max-size',
      str('audit-webhook-batch-max-size', '400'),
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    webhookBatchMaxWaitMs: duration('audit-webhook-batch-max-wait', '30s'),
    logMode,
    logBatchBufferSize: parseInteger(
      'audit-log-batch-buffer-size',
      str('audit-log-batch-buffer-size', '10000'),
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    logBatchMaxSize: parseInteger(
      'audit-log-batch-max-size',
      str('audit-log-batch-max-size', '1'),
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    logBatchMaxWaitMs: duration('audit-log-batch-max-wait', '0s'),
    logBatchThrottle: throttle('log', 'false', '0', '0'),
    webhookBatchThrottle: throttle('webhook', 'true', '10', '15'),
    logTruncate: truncate('log'),
    webhookTruncate: truncate('webhook'),
  };

  return {
    audit,
    logging,
    anonymousAuth: parseBool('anonymous-auth', str('anonymous-auth', 'true')),
    allowPrivileged: parseBool('allow-privileged', str('allow-privileged', 'false')),
    authorizationModes: authorizationModes as AuthorizationMode[],
    controllers,
    enableAdmissionPlugins,
    disableAdmissionPlugins,
    admissionControlConfigFile: str('admission-control-config-file', ''),
    defaultNotReadyTolerationSeconds,
    defaultUnreachableTolerationSeconds,
    tokenAuthFile: str('token-auth-file', ''),
    serviceAccountKeyFiles: list('service-account-key-file', false),
    serviceAccountSigningKeyFile: str('service-account-signing-key-file', ''),
    serviceAccountIssuers,
    apiAudiences: apiAudiences.length > 0 ? apiAudiences : [...serviceAccountIssuers],
    serviceAccountMaxTokenExpirationSeconds: Math.floor(maxTokenMs / 1000),
    authenticationConfig: str('authentication-config', ''),
    requestHeader: {
      clientCaFile: str('requestheader-client-ca-file', ''),
      allowedNames: list('requestheader-allowed-names', true),
      usernameHeaders: list('requestheader-username-headers', true),
      uidHeaders: list('requestheader-uid-headers', true),
      groupHeaders: list('requestheader-group-headers', true),
      extraHeadersPrefix: list('requestheader-extra-headers-prefix', true),
    },
    proxyClientCertFile: str('proxy-client-cert-file', ''),
    proxyClientKeyFile: str('proxy-client-key-file', ''),
    kubelet: {
      certificateAuthority: str('kubelet-certificate-authority', ''),
      clientCertificate: str('kubelet-client-certificate', ''),
      clientKey: str('kubelet-client-key', ''),
      preferredAddressTypes: kubeletAddressTypes(list('kubelet-preferred-address-types', true)),
    },
    dataDir,
    serviceNodePortRange,
    endpointReconcilerType,
    goawayChance,
    enablePriorityAndFairness,
    maxRequestsInflight,
    maxMutatingRequestsInflight,
    requestTimeoutMs,
    tlsCertFile,
    tlsPrivateKeyFile,
    clientCaFile: str('client-ca-file', ''),
    certDir: str('cert-dir', '') || `${dataDir.replace(/\/+$/, '')}/pki`,
    identityLeaseDurationSeconds,
    identityLeaseRenewIntervalSeconds,
    shutdownDelayDurationMs,
    securePort,
    bindAddress,
    advertiseAddress,
    storageBackend: backend,
    storageMediaType: mediaType,
    encryptionProviderConfig: str('encryption-provider-config', ''),
    tracingConfigFile: str('tracing-config-file', ''),
    etcdServers,
    etcdPrefix,
    serviceClusterIPRange,
    etcdCompactionIntervalMs,
    defaultWatchCacheSize,
  };
}

function parseLogging(values: Record<string, unknown>): LoggingOptions {
  const v = values['v'];
  const format = values['logging-format'];
  const vmodule = values['vmodule'];
  try {
    return parseLoggingFlags({
      loggingFormat: typeof format === 'string' ? format : undefined,
      v: typeof v === 'string' ? v : undefined,
      vmodule: Array.isArray(vmodule) ? vmodule.map(String) : [],
    });
  } catch (e) {
    if (e instanceof LoggingFlagError) throw new OptionsError(e.message);
    throw e;
  }
}

export interface KubeletOptions {
  certificateAuthority: string;
  clientCertificate: string;
  clientKey: string;
  preferredAddressTypes: string[];
}

const NODE_ADDRESS_TYPES = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];

/** --kubelet-preferred-address-types: upstream's default order, and only NodeAddressTypes. */
function kubeletAddressTypes(given: string[]): string[] {
  if (given.length === 0) return [...NODE_ADDRESS_TYPES];
  for (const t of given) {
    if (!NODE_ADDRESS_TYPES.includes(t)) {
      throw new OptionsError(`--kubelet-preferred-address-types ${t} is not a valid NodeAddressType`);
    }
  }
  return given;
}
