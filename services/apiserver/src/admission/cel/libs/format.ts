import { type Environment, Optional } from '@marcbachmann/cel-js';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from '../../../registry/validation/names';
import { parseRequestUri } from './url';
import { FormatNamespace } from './namespaces';

type Validator = (s: string) => string[];

/** A "Prefix" format allows the trailing dash a generateName leaves (upstream's prefix mode). */
function prefix(v: Validator): Validator {
  return (s) => v(s.endsWith('-') ? s.slice(0, -1) : s);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function validDate(s: string): boolean {
  const d = new Date(`${s.slice(0, 10)}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s.slice(0, 10);
}

const FORMATS: Readonly<Record<string, Validator>> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: prefix(isDNS1123Label),
  dns1123SubdomainPrefix: prefix(isDNS1123Subdomain),
  dns1035LabelPrefix: prefix(isDNS1035Label),
  labelValue: isValidLabelValue,
  uri: (s) => {
    try {
      parseRequestUri(s);
      return [];
    } catch {
      return ['invalid URI'];
    }
  },
  uuid: (s) => (UUID.test(s) ? [] : ['does not match the UUID format']),
  byte: (s) => (/^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 ? [] : ['invalid base64']),
  date: (s) => (DATE.test(s) && validDate(s) ? [] : ['invalid date']),
  datetime: (s) => (DATETIME.test(s) && validDate(s) ? [] : ['invalid datetime']),
};

/** kubernetes.NamedFormat */
export class CelNamedFormat {
  static readonly celTypeName = 'kubernetes.NamedFormat';
  constructor(
    readonly name: string,
    readonly validator: Validator,
  ) {}
}

const F = 'kubernetes.NamedFormat';
const NS = 'kapi.ns.format';

/** Kubernetes' format library: format.<name>().validate(s) and format.named(name). */
export function registerFormatLibrary(env: Environment): void {
  env
    .registerType(NS, FormatNamespace)
    .registerType(F, CelNamedFormat)
    .registerConstant('format', NS, new FormatNamespace('format'));
  for (const [name, v] of Object.entries(FORMATS)) {
    const f = new CelNamedFormat(name, v);
    env.registerFunction(`${NS}.${name}(): ${F}`, () => f);
  }
  env
    .registerFunction(`${NS}.named(string): optional<${F}>`, (_ns: FormatNamespace, name: string) => {
      const v = FORMATS[name];
      return v ? Optional.of(new CelNamedFormat(name, v)) : Optional.none();
    })
    .registerFunction(`${F}.validate(string): optional<list<string>>`, (f: CelNamedFormat, s: string) => {
      const errs = f.validator(s);
      return errs.length === 0 ? Optional.none() : Optional.of(errs);
    });
}
