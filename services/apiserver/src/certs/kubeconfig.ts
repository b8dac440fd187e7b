import { promises as fs } from 'node:fs';
import path from 'node:path';
import { yamlLib } from '../codec/yaml-lib';
import { plainYaml, type PlainMap } from './plain-yaml';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  /** Without a client pair the user entry is empty (the client is anonymous). */
  clientCertPem?: string;
  clientKeyPem?: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
}

const b64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

/** The kubeconfig document (credentials embedded, so the file is self-contained). */
export function kubeconfigDocument(input: KubeconfigInput): PlainMap {
  const clusterName = input.clusterName ?? 'kapi';
  const userName = input.userName ?? 'kapi-admin';
  const contextName = input.contextName ?? 'kapi';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: clusterName, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } },
    ],
    users: [
      {
        name: userName,
        user:
          input.clientCertPem && input.clientKeyPem
            ? {
                'client-certificate-data': b64(input.clientCertPem),
                'client-key-data': b64(input.clientKeyPem),
              }
            : {},
      },
    ],
    contexts: [{ name: contextName, context: { cluster: clusterName, user: userName } }],
    'current-context': contextName,
    preferences: {},
  };
}

/** The kubeconfig as YAML text. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const doc = kubeconfigDocument(input);
  // names and addresses that need quoting are rare; the yaml package writes those
  return plainYaml(doc) ?? yamlLib().stringify(doc);
}

/** Writes the kubeconfig with mode 0600: it carries a cluster-admin private key. */
export async function writeKubeconfig(file: string, input: KubeconfigInput): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, renderKubeconfig(input), { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}
