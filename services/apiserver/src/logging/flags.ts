import type { LogFormat, LoggingOptions, VModuleItem } from './logger';

/** Values the logging flags came with on the command line (undefined: not given). */
export interface LoggingFlagValues {
  loggingFormat?: string;
  v?: string;
  /** every --vmodule given, in order: pflag appends each one's items */
  vmodule: string[];
}

const MAX_INT31 = 2 ** 31 - 1;

/** strconv.ParseUint(text, 10, 31)'s result or its error text. */
function parseUint31(text: string): number | string {
  if (!/^\d+$/.test(text)) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`;
  const n = Number(text);
  if (n > MAX_INT31) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`;
  return n;
}

/** An invalid logging flag or configuration; the message is upstream's. */
export class LoggingFlagError extends Error {}

function parseVModule(value: string): VModuleItem[] {
  const items: VModuleItem[] = [];
  for (const pat of value.split(',')) {
    if (pat === '') continue;
    const parts = pat.split('=');
    const fail = (why: string): LoggingFlagError =>
      new LoggingFlagError(`invalid argument ${JSON.stringify(value)} for "--vmodule" flag: ${why}`);
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw fail(`${JSON.stringify(pat)} does not have the pattern=N format`);
    }
    const v = parseUint31(parts[1]);
    if (typeof v === 'string') throw fail(`parsing verbosity in ${JSON.stringify(pat)}: ${v}`);
    items.push({ pattern: parts[0], verbosity: v });
  }
  return items;
}

/**
 * The flags as pflag parses them (-v and --vmodule values), then
 * logsapi.Validate: errors worded as kube-apiserver prints them.
 */
export function parseLoggingFlags(values: LoggingFlagValues): LoggingOptions {
  let verbosity = 0;
  if (values.v !== undefined) {
    const v = parseUint31(values.v);
    if (typeof v === 'string')
      throw new LoggingFlagError(`invalid argument ${JSON.stringify(values.v)} for "-v, --v" flag: ${v}`);
    verbosity = v;
  }
  const vmodule = values.vmodule.flatMap(parseVModule);
  const format = values.loggingFormat ?? 'text';
  const errors: string[] = [];
  if (format !== 'text' && format !== 'json') {
    errors.push(`format: Invalid value: ${JSON.stringify(format)}: Unsupported log format`);
  }
  if (vmodule.length > 0 && format !== '' && format !== 'text') {
    errors.push('vmodule: Forbidden: Only supported for text log format');
  }
  // utilerrors.Aggregate: one error as is, several in brackets
  if (errors.length === 1) throw new LoggingFlagError(errors[0]);
  if (errors.length > 1) throw new LoggingFlagError(`[${errors.join(', ')}]`);
  return { format: format as LogFormat, verbosity, vmodule };
}
