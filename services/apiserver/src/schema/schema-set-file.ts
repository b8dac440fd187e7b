/**
 * proto/schema-set.json: the schema model of every message in proto/, as
 * proto-parse.ts reads it from the .proto text, kept so that a start needs one
 * JSON.parse (a few milliseconds) instead of a protobufjs parse of every file.
 * One message per line, so a change to proto/ shows as a readable diff.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageSchema } from './model';

export const SCHEMA_SET_FILE = 'schema-set.json';

export function schemaSetFilePath(protoDir: string): string {
  return path.join(protoDir, SCHEMA_SET_FILE);
}

export function renderSchemaSetFile(messages: readonly MessageSchema[]): string {
  return `[\n${messages.map((m) => JSON.stringify(m)).join(',\n')}\n]\n`;
}

/** The messages the file lists, or undefined when protoDir has none. */
export function readSchemaSetFile(protoDir: string): MessageSchema[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(schemaSetFilePath(protoDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as MessageSchema[];
}
