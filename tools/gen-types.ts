/**
 * Generates TypeScript interfaces of the JSON shape of every message in proto/ into
 * services/apiserver/src/generated/ (one module per proto package plus index.ts).
 *
 *   node dist/tools/gen-types.js [protoDir] [outDir]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSchemaSet } from '../services/apiserver/src/schema/load';
import type { FieldSchema, MessageSchema, SchemaSet } from '../services/apiserver/src/schema/model';

const OBJECT_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta';

function packageOf(fullName: string): string {
  return fullName.slice(0, fullName.lastIndexOf('.'));
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** Module alias of a package, e.g. k8s.io.api.core.v1 → core_v1, meta.v1 → meta_v1 (made unique across packages). */
export function packageAliases(packages: string[]): Map<string, string> {
  const aliases = new Map<string, string>();
  const used = new Set<string>();
  for (const pkg of [...packages].sort()) {
    const parts = pkg.split('.');
    let alias = parts
      .slice(-2)
      .join('_')
      .replace(/[^A-Za-z0-9_]/g, '_');
    if (used.has(alias))
      alias = parts
        .slice(-3)
        .join('_')
        .replace(/[^A-Za-z0-9_]/g, '_');
    if (used.has(alias)) alias = pkg.replace(/[^A-Za-z0-9_]/g, '_');
    used.add(alias);
    aliases.set(pkg, alias);
  }
  return aliases;
}

interface Ctx {
  schemas: SchemaSet;
  pkg: string;
  aliases: Map<string, string>;
  imports: Set<string>;
}

function typeRef(ctx: Ctx, fullName: string): string {
  const pkg = packageOf(fullName);
  if (pkg === ctx.pkg) return shortName(fullName);
  ctx.imports.add(pkg);
  return `${ctx.aliases.get(pkg)}.${shortName(fullName)}`;
}

function scalarType(type: string): string {
  switch (type) {
    case 'string':
    case 'bytes':
      return 'string';
    case 'bool':
      return 'boolean';
    default:
      return 'number';
  }
}

function messageType(ctx: Ctx, fullName: string): string {
  const m = ctx.schemas.message(fullName);
  const props = (): string => typeRef(ctx, fullName.replace(/JSONSchemaPropsOr\w+$/, 'JSONSchemaProps'));
  switch (m.customJson) {
    case 'Time':
    case 'MicroTime':
      return 'string | null';
    case 'Duration':
    case 'Quantity':
      return 'string';
    case 'IntOrString':
      return 'number | string';
    case 'RawJSON':
      return 'JsonValue';
    case 'StringArray':
      return 'string[]';
    case 'JSONSchemaPropsOrArray':
      return `${props()} | ${props()}[]`;
    case 'JSONSchemaPropsOrBool':
      return `boolean | ${props()}`;
    case 'JSONSchemaPropsOrStringArray':
      return `${props()} | string[]`;
    default:
      return typeRef(ctx, fullName);
  }
}

function fieldType(ctx: Ctx, f: FieldSchema): string {
  if (f.label === 'map') {
    const value = f.valueKind === 'message' ? messageType(ctx, String(f.valueType)) : scalarType(String(f.valueType));
    return `Record<string, ${value}>`;
  }
  const base = f.kind === 'message' ? messageType(ctx, f.type) : scalarType(f.type);
  if (f.label === 'repeated') return base.includes(' ') ? `Array<${base}>` : `${base}[]`;
  return base;
}

function memberName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `'${name}'`;
}

function collectMembers(ctx: Ctx, m: MessageSchema, out: Map<string, FieldSchema>): void {
  for (const f of m.fields) {
    if (f.inline && f.kind === 'message') collectMembers(ctx, ctx.schemas.message(f.type), out);
    else if (f.jsonName !== '-' && f.jsonName !== '' && !out.has(f.jsonName)) out.set(f.jsonName, f);
  }
}

function renderMessage(ctx: Ctx, m: MessageSchema): string {
  const name = shortName(m.fullName);
  if (m.customJson)
    return `/** ${m.fullName}: custom JSON form (${m.customJson}) */\nexport type ${name} = ${messageType(ctx, m.fullName)};`;
  const members = new Map<string, FieldSchema>();
  collectMembers(ctx, m, members);
  const lines = [`/** ${m.fullName} */`, `export interface ${name} {`];
  const isKind = m.fields.some((f) => f.jsonName === 'metadata' && (f.type === OBJECT_META || f.type === LIST_META));
  if (isKind) lines.push('  kind?: string;', '  apiVersion?: string;');
  for (const [jsonName, f] of members) lines.push(`  ${memberName(jsonName)}?: ${fieldType(ctx, f)};`);
  lines.push('}');
  return lines.join('\n');
}

function moduleFile(pkg: string): string {
  return `${pkg}.ts`;
}

export function generateTypes(protoDir: string | undefined, outDir: string): string[] {
  // from the .proto text, the source of truth, not from proto/schema-set.json derived from it
  const schemas = parseSchemaSet(protoDir);
  const byPackage = new Map<string, MessageSchema[]>();
  for (const m of schemas.all()) {
    const pkg = packageOf(m.fullName);
    const list = byPackage.get(pkg) ?? [];
    list.push(m);
    byPackage.set(pkg, list);
  }
  const aliases = packageAliases([...byPackage.keys()]);
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [pkg, messages] of [...byPackage].sort(([a], [b]) => a.localeCompare(b))) {
    const ctx: Ctx = { schemas, pkg, aliases, imports: new Set() };
    const body = messages
      .sort((a, b) => a.fullName.localeCompare(b.fullName))
      .map((m) => renderMessage(ctx, m))
      .join('\n\n');
    const header = [
      '// Code generated by tools/gen-types.ts from proto/; DO NOT EDIT.',
      `// JSON shapes of proto package ${pkg}.`,
    ];
    // messages without JSON members (e.g. empty options) are empty interfaces on purpose
    if (/\{\n\}/.test(body)) header.push('/* eslint-disable @typescript-eslint/no-empty-object-type */');
    if (body.includes('JsonValue')) header.push("import type { JsonValue } from '../api/object';");
    for (const imp of [...ctx.imports].sort()) header.push(`import type * as ${aliases.get(imp)} from './${imp}';`);
    const file = moduleFile(pkg);
    fs.writeFileSync(path.join(outDir, file), `${header.join('\n')}\n\n${body}\n`);
    written.push(file);
  }
  const index = [
    '// Code generated by tools/gen-types.ts from proto/; DO NOT EDIT.',
    '// One namespace per proto package, e.g. core_v1.ConfigMap, apps_v1.Deployment, meta_v1.ObjectMeta.',
    ...[...aliases].map(([pkg, alias]) => `export type * as ${alias} from './${pkg}';`),
  ];
  fs.writeFileSync(path.join(outDir, 'index.ts'), `${index.join('\n')}\n`);
  written.push('index.ts');
  return written;
}

function main(): void {
  const repo = path.resolve(__dirname, '..', '..');
  const protoDir = process.argv[2] ?? path.join(repo, 'proto');
  const outDir = process.argv[3] ?? path.join(repo, 'services', 'apiserver', 'src', 'generated');
  const written = generateTypes(protoDir, outDir);
  process.stdout.write(`wrote ${written.length} files under ${outDir}\n`);
}

if (require.main === module) main();
