import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { gcmOpen, gcmSeal } from './aes';
import type { KmsService } from './kms-client';
import {
  EncryptedDEKSourceType,
  decodeEncryptedObject,
  encodeEncryptedObject,
  type EncryptedObject,
} from './kms-proto';
import type { ValueTransformer } from './transformer';

/** Upstream's KMS v2 limits and timings (encryptionconfig and kmsv2 packages). */
export const KMS_LIMITS = {
  annotationsMaxSize: 32 * 1024,
  keyIDMaxSize: 1024,
  encryptedDEKSourceMaxSize: 1024,
};
export const KMS_TIMINGS = {
  healthzPositiveTtlMs: 20_000,
  healthzNegativeTtlMs: 3_000,
  pollPositiveIntervalMs: 60_000,
  pollNegativeIntervalMs: 10_000,
  writeDekSourceMaxTtlMs: 3 * 60_000,
};

const SEED_BYTES = 32;
const INFO_BYTES = 32;
const DERIVED_KEY_BYTES = 32;

/** HKDF-Expand only (no extract step), one SHA-256 block: what the seed-based DEK derivation uses. */
export function deriveSeedKey(seed: Buffer, info: Buffer): Buffer {
  return createHmac('sha256', seed)
    .update(Buffer.concat([info, Buffer.from([1])]))
    .digest()
    .subarray(0, DERIVED_KEY_BYTES);
}

/** Opens encryptedData under a DEK source of either type; the etcd key is the additional data. */
interface DekReader {
  open(encryptedData: Buffer, etcdKey: string): Buffer;
}

function seedReader(seed: Buffer): DekReader {
  if (seed.length < SEED_BYTES) throw new Error(`invalid seed length ${seed.length} used for key generation`);
  return {
    open(data, etcdKey) {
      if (data.length < INFO_BYTES) throw new Error('the stored data was shorter than the required size');
      const info = data.subarray(0, INFO_BYTES);
      return gcmOpen(deriveSeedKey(seed, info), data.subarray(INFO_BYTES), Buffer.from(etcdKey));
    },
  };
}

function keyReader(key: Buffer): DekReader {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32)
    throw new Error(`crypto/aes: invalid key size ${key.length}`);
  return { open: (data, etcdKey) => gcmOpen(key, data, Buffer.from(etcdKey)) };
}

/** info(32) || nonce(12) || ciphertext || tag, the layout of a seed-derived write. */
export function sealWithSeed(seed: Buffer, plain: Buffer, etcdKey: string): Buffer {
  const info = randomBytes(INFO_BYTES);
  return Buffer.concat([info, gcmSeal(deriveSeedKey(seed, info), plain, Buffer.from(etcdKey))]);
}

export function validateKeyID(keyID: string): void {
  if (keyID === '') throw new Error('keyID is empty');
  const size = Buffer.byteLength(keyID);
  if (size > KMS_LIMITS.keyIDMaxSize)
    throw new Error(`keyID is ${size} bytes, which exceeds the max size of ${KMS_LIMITS.keyIDMaxSize}`);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateAnnotations(annotations: Record<string, Buffer>): void {
  const errs: string[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (k.length > 253 || !DNS1123_SUBDOMAIN.test(k)) {
      errs.push(
        `metadata.annotations: Invalid value: "${k}": should be a domain with at least two segments separated by dots`,
      );
    }
    total += k.length + v.length;
  }
  if (errs.length > 0) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
  if (total > KMS_LIMITS.annotationsMaxSize)
    throw new Error(`annotations exceeds max size of ${KMS_LIMITS.annotationsMaxSize}, actual size ${total}`);
}

export function validateEncryptedObject(o: EncryptedObject): void {
  const t = o.encryptedDEKSourceType;
  if (t !== EncryptedDEKSourceType.AES_GCM_KEY && t !== EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED) {
    throw new Error(`unknown encryptedDEKSourceType: ${t}`);
  }
  if (o.encryptedData.length === 0) throw new Error('encrypted data is empty');
  if (o.encryptedDEKSource.length === 0)
    throw new Error('failed to validate encrypted DEK source: encrypted DEK source is empty');
  if (o.encryptedDEKSource.length > KMS_LIMITS.encryptedDEKSourceMaxSize) {
    throw new Error(
      `failed to validate encrypted DEK source: encrypted DEK source is ${o.encryptedDEKSource.length} bytes, which exceeds the max size of ${KMS_LIMITS.encryptedDEKSourceMaxSize}`,
    );
  }
  try {
    validateKeyID(o.keyID);
  } catch (e) {
    throw new Error(`failed to validate key id: ${(e as Error).message}`);
  }
  try {
    validateAnnotations(o.annotations);
  } catch (e) {
    throw new Error(`failed to validate annotations: ${(e as Error).message}`);
  }
}

/** The write state: the current seed, and its encrypted form as the plugin returned it. */
interface WriteState {
  seed: Buffer;
  keyID: string;
  encryptedDEKSource: Buffer;
  annotations: Record<string, Buffer>;
  expiresAt: number;
}

function cacheKeyOf(type: number, source: Buffer, keyID: string, annotations: Record<string, Buffer>): string {
  const ann = Object.keys(annotations)
    .sort()
    .map((k) => `${k}=${annotations[k].toString('base64')}`)
    .join(',');
  return `${type}|${source.toString('base64')}|${keyID}|${ann}`;
}

/** Decrypted DEK sources are kept by their encrypted form; bounded so a flood of distinct sources cannot grow it forever. */
const DEK_CACHE_MAX = 10_000;

/**
 * One configured KMS v2 provider: its envelope transformer and its health probe,
 * which is also what notices a key rotation at the plugin (a new key ID from
 * Status) and then has a new seed encrypted under the new key.
 */
export class KmsV2Provider {
  private state: WriteState | undefined;
  private lastCheck: { at: number; ttl: number; err?: Error } | undefined;
  private checking: Promise<void> | undefined;
  private version = '';
  private readonly dekCache = new Map<string, DekReader>();
  private readonly decrypting = new Map<string, Promise<DekReader>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly service: KmsService,
    private readonly now: () => number = Date.now,
  ) {}

  /** Upstream primes the state inline once, then keeps polling Status in the background. */
  async start(): Promise<void> {
    const ok = await this.check().then(
      () => true,
      () => false,
    );
    this.schedule(ok ? KMS_TIMINGS.pollPositiveIntervalMs : KMS_TIMINGS.pollNegativeIntervalMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().then((ok) =>
        this.schedule(ok ? KMS_TIMINGS.pollPositiveIntervalMs : KMS_TIMINGS.pollNegativeIntervalMs),
      );
    }, ms);
    this.timer.unref();
  }

  private async poll(): Promise<boolean> {
    this.lastCheck = undefined; // a background poll always asks the plugin
    return this.check().then(
      () => true,
      () => false,
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.service.close();
  }

  /** The health check; answers from the last result for a while as upstream does (20 s healthy, 3 s failing). */
  async check(): Promise<void> {
    const last = this.lastCheck;
    if (last && this.now() - last.at < last.ttl) {
      if (last.err) throw last.err;
      return;
    }
    this.checking ??= this.checkNow().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkNow(): Promise<void> {
    let err: Error | undefined;
    try {
      let status;
      try {
        status = await this.service.status();
      } catch (e) {
        throw new Error(
          `failed to perform status section of the healthz check for KMS Provider ${this.name}, error: ${(e as Error).message}`,
        );
      }
      await this.healthyAndMaybeRotate(status.healthz, status.version, status.keyId);
    } catch (e) {
      err = e as Error;
    }
    this.lastCheck = {
      at: this.now(),
      ttl: err ? KMS_TIMINGS.healthzNegativeTtlMs : KMS_TIMINGS.healthzPositiveTtlMs,
      err,
    };
    if (err) throw err;
  }

  private async healthyAndMaybeRotate(healthz: string, version: string, keyID: string): Promise<void> {
    const errs: string[] = [];
    if (healthz !== 'ok') errs.push(`got unexpected healthz status: ${healthz}`);
    if (version !== 'v2' && version !== 'v2beta1') {
      errs.push(`expected KMSv2 API version v2, got ${version}`);
    } else {
      if (this.version === '') this.version = version;
      if (this.version !== version)
        errs.push(
          `KMSv2 API version should not change after the initial status response version ${this.version}, got ${version}`,
        );
    }
    let keyOk = true;
    try {
      validateKeyID(keyID);
    } catch (e) {
      keyOk = false;
      errs.push(`got invalid KMSv2 KeyID hash "${hashIfNotEmpty(keyID)}": ${(e as Error).message}`);
    }
    if (keyOk) {
      try {
        await this.rotateOnKeyIDChange(keyID);
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    if (errs.length > 0) {
      const joined = errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
      throw new Error(`kmsv2 Provider ${this.name} is not healthy, error: ${joined}`);
    }
  }

  private async rotateOnKeyIDChange(statusKeyID: string): Promise<void> {
    const expiresAt = this.now() + KMS_TIMINGS.writeDekSourceMaxTtlMs;
    if (this.state && this.state.keyID === statusKeyID) {
      this.state.expiresAt = expiresAt;
      return;
    }
    const uid = randomUUID();
    const seed = randomBytes(SEED_BYTES);
    let genErr = '';
    try {
      const resp = await this.service.encrypt(uid, seed);
      const candidate: EncryptedObject = {
        encryptedData: Buffer.from([0]),
        keyID: resp.keyId,
        encryptedDEKSource: Buffer.from(resp.ciphertext),
        annotations: resp.annotations ?? {},
        encryptedDEKSourceType: EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED,
      };
      validateEncryptedObject(candidate);
      if (resp.keyId === statusKeyID) {
        this.state = {
          seed,
          keyID: resp.keyId,
          encryptedDEKSource: candidate.encryptedDEKSource,
          annotations: candidate.annotations,
          expiresAt,
        };
        const key = cacheKeyOf(
          candidate.encryptedDEKSourceType,
          candidate.encryptedDEKSource,
          resp.keyId,
          candidate.annotations,
        );
        this.remember(key, seedReader(seed));
        return;
      }
      genErr = `encrypt returned key ID hash "${hashIfNotEmpty(resp.keyId)}"`;
    } catch (e) {
      genErr = `failed to encrypt DEK, error: ${(e as Error).message}`;
    }
    throw new Error(
      `failed to rotate DEK uid="${uid}", useSeed=true, errGen=${genErr}, statusKeyIDHash="${hashIfNotEmpty(statusKeyID)}", stateKeyIDHash="${hashIfNotEmpty(this.state?.keyID ?? '')}"`,
    );
  }

  private remember(key: string, reader: DekReader): void {
    if (this.dekCache.size >= DEK_CACHE_MAX) {
      const oldest = this.dekCache.keys().next().value;
      if (oldest !== undefined) this.dekCache.delete(oldest);
    }
    this.dekCache.set(key, reader);
  }

  private currentState(): WriteState {
    if (!this.state) throw new Error('got unexpected nil transformer');
    return this.state;
  }

  private async readerFor(o: EncryptedObject): Promise<DekReader> {
    const key = cacheKeyOf(o.encryptedDEKSourceType, o.encryptedDEKSource, o.keyID, o.annotations);
    const cached = this.dekCache.get(key);
    if (cached) return cached;
    let pending = this.decrypting.get(key);
    if (!pending) {
      pending = (async () => {
        let plain: Buffer;
        try {
          plain = await this.service.decrypt(randomUUID(), {
            ciphertext: o.encryptedDEKSource,
            keyId: o.keyID,
            annotations: o.annotations,
          });
        } catch (e) {
          throw new Error(`failed to decrypt DEK, error: ${(e as Error).message}`);
        }
        const reader =
          o.encryptedDEKSourceType === EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED
            ? seedReader(plain)
            : keyReader(plain);
        this.remember(key, reader);
        return reader;
      })().finally(() => this.decrypting.delete(key));
      this.decrypting.set(key, pending);
    }
    return pending;
  }

  readonly transformer: ValueTransformer = {
    fromStorage: async (data, etcdKey) => {
      const o = decodeEncryptedObject(data);
      validateEncryptedObject(o);
      // as upstream, even reads need a primed provider
      const state = this.currentState();
      const reader = await this.readerFor(o);
      const plain = reader.open(o.encryptedData, etcdKey);
      const stale =
        o.keyID !== state.keyID || o.encryptedDEKSourceType !== EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED;
      return { data: plain, stale };
    },
    toStorage: async (data, etcdKey) => {
      const state = this.currentState();
      const now = this.now();
      if (now > state.expiresAt) {
        throw new Error(
          `encryptedDEKSource with keyID hash "${hashIfNotEmpty(state.keyID)}" expired at ${rfc3339(state.expiresAt)} (current time is ${rfc3339(now)})`,
        );
      }
      const o: EncryptedObject = {
        encryptedData: sealWithSeed(state.seed, data, etcdKey),
        keyID: state.keyID,
        encryptedDEKSource: state.encryptedDEKSource,
        annotations: state.annotations,
        encryptedDEKSourceType: EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED,
      };
      validateEncryptedObject(o);
      return encodeEncryptedObject(o);
    },
  };
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Upstream logs and reports key IDs only as a hash. */
export function hashIfNotEmpty(s: string): string {
  if (s === '') return '';
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}
