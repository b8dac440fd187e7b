import * as path from 'node:path';
import type { MessageSchema, SchemaSet } from './model';
import { defaultProtoDir } from './paths';
import { readSchemaSetFile } from './schema-set-file';

class MessageTable implements SchemaSet {
  private readonly messages = new Map<string, MessageSchema>();

  constructor(messages: readonly MessageSchema[]) {
    for (const m of messages) this.messages.set(m.fullName, m);
  }

  message(fullName: string): MessageSchema {
    const m = this.messages.get(fullName);
    if (!m) throw new Error(`unknown message ${fullName}`);
    return m;
  }

  has(fullName: string): boolean {
    return this.messages.has(fullName);
  }

  all(): Iterable<MessageSchema> {
    return this.messages.values();
  }
}

/** The messages of a proto dir parsed from its .proto text (protobufjs is loaded only here). */
export function parseSchemaSet(protoDir: string = defaultProtoDir()): SchemaSet {
  // loaded on demand: a start from schema-set.json never needs the .proto parser
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseMessageSchemas } = require('./proto-parse') as typeof import('./proto-parse');
  return new MessageTable(parseMessageSchemas(protoDir));
}

const cache = new Map<string, SchemaSet>();

/**
 * Builds (once per directory) the SchemaSet of every message in proto/: from its
 * schema-set.json when there is one (see schema-set-file.ts), else from the .proto files.
 */
export function loadSchemaSet(protoDir: string = defaultProtoDir()): SchemaSet {
  const key = path.resolve(protoDir);
  let set = cache.get(key);
  if (!set) {
    const messages = readSchemaSetFile(key);
    set = messages ? new MessageTable(messages) : parseSchemaSet(key);
    cache.set(key, set);
  }
  return set;
}
