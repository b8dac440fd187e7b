import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, goQuote, GoDuration } from '../src/logging/go-format';
import { formatJsonLine, formatTextLine, type LogEntry } from '../src/logging/line-format';
import { Logger, type LoggingOptions } from '../src/logging/logger';
import { lineLog, logError, logWarning, prefixedLog } from '../src/logging/line-log';
import { withPanicRecovery } from '../src/server/filters/panic-recovery';
import type { RequestContext } from '../src/server/filters/types';
import { parseLoggingFlags } from '../src/logging/flags';
import { parseOptions, type ServerOptions } from '../src/options';

// 2026-12-04 19:20:00.123456 local time
const T = new Date(2026, 11, 4, 19, 20, 0, 123).getTime() + 0.456;

function entry(over: Partial<LogEntry>): LogEntry {
  return {
    severity: 'I',
    timeMs: T,
    caller: { file: 'replica.js', dir: 'server', line: 123 },
    msg: 'message',
    structured: true,
    v: 0,
    kv: [],
    ...over,
  };
}

function capture(options: Partial<LoggingOptions> = {}): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger(
    { format: 'text', verbosity: 0, vmodule: [], ...options },
    { write: (l) => lines.push(l) },
    () => T,
    12345,
  );
  return { logger, lines };
}

describe('klog text format', () => {
  test('header: severity, MMDD, time with microseconds, PID right-aligned to 7, file:line', () => {
    const line = formatTextLine(entry({ kv: ['key', 'value'] }), 12345);
    assert.equal(line, 'I1204 19:20:00.123456   12345 replica.js:123] "message" key="value"\n');
  });

  test('structured values as klog prints them', () => {
    const line = formatTextLine(
      entry({
        severity: 'E',
        msg: 'Failed to "sync"',
        err: new Error('boom'),
        kv: ['n', 200, 'ok', true, 'obj', { a: [1] }, 'latency', new GoDuration(1_234_567), 'none', undefined, 'odd'],
      }),
      7,
    );
    assert.equal(
      line,
      'E1204 19:20:00.123456       7 replica.js:123] "Failed to \\"sync\\"" err="boom" n=200 ok=true obj={"a":[1]} latency="1.234567ms" none=<nil> odd="(MISSING)"\n',
    );
  });

  test('a value with line breaks is a tab-indented block', () => {
    const line = formatTextLine(entry({ kv: ['text', 'one\ntwo'], msg: 'm' }), 1);
    assert.equal(line, 'I1204 19:20:00.123456       1 replica.js:123] "m" text=<\n\tone\n\ttwo\n >\n');
    const trailing = formatTextLine(entry({ kv: ['text', 'one\n'], msg: 'm' }), 1);
    assert.ok(trailing.endsWith('text=<\n\tone\n >\n'));
  });

  test('a printf-style line is printed as given, one newline at the end', () => {
    assert.equal(
      formatTextLine(entry({ structured: false, msg: 'kapi: listener closed' }), 42),
      'I1204 19:20:00.123456      42 replica.js:123] kapi: listener closed\n',
    );
    assert.equal(formatTextLine(entry({ structured: false, msg: 'x\n' }), 42).endsWith('] x\n'), true);
  });
});

describe('JSON format', () => {
  test('info: ts in milliseconds, dir/file caller, msg, v, then key/values in order', () => {
    const line = formatJsonLine(
      entry({ v: 3, msg: 'HTTP', kv: ['verb', 'GET', 'latency', new GoDuration(1500), 'resp', 200] }),
    );
    assert.equal(
      line,
      `{"ts":${T},"caller":"server/replica.js:123","msg":"HTTP","v":3,"verb":"GET","latency":"1.5µs","resp":200}\n`,
    );
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['ts', 'caller', 'msg', 'v', 'verb', 'latency', 'resp']);
  });

  test('error: no v, err after the key/values; a printf-style error has no err', () => {
    assert.equal(
      formatJsonLine(entry({ severity: 'E', msg: 'sync failed', err: new Error('boom'), kv: ['pod', 'a'] })),
      `{"ts":${T},"caller":"server/replica.js:123","msg":"sync failed","pod":"a","err":"boom"}\n`,
    );
    assert.equal(
      formatJsonLine(entry({ severity: 'E', structured: false, msg: 'write failed\n' })),
      `{"ts":${T},"caller":"server/replica.js:123","msg":"write failed"}\n`,
    );
  });
});

describe('Go renderings', () => {
  test('strconv.Quote', () => {
    assert.equal(goQuote('a"b\\c\n\t\x01\x7fé'), '"a\\"b\\\\c\\n\\t\\x01\\x7fé"');
  });
  test('time.Duration.String', () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(812), '812ns');
    assert.equal(goDuration(1500), '1.5µs');
    assert.equal(goDuration(2_000_000), '2ms');
    assert.equal(goDuration(1_234_567), '1.234567ms');
    assert.equal(goDuration(1_500_000_000), '1.5s');
    assert.equal(goDuration(123_500_000_000), '2m3.5s');
    assert.equal(goDuration(3_600_000_000_000), '1h0m0s');
  });
});

describe('Logger', () => {
  test('writes the calling file and line, not its own', () => {
    const { logger, lines } = capture();
    logger.info('hello', 'k', 'v');
    assert.match(lines[0], /^I1204 19:20:00\.123456 {3}12345 logging\.test\.js:\d+\] "hello" k="v"\n$/);
  });

  test('V(n) logs only at -v=n or above', () => {
    const quiet = capture({ verbosity: 2 });
    assert.equal(quiet.logger.v(3).enabled, false);
    quiet.logger.v(3).info('hidden');
    quiet.logger.v(2).info('shown');
    assert.equal(quiet.lines.length, 1);
    assert.match(quiet.lines[0], /"shown"/);
    const loud = capture({ verbosity: 3 });
    assert.equal(loud.logger.v(3).enabled, true);
    assert.equal(loud.logger.enabled(4, 'httplog'), false);
  });

  test('--vmodule raises the level for matching files only', () => {
    const { logger, lines } = capture({ vmodule: [{ pattern: 'logging.t*', verbosity: 4 }] });
    assert.equal(logger.enabled(4, 'logging.test.js'), true);
    assert.equal(logger.enabled(5, 'logging.test.js'), false);
    assert.equal(logger.enabled(1, 'replica.js'), false);
    assert.equal(logger.v(4).enabled, true);
    logger.v(4).info('from this file');
    assert.equal(lines.length, 1);
    const other = capture({ vmodule: [{ pattern: 'httplog', verbosity: 3 }] });
    assert.equal(other.logger.enabled(3, 'httplog'), true);
    assert.equal(other.logger.v(3).enabled, false);
  });

  test('line logs keep severity through prefixes; plain functions still work', () => {
    const { logger, lines } = capture();
    const log = lineLog(logger);
    log('started');
    logError(log, 'failed');
    logError(prefixedLog(log, 'gc: '), 'boom');
    logWarning(prefixedLog(log, 'certs: '), 'no CA');
    assert.deepEqual(
      lines.map((l) => l.slice(0, 1) + l.slice(l.indexOf('] '))),
      ['I] started\n', 'E] failed\n', 'E] gc: boom\n', 'W] certs: no CA\n'],
    );
    const seen: string[] = [];
    logError((l) => seen.push(l), 'x');
    assert.deepEqual(seen, ['x']);
  });
});

describe('kapi lines through the logger', () => {
  test('an unhandled error in a handler is an E line from the panic-recovery filter', async () => {
    const { logger, lines } = capture();
    const render = () => ({ kind: 'buffered' as const, status: 500, headers: {}, body: Buffer.from('') });
    const handler = withPanicRecovery(render, lineLog(logger))(() => Promise.reject(new Error('kaboom')));
    const ctx = {
      req: { method: 'GET', path: '/x', query: new URLSearchParams(), headers: {} },
    } as unknown as RequestContext;
    assert.equal((await handler(ctx)).status, 500);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^E1204 19:20:00\.123456 {3}12345 panic-recovery\.js:\d+\] kapi: unhandled error on GET \/x: Error: kaboom\n$/,
    );
  });
});

describe('logging flags', () => {
  const parse = (argv: string[]): ServerOptions => {
    const r = parseOptions(argv);
    assert.ok(!('help' in r));
    return r;
  };
  test('-v in every pflag spelling, --vmodule repeatable, --logging-format', () => {
    for (const argv of [['-v=3'], ['-v3'], ['-v', '3'], ['--v=3'], ['--v', '3']]) {
      assert.equal(parse(argv).logging.verbosity, 3, argv.join(' '));
    }
    assert.deepEqual(parse(['--vmodule=httplog=3,cacher*=5', '--vmodule', 'gc=2']).logging.vmodule, [
      { pattern: 'httplog', verbosity: 3 },
      { pattern: 'cacher*', verbosity: 5 },
      { pattern: 'gc', verbosity: 2 },
    ]);
    assert.equal(parse(['--logging-format=json']).logging.format, 'json');
  });

  test("upstream's errors", () => {
    const cases: Array<[string[], string]> = [
      [['--logging-format=foo'], 'format: Invalid value: "foo": Unsupported log format'],
      [['--logging-format='], 'format: Invalid value: "": Unsupported log format'],
      [['-v=x'], 'invalid argument "x" for "-v, --v" flag: strconv.ParseUint: parsing "x": invalid syntax'],
      [['--v=-1'], 'invalid argument "-1" for "-v, --v" flag: strconv.ParseUint: parsing "-1": invalid syntax'],
      [
        ['--v=2147483648'],
        'invalid argument "2147483648" for "-v, --v" flag: strconv.ParseUint: parsing "2147483648": value out of range',
      ],
      [['--vmodule=x'], 'invalid argument "x" for "--vmodule" flag: "x" does not have the pattern=N format'],
      [
        ['--vmodule=a=1,b=z'],
        'invalid argument "a=1,b=z" for "--vmodule" flag: parsing verbosity in "b=z": strconv.ParseUint: parsing "z": invalid syntax',
      ],
      [['--vmodule=a=1', '--logging-format=json'], 'vmodule: Forbidden: Only supported for text log format'],
      [
        ['--vmodule=a=1', '--logging-format=xml'],
        '[format: Invalid value: "xml": Unsupported log format, vmodule: Forbidden: Only supported for text log format]',
      ],
    ];
    for (const [argv, message] of cases) assert.throws(() => parseOptions(argv), { message }, argv.join(' '));
    assert.deepEqual(parseLoggingFlags({ vmodule: ['a=1,'] }).vmodule, [{ pattern: 'a', verbosity: 1 }]);
  });
});
