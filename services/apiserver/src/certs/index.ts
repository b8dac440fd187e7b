export { ensurePki, pkiPaths, pkiPathsIn, type Pki, type PkiPaths, type EnsurePkiOptions } from './pki';
export { writeKubeconfig, renderKubeconfig, type KubeconfigInput } from './kubeconfig';
export { servingSans, type SanEntry } from './addresses';
export { resolveServingPki, splitPemBundle, type ServingPki, type ServingPkiOptions } from './serving';
