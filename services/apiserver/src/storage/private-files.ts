import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/** Owner only: the data directory holds every Secret (the store) and the cluster's private keys. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates dir (and parents) owner-only, and narrows an existing one: mkdir's
 * mode applies only to directories it creates, and the umask may widen nothing
 * but can leave an older directory 0755 (etcd likewise insists on 0700).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Narrows a file to owner-only if it exists. */
export function restrictIfPresent(file: string): void {
  if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Makes sure an SQLite database file exists owner-only before SQLite opens it.
 * SQLite creates a new database 0644 and gives its -wal and -shm files the
 * database file's mode, so a 0600 database keeps all three private; files left
 * by an earlier (more permissive) run are narrowed too.
 */
export function preparePrivateDatabase(file: string): void {
  // 'a' creates without truncating an existing database
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
  for (const suffix of ['-wal', '-shm', '-journal']) restrictIfPresent(`${file}${suffix}`);
}
