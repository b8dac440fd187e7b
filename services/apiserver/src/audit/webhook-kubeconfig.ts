import { readFileSync } from 'node:fs';
import path from 'node:path';
import { yamlLib } from '../codec/yaml-lib';

/** Where and how to reach an audit webhook, from the kubeconfig --audit-webhook-config-file names. */
export interface WebhookTarget {
  url: URL;
  ca?: Buffer;
  insecureSkipTLSVerify: boolean;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function named(list: unknown, name: string | undefined, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const entries = list.filter(isRecord);
  const hit = name === undefined ? entries[0] : entries.find((e) => e.name === name);
  const inner = hit?.[field];
  return isRecord(inner) ? inner : undefined;
}

function bytes(entry: Record<string, unknown>, dataKey: string, fileKey: string, base: string): Buffer | undefined {
  const data = entry[dataKey];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  const file = entry[fileKey];
  if (typeof file === 'string' && file) return readFileSync(path.resolve(base, file));
  return undefined;
}

export function loadWebhookKubeconfig(file: string): WebhookTarget {
  const base = path.dirname(path.resolve(file));
  let doc: unknown;
  try {
    doc = yamlLib().parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`invalid audit webhook kubeconfig ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(doc)) throw new Error(`invalid audit webhook kubeconfig ${file}: not an object`);
  const currentName = typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined;
  const context = currentName ? named(doc.contexts, currentName, 'context') : named(doc.contexts, undefined, 'context');
  const clusterName = typeof context?.cluster === 'string' ? context.cluster : undefined;
  const userName = typeof context?.user === 'string' ? context.user : undefined;
  const cluster = named(doc.clusters, clusterName, 'cluster');
  if (!cluster || typeof cluster.server !== 'string' || cluster.server === '') {
    throw new Error(`invalid audit webhook kubeconfig ${file}: no cluster with a server`);
  }
  const user = named(doc.users, userName, 'user') ?? {};
  const tokenFile = typeof user.tokenFile === 'string' ? user.tokenFile : undefined;
  const token =
    typeof user.token === 'string' && user.token
      ? user.token
      : tokenFile
        ? readFileSync(path.resolve(base, tokenFile), 'utf8').trim()
        : undefined;
  return {
    url: new URL(cluster.server),
    ca: bytes(cluster, 'certificate-authority-data', 'certificate-authority', base),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    cert: bytes(user, 'client-certificate-data', 'client-certificate', base),
    key: bytes(user, 'client-key-data', 'client-key', base),
    token,
  };
}
