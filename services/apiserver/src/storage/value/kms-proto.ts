import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { repoRoot } from '../../schema/paths';

const protoDir = (): string => path.join(repoRoot(), 'services', 'apiserver', 'proto-kms');

export interface StatusResponse {
  version: string;
  healthz: string;
  keyId: string;
}
export interface EncryptRequest {
  plaintext: Buffer;
  uid: string;
}
export interface EncryptResponse {
  ciphertext: Buffer;
  keyId: string;
  annotations: Record<string, Buffer>;
}
export interface DecryptRequest {
  ciphertext: Buffer;
  uid: string;
  keyId: string;
  annotations: Record<string, Buffer>;
}
export interface DecryptResponse {
  plaintext: Buffer;
}

let serviceDef: grpc.ServiceDefinition | undefined;

/** v2.KeyManagementService, loaded once; keys keep the proto's snake_case names turned camelCase. */
export function kmsServiceDefinition(): grpc.ServiceDefinition {
  if (!serviceDef) {
    const pkgDef = protoLoader.loadSync(path.join(protoDir(), 'kms-v2-service.proto'), {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(pkgDef) as unknown as {
      v2: { KeyManagementService: grpc.ServiceClientConstructor };
    };
    serviceDef = loaded.v2.KeyManagementService.service;
  }
  return serviceDef;
}

/** upstream's kmstypes.EncryptedDEKSourceType */
export enum EncryptedDEKSourceType {
  AES_GCM_KEY = 0,
  HKDF_SHA256_XNONCE_AES_GCM_SEED = 1,
}

export interface EncryptedObject {
  encryptedData: Buffer;
  keyID: string;
  encryptedDEKSource: Buffer;
  annotations: Record<string, Buffer>;
  encryptedDEKSourceType: number;
}

let encryptedObjectType: protobuf.Type | undefined;
function objectType(): protobuf.Type {
  encryptedObjectType ??= protobuf
    .loadSync(path.join(protoDir(), 'kms-v2-encrypted-object.proto'))
    .lookupType('v2.EncryptedObject');
  return encryptedObjectType;
}

export function encodeEncryptedObject(o: EncryptedObject): Buffer {
  const t = objectType();
  return Buffer.from(t.encode(t.fromObject(o)).finish());
}

/** Throws on bytes that are not an EncryptedObject; unknown enum numbers survive for validation to refuse. */
export function decodeEncryptedObject(bytes: Buffer): EncryptedObject {
  const t = objectType();
  const m = t.toObject(t.decode(bytes), { defaults: true, enums: Number }) as {
    encryptedData: Uint8Array;
    keyID: string;
    encryptedDEKSource: Uint8Array;
    annotations?: Record<string, Uint8Array>;
    encryptedDEKSourceType: number;
  };
  const annotations: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(m.annotations ?? {})) annotations[k] = Buffer.from(v);
  return {
    encryptedData: Buffer.from(m.encryptedData),
    keyID: m.keyID,
    encryptedDEKSource: Buffer.from(m.encryptedDEKSource),
    annotations,
    encryptedDEKSourceType: m.encryptedDEKSourceType,
  };
}
