/**
 * A small KMS v2 plugin: kapi (or kube-apiserver) sends it the DEK seed to wrap
 * and unwrap over gRPC on a unix socket. The key encryption key is a local
 * 32-byte file; the key ID is a hash of it, so replacing the file is a rotation
 * the API server notices through Status.
 *
 *   node dist/services/kms-plugin/src/kms-plugin.js --socket PATH --key-file PATH
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { kmsServiceDefinition } from '../../apiserver/src/storage/value/kms-proto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Tells a reader of etcd which plugin format wrapped the seed; plugins may store any annotations. */
const FORMAT_ANNOTATION = 'format.kms-plugin.kapi.dev';

export interface KeyEncryptionKey {
  key: Buffer;
  keyId: string;
}

/** Reads the key file (32 raw bytes or their base64), creating one with a random key when absent. */
export function loadKeyFile(file: string): KeyEncryptionKey {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const raw = readFileSync(file);
  const text = raw.toString('utf8').trim();
  const key = raw.length === 32 ? raw : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`${file}: expected a 32-byte key (raw or base64), got ${key.length} bytes`);
  return { key, keyId: `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 32)}` };
}

export function wrap(kek: KeyEncryptionKey, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', kek.key, nonce);
  c.setAAD(Buffer.from(kek.keyId));
  return Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
}

export function unwrap(kek: KeyEncryptionKey, ciphertext: Buffer): Buffer {
  if (ciphertext.length < NONCE_BYTES + TAG_BYTES) throw new Error('ciphertext is too short');
  const d = createDecipheriv('aes-256-gcm', kek.key, ciphertext.subarray(0, NONCE_BYTES));
  d.setAAD(Buffer.from(kek.keyId));
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([d.update(ciphertext.subarray(NONCE_BYTES, ciphertext.length - TAG_BYTES)), d.final()]);
}

type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;

function fail(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

export interface RunningPlugin {
  socketPath: string;
  stop(): Promise<void>;
}

export async function startKmsPlugin(socketPath: string, keyFile: string): Promise<RunningPlugin> {
  // re-read on every Status so a replaced key file is a rotation without a restart
  let kek = loadKeyFile(keyFile);
  const current = (): KeyEncryptionKey => {
    try {
      kek = loadKeyFile(keyFile);
    } catch {
      // keep the last good key; Status still answers with it
    }
    return kek;
  };
  const status: Handler<unknown, { version: string; healthz: string; keyId: string }> = (_call, cb) =>
    cb(null, { version: 'v2', healthz: 'ok', keyId: current().keyId });
  const encrypt: Handler<{ plaintext: Buffer; uid: string }, object> = (call, cb) => {
    const k = kek;
    cb(null, {
      ciphertext: wrap(k, Buffer.from(call.request.plaintext)),
      keyId: k.keyId,
      annotations: { [FORMAT_ANNOTATION]: Buffer.from('aes-256-gcm/v1') },
    });
  };
  const decrypt: Handler<{ ciphertext: Buffer; keyId: string }, object> = (call, cb) => {
    const k = kek;
    if (call.request.keyId !== k.keyId) {
      cb(fail(grpc.status.INVALID_ARGUMENT, `unknown key id ${call.request.keyId}`));
      return;
    }
    try {
      cb(null, { plaintext: unwrap(k, Buffer.from(call.request.ciphertext)) });
    } catch (e) {
      cb(fail(grpc.status.INVALID_ARGUMENT, `cannot decrypt: ${(e as Error).message}`));
    }
  };
  rmSync(socketPath, { force: true });
  const server = new grpc.Server();
  server.addService(kmsServiceDefinition(), {
    status,
    encrypt,
    decrypt,
  } as unknown as grpc.UntypedServiceImplementation);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    socketPath,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { socket: { type: 'string' }, 'key-file': { type: 'string' } },
    strict: true,
  });
  if (!values.socket || !values['key-file']) {
    console.error('usage: kms-plugin --socket PATH --key-file PATH');
    process.exit(2);
  }
  const plugin = await startKmsPlugin(values.socket, values['key-file']);
  console.log(
    `kms-plugin: serving KMS v2 on unix://${plugin.socketPath} (key ${loadKeyFile(values['key-file']).keyId})`,
  );
  const stop = (): void => {
    void plugin.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`kms-plugin: ${(e as Error).message}`);
    process.exit(1);
  });
}
