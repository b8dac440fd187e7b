/**
 * Writes proto/schema-set.json, the schema model the replica starts from, from the
 * .proto files in proto/ (run it after gen-proto; a test checks the committed file is current).
 *
 *   node dist/tools/gen-schema-set.js [protoDir]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMessageSchemas } from '../services/apiserver/src/schema/proto-parse';
import { renderSchemaSetFile, schemaSetFilePath } from '../services/apiserver/src/schema/schema-set-file';

export function generateSchemaSetFile(protoDir: string): string {
  const target = schemaSetFilePath(protoDir);
  fs.writeFileSync(target, renderSchemaSetFile(parseMessageSchemas(protoDir)));
  return target;
}

function main(): void {
  const repo = path.resolve(__dirname, '..', '..');
  const target = generateSchemaSetFile(process.argv[2] ?? path.join(repo, 'proto'));
  process.stdout.write(`wrote ${target}\n`);
}

if (require.main === module) main();
