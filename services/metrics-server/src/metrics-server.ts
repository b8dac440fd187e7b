/**
 * A sample aggregated API server for metrics.k8s.io/v1beta1 (what `kubectl top`
 * reads), built like metrics-server: HTTPS, delegated authentication (front-proxy
 * headers behind the requestheader CA, client certificates, TokenReview) and
 * delegated authorization (SubjectAccessReview), reading Nodes and Pods from the
 * API server its kubeconfig names. Usage figures follow the rule in figures.ts.
 *
 *   node dist/services/metrics-server/src/metrics-server.js --kubeconfig PATH \
 *     --requestheader-client-ca-file PATH [--secure-port 10250] [--bind-address 0.0.0.0] \
 *     [--tls-cert-file PATH --tls-private-key-file PATH] [--metric-resolution 15s]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCa, issueLeaf } from '../../apiserver/src/certs/issue';
import { delegatedAuthenticator, delegatedAuthorizer } from './delegated-auth';
import { KubeClient, loadKubeconfig } from './kube-client';
import { MetricsApi } from './metrics-api';
import { buildOpenApiDocuments } from './openapi';
import { listenMetricsServer, type RunningMetricsServer } from './server';

export interface MetricsServerOptions {
  kubeconfig: string;
  /** kubeconfigs for TokenReview and SubjectAccessReview; --kubeconfig when unset, as metrics-server */
  authenticationKubeconfig?: string;
  authorizationKubeconfig?: string;
  bindAddress: string;
  securePort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  requestheaderClientCaFile?: string;
  requestheaderAllowedNames: string[];
  requestheaderUsernameHeaders: string[];
  requestheaderGroupHeaders: string[];
  requestheaderExtraHeadersPrefix: string[];
  clientCaFile?: string;
  metricResolutionMs: number;
  log?: (line: string) => void;
}

/** Go duration text (`15s`, `1m30s`, `500ms`) in milliseconds. */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  if (text === '' || total <= 0) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

/** A serving certificate of its own when none is given, as metrics-server writes one to --cert-dir. */
function servingPair(opts: MetricsServerOptions): { certPem: string; keyPem: string } {
  if (opts.tlsCertFile && opts.tlsPrivateKeyFile)
    return { certPem: readFileSync(opts.tlsCertFile, 'utf8'), keyPem: readFileSync(opts.tlsPrivateKeyFile, 'utf8') };
  const ca = createCa(`metrics-server-ca@${Math.floor(Date.now() / 1000)}`);
  return issueLeaf(ca, {
    subject: { commonName: 'localhost' },
    usage: 'serverAuth',
    sans: [
      { kind: 'dns', value: 'localhost' },
      { kind: 'ip', value: '127.0.0.1' },
    ],
  });
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<RunningMetricsServer> {
  const kube = new KubeClient(loadKubeconfig(opts.kubeconfig));
  const authnKube = opts.authenticationKubeconfig
    ? new KubeClient(loadKubeconfig(opts.authenticationKubeconfig))
    : kube;
  const authzKube = opts.authorizationKubeconfig ? new KubeClient(loadKubeconfig(opts.authorizationKubeconfig)) : kube;
  const requestHeader = opts.requestheaderClientCaFile
    ? {
        clientCAPem: readFileSync(opts.requestheaderClientCaFile, 'utf8'),
        allowedNames: opts.requestheaderAllowedNames,
        usernameHeaders: opts.requestheaderUsernameHeaders,
        uidHeaders: [],
        groupHeaders: opts.requestheaderGroupHeaders,
        extraHeaderPrefixes: opts.requestheaderExtraHeadersPrefix,
      }
    : undefined;
  const running = await listenMetricsServer(
    {
      api: new MetricsApi(kube, { now: () => new Date(), resolutionMs: opts.metricResolutionMs }),
      authenticator: delegatedAuthenticator({
        requestHeader,
        clientCAPem: opts.clientCaFile ? readFileSync(opts.clientCaFile, 'utf8') : undefined,
        kube: authnKube,
      }),
      authorizer: delegatedAuthorizer(authzKube),
      openapi: buildOpenApiDocuments(),
      tls: servingPair(opts),
      log: opts.log,
    },
    opts.bindAddress,
    opts.securePort,
  );
  return {
    ...running,
    stop: async () => {
      await running.stop();
      for (const k of new Set([kube, authnKube, authzKube])) k.close();
    },
  };
}

function list(v: string | undefined, fallback: string[]): string[] {
  if (v === undefined) return fallback;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseMetricsServerArgs(argv: string[]): MetricsServerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'authentication-kubeconfig': { type: 'string' },
      'authorization-kubeconfig': { type: 'string' },
      'bind-address': { type: 'string' },
      'secure-port': { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'requestheader-client-ca-file': { type: 'string' },
      'requestheader-allowed-names': { type: 'string' },
      'requestheader-username-headers': { type: 'string' },
      'requestheader-group-headers': { type: 'string' },
      'requestheader-extra-headers-prefix': { type: 'string' },
      'client-ca-file': { type: 'string' },
      'metric-resolution': { type: 'string' },
    },
    strict: true,
  });
  if (!values.kubeconfig) throw new Error('--kubeconfig is required');
  const port = Number(values['secure-port'] ?? '10250');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --secure-port ${values['secure-port']}`);
  return {
    kubeconfig: values.kubeconfig,
    authenticationKubeconfig: values['authentication-kubeconfig'],
    authorizationKubeconfig: values['authorization-kubeconfig'],
    bindAddress: values['bind-address'] ?? '0.0.0.0',
    securePort: port,
    tlsCertFile: values['tls-cert-file'],
    tlsPrivateKeyFile: values['tls-private-key-file'],
    requestheaderClientCaFile: values['requestheader-client-ca-file'],
    requestheaderAllowedNames: list(values['requestheader-allowed-names'], []),
    requestheaderUsernameHeaders: list(values['requestheader-username-headers'], ['x-remote-user']),
    requestheaderGroupHeaders: list(values['requestheader-group-headers'], ['x-remote-group']),
    requestheaderExtraHeadersPrefix: list(values['requestheader-extra-headers-prefix'], ['x-remote-extra-']),
    clientCaFile: values['client-ca-file'],
    metricResolutionMs: parseGoDuration(values['metric-resolution'] ?? '15s'),
  };
}

async function main(): Promise<void> {
  const opts = parseMetricsServerArgs(process.argv.slice(2));
  const server = await startMetricsServer({ ...opts, log: (line) => console.error(line) });
  const host = server.address.includes(':') ? `[${server.address}]` : server.address;
  console.log(`metrics-server: serving metrics.k8s.io/v1beta1 on https://${host}:${server.port}`);
  const stop = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`metrics-server: ${(e as Error).message}`);
    process.exit(1);
  });
}
