import type Forge from 'node-forge';

let forge: typeof Forge | undefined;

/**
 * node-forge (some 40 modules, a few tens of milliseconds to load), loaded at its first
 * use: issuing a certificate, reading a CSR or a client certificate's subject. A restart
 * over an existing PKI reaches ready without it.
 */
export function nodeForge(): typeof Forge {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  forge ??= require('node-forge') as typeof Forge;
  return forge;
}
