import { type AuthnResponse, type TokenAuthenticator } from './authenticator';
import type { UserInfo } from './user';

export interface TokenFileParseResult {
  tokens: Map<string, UserInfo>;
  /** Non-fatal findings upstream logs as warnings (empty token, duplicate token). */
  warnings: string[];
}

/**
 * Parses --token-auth-file contents: CSV records `token,user,uid[,"group1,group2"]`, more
 * columns ignored. Fewer than three columns is fatal (upstream refuses to start); a record with
 * an empty token is skipped with a warning; a duplicate token warns and the later record wins.
 * @param source file name used in messages, as upstream quotes the path.
 */
export function parseTokenFile(csv: string, source = 'token-auth-file'): TokenFileParseResult {
  const tokens = new Map<string, UserInfo>();
  const warnings: string[] = [];
  let recordNum = 0;
  for (const record of readCsvRecords(csv)) {
    if (record.length < 3) {
      throw new Error(
        `token file '${source}' must have at least 3 columns (token, user name, user uid), found ${record.length}`,
      );
    }
    recordNum++;
    const [token, name, uid] = record;
    if (token === '') {
      warnings.push(`empty token has been found in token file '${source}', record number '${recordNum}'`);
      continue;
    }
    if (tokens.has(token)) {
      warnings.push(`duplicate token has been found in token file '${source}', record number '${recordNum}'`);
    }
    // Go's DefaultInfo leaves Groups nil when the column is absent; an empty column gives [""].
    const groups = record.length >= 4 ? record[3].split(',') : [];
    tokens.set(token, { name, uid, groups });
  }
  return { tokens, warnings };
}

/** Static bearer tokens from --token-auth-file. Unknown tokens get no opinion (null). */
export function tokenFileAuthenticator(tokens: Map<string, UserInfo>): TokenAuthenticator {
  return {
    async authenticateToken(token: string): Promise<AuthnResponse | null> {
      const user = tokens.get(token);
      if (user === undefined) return null;
      return { user: { ...user, groups: [...user.groups] } };
    },
  };
}

/**
 * RFC 4180 records with Go encoding/csv's rules: blank lines skipped, quoted fields may hold
 * commas, doubled quotes and newlines, a quote inside an unquoted field is an error, CRLF
 * treated as LF.
 */
export function readCsvRecords(text: string): string[][] {
  const src = text.replace(/\r\n/g, '\n');
  const records: string[][] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    if (src[i] === '\n') {
      i++;
      line++;
      continue;
    }
    const record: string[] = [];
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        const startLine = line;
        i++;
        for (;;) {
          if (i >= src.length) {
            throw new Error(
              `record on line ${startLine}; parse error on line ${line}: extraneous or missing " in quoted-field`,
            );
          }
          const c = src[i];
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < src.length && src[i] !== ',' && src[i] !== '\n') {
          throw new Error(`parse error on line ${line}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n') {
          if (src[i] === '"') throw new Error(`parse error on line ${line}: bare " in non-quoted-field`);
          field += src[i];
          i++;
        }
      }
      record.push(field);
      if (i < src.length && src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (i < src.length && src[i] === '\n') {
      i++;
      line++;
    }
    records.push(record);
  }
  return records;
}
