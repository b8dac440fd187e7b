export { ensurePki, pkiPaths, type Pki, type PkiPaths, type EnsurePkiOptions } from './pki';
export { writeKubeconfig, renderKubeconfig, type KubeconfigInput } from './kubeconfig';
export { servingSans, type SanEntry } from './addresses';
