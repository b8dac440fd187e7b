import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { bigIntToIp, parseCidr } from './net/cidr';

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

/** kubeadm's issuer, which in-cluster clients expect when none is configured. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  /** What help calls the value, as pflag does: string, int, duration, strings, stringArray, bool. */
  valueLabel?: 'int' | 'duration' | 'strings' | 'stringArray' | 'bool';
  /** May be given more than once (pflag's stringArray and strings). */
  multiple?: boolean;
  defaultText: string;
  usage: string;
}

const FLAGS: FlagSpec[] = [
  {
    name: 'advertise-address',
    type: 'string',
    defaultText: '',
    usage:
      'The IP address on which to advertise the apiserver to members of the cluster (the default/kubernetes Endpoints). Defaults to --bind-address, or 127.0.0.1 when that is unspecified (0.0.0.0 or ::).',
  },
  {
    name: 'bind-address',
    type: 'string',
    defaultText: '127.0.0.1',
    usage: 'The IP address on which to listen for the --secure-port port. 0.0.0.0 or :: listens on all interfaces.',
  },
  {
    name: 'data-dir',
    type: 'string',
    defaultText: '.kapi',
    usage: 'Directory holding the generated PKI, the admin kubeconfig and the embedded store.',
  },
  {
    name: 'default-watch-cache-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '100',
    usage: 'Default number of recent events kept per resource in the watch cache. 0 disables the watch cache.',
  },
  {
    name: 'etcd-compaction-interval',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '5m0s',
    usage: 'The interval of compaction requests (a Go duration, e.g. 5m or 1h30m). 0 disables compaction.',
  },
  {
    name: 'etcd-prefix',
    type: 'string',
    defaultText: '/registry',
    usage: 'The prefix to prepend to all resource paths in etcd.',
  },
  {
    name: 'etcd-servers',
    type: 'string',
    valueLabel: 'strings',
    defaultText: '',
    usage:
      'List of etcd servers to connect with (scheme://ip:port), comma separated. Required with --storage-backend=etcd3.',
  },
  {
    name: 'help',
    type: 'boolean',
    defaultText: '',
    usage: 'Print this help and exit.',
  },
  {
    name: 'secure-port',
    type: 'string',
    valueLabel: 'int',
    defaultText: '6443',
    usage: 'The port on which to serve HTTPS with authentication and authorization. 0 picks a free port.',
  },
  {
    name: 'service-cluster-ip-range',
    type: 'string',
    defaultText: '10.96.0.0/12',
    usage:
      'A CIDR notation IP range from which to assign service cluster IPs. Its first address is the ClusterIP of the default/kubernetes Service.',
  },
  {
    name: 'service-node-port-range',
    type: 'string',
    defaultText: '30000-32767',
    usage: 'A port range to reserve for services with NodePort visibility, inclusive at both ends (e.g. 30000-32767).',
  },
  {
    name: 'endpoint-reconciler-type',
    type: 'string',
    defaultText: 'lease',
    usage: 'Use an endpoint reconciler (lease, none) for the default/kubernetes Service.',
  },
  {
    name: 'goaway-chance',
    type: 'string',
    defaultText: '0',
    usage:
      'To spread long-lived HTTP/2 clients across replicas, send a GOAWAY to a request at this probability (0 to 0.02; 0 disables).',
  },
  {
    name: 'shutdown-delay-duration',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '0s',
    usage:
      'Time to keep serving after SIGTERM while /readyz reports failure, so load balancers stop sending traffic before the listener closes.',
  },
  {
    name: 'tls-cert-file',
    type: 'string',
    defaultText: '',
    usage:
      'File containing the serving certificate (CA-signed certificates after it). Without it, one is generated in --cert-dir.',
  },
  {
    name: 'tls-private-key-file',
    type: 'string',
    defaultText: '',
    usage: 'File containing the private key matching --tls-cert-file.',
  },
  {
    name: 'client-ca-file',
    type: 'string',
    defaultText: '',
    usage:
      'Client certificates signed by one of the authorities in this file are accepted; the common name is the user name.',
  },
  {
    name: 'cert-dir',
    type: 'string',
    defaultText: '<data-dir>/pki',
    usage:
      'The directory where generated TLS certificates are kept. Ignored when --tls-cert-file and --tls-private-key-file are given.',
  },
  {
    name: 'identity-lease-duration-seconds',
    type: 'string',
    valueLabel: 'int',
    defaultText: '3600',
    usage: "The duration of this replica's identity lease in kube-system.",
  },
  {
    name: 'identity-lease-renew-interval-seconds',
    type: 'string',
    valueLabel: 'int',
    defaultText: '10',
    usage: 'How often this replica renews its identity lease.',
  },
  {
    name: 'storage-media-type',
    type: 'string',
    defaultText: 'application/vnd.kubernetes.protobuf',
    usage:
      "The media type to use to store objects in storage. Options: 'application/json', 'application/vnd.kubernetes.protobuf'. Custom resources are always stored as JSON; both are always readable.",
  },
  {
    name: 'storage-backend',
    type: 'string',
    defaultText: 'embedded',
    usage: "The storage backend for persistence. Options: 'embedded' (SQLite in --data-dir), 'etcd3'.",
  },
  {
    name: 'anonymous-auth',
    type: 'string',
    valueLabel: 'bool',
    defaultText: 'true',
    usage:
      'Enables anonymous requests to the secure port. Requests that are not rejected by another authentication method are treated as anonymous, with a username of system:anonymous and a group of system:unauthenticated.',
  },
  {
    name: 'authorization-mode',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '[RBAC]',
    usage: 'Ordered list of plug-ins to do authorization on the secure port: AlwaysAllow, AlwaysDeny, Node, RBAC.',
  },
  {
    name: 'token-auth-file',
    type: 'string',
    defaultText: '',
    usage: 'If set, the file that will be used to secure the secure port of the API server via token authentication.',
  },
  {
    name: 'service-account-key-file',
    type: 'string',
    valueLabel: 'stringArray',
    multiple: true,
    defaultText: '',
    usage:
      'File containing PEM-encoded public RSA or ECDSA keys (or private keys) used to verify ServiceAccount tokens. May be given multiple times. Defaults to the signing key.',
  },
  {
    name: 'service-account-signing-key-file',
    type: 'string',
    defaultText: '',
    usage:
      'Path to the file that contains the current private key of the service account token issuer. Without it, one is generated in --cert-dir.',
  },
  {
    name: 'service-account-issuer',
    type: 'string',
    valueLabel: 'stringArray',
    multiple: true,
    defaultText: DEFAULT_SERVICE_ACCOUNT_ISSUER,
    usage:
      'Identifier of the service account token issuer. May be given multiple times: the first is used to sign, all are accepted.',
  },
  {
    name: 'api-audiences',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage:
      'Identifiers of the API. Tokens used against the API must be bound to at least one of these audiences. Defaults to the service account issuers.',
  },
  {
    name: 'service-account-max-token-expiration',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '0s',
    usage: 'The maximum validity duration of a token created by the service account token issuer. 0 means no maximum.',
  },
  {
    name: 'authentication-config',
    type: 'string',
    defaultText: '',
    usage: 'File with an AuthenticationConfiguration (apiserver.config.k8s.io) for JWT token authenticators.',
  },
  {
    name: 'requestheader-client-ca-file',
    type: 'string',
    defaultText: '',
    usage:
      'Root certificate bundle to verify client certificates on incoming requests before trusting usernames in headers specified by --requestheader-username-headers.',
  },
  {
    name: 'requestheader-allowed-names',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage:
      'List of client certificate common names to allow to provide usernames in headers. If empty, any is allowed.',
  },
  {
    name: 'requestheader-username-headers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request headers to inspect for usernames. X-Remote-User is common.',
  },
  {
    name: 'requestheader-uid-headers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request headers to inspect for UIDs. X-Remote-Uid is suggested.',
  },
  {
    name: 'requestheader-group-headers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request headers to inspect for groups. X-Remote-Group is suggested.',
  },
  {
    name: 'requestheader-extra-headers-prefix',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request header prefixes to inspect. X-Remote-Extra- is suggested.',
  },
];

/** Flags pflag treats as bool: `--flag` alone means true, `--flag=false` turns it off. */
const BOOL_FLAGS = new Set(FLAGS.filter((f) => f.valueLabel === 'bool').map((f) => f.name));

function normalizeBoolFlags(argv: string[]): string[] {
  return argv.map((a) => (a.startsWith('--') && BOOL_FLAGS.has(a.slice(2)) ? `${a}=true` : a));
}

function parseBool(flag: string, text: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw invalid(flag, text, 'must be a boolean');
}

/** An invalid command line; main prints the message and exits 1. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

export function formatHelp(): string {
  const lines = ['Usage: kapi [flags]', '', 'Flags:'];
  const left = FLAGS.map((f) =>
    f.type === 'boolean'
      ? `  -h, --${f.name}`
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
      f.name === 'help' ? { type: 'boolean', short: 'h' } : { type: f.type, multiple: f.multiple === true };
  }
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({ args: normalizeBoolFlags(argv), options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new OptionsError(describeParseError(err));
  }
  if (values.help) return { help: true };

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

  return {
    anonymousAuth: parseBool('anonymous-auth', str('anonymous-auth', 'true')),
    authorizationModes: authorizationModes as AuthorizationMode[],
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
    dataDir,
    serviceNodePortRange,
    endpointReconcilerType,
    goawayChance,
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
    etcdServers,
    etcdPrefix,
    serviceClusterIPRange,
    etcdCompactionIntervalMs,
    defaultWatchCacheSize,
  };
}

function invalid(flag: string, value: string, why: string): OptionsError {
  return new OptionsError(`invalid value ${JSON.stringify(value)} for flag --${flag}: ${why}`);
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw invalid(flag, text, 'must be an integer');
  const n = Number(text.trim());
  if (n < min || n > max) throw invalid(flag, text, `must be between ${min} and ${max}`);
  return n;
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || /^[0:]+$/.test(ip);
}

function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag: ${flag ?? e.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag ? `flag needs an argument: ${flag.split(/[ =]/)[0]}` : (e.message ?? 'invalid flag value');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument: ${/'([^']*)'/.exec(e.message ?? '')?.[1] ?? e.message}`;
    default:
      return e.message ?? String(err);
  }
}

/**
 * The first usable address of a service range (network + 1): kube-apiserver
 * gives it to the default/kubernetes Service. For a dual-stack list
 * ("v4cidr,v6cidr") the primary (first) range is used.
 */
export function firstServiceIP(cidr: string): string {
  const primary = cidr.split(',')[0].trim();
  const parsed = parseCidr(primary);
  const hostBits = parsed.bits - parsed.prefix;
  // kube-apiserver refuses ranges larger than 2^20 addresses.
  if (hostBits > 20)
    throw new Error(`range ${primary} is too large; the prefix length must be at least /${parsed.bits - 20}`);
  if (hostBits < 2) throw new Error(`range ${primary} is too small to hold a service address`);
  return bigIntToIp(parsed.network + 1n, parsed.family);
}

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go time.Duration string ("5m", "1h30m", "1.5s", "-2ms", "0") into milliseconds. */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new Error('invalid duration ""');
  let rest = input;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (!match) {
      const missingUnit = /^(\d+(?:\.\d*)?|\.\d+)$/.test(rest);
      throw new Error(`${missingUnit ? 'missing unit in' : 'invalid'} duration ${JSON.stringify(text)}`);
    }
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}
