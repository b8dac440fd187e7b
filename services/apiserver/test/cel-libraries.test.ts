import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CelAuthorizer } from '../src/admission/cel/libs/authorizer';
import {
  CelCompileError,
  CelCostLimitError,
  CelEvaluationError,
  CostBudget,
  compileExpression,
  fromCelValue,
  toCelValue,
} from '../src/admission/cel/compile';
import { OUT_OF_BUDGET } from '../src/admission/cel/errors';
import { buildAuthorizer } from '../src/authz/modes';

const VARS = { object: 'dyn' } as const;

function evalExpr(source: string, object: unknown = {}): unknown {
  return fromCelValue(compileExpression(source, { variables: VARS }).evaluate({ object: toCelValue(object) }));
}

/** [expression, expected JSON value] */
type Row = [string, unknown];

function table(name: string, rows: Row[]): void {
  describe(name, () => {
    for (const [expr, want] of rows) {
      it(expr, () => assert.deepEqual(evalExpr(expr), want));
    }
  });
}

/** [expression, expected error text (substring)] */
function errorTable(name: string, rows: Array<[string, string]>): void {
  describe(name, () => {
    for (const [expr, want] of rows) {
      it(expr, () => {
        assert.throws(
          () => evalExpr(expr),
          (e: unknown) => e instanceof CelEvaluationError && e.message.includes(want),
        );
      });
    }
  });
}

table('quantity library', [
  ['quantity("200M").compareTo(quantity("0.2G"))', 0],
  ['quantity("50M").compareTo(quantity("50Mi"))', -1],
  ['quantity("50Mi").compareTo(quantity("50M"))', 1],
  ['quantity("150Mi").isGreaterThan(quantity("100Mi"))', true],
  ['quantity("50M").isLessThan(quantity("100M"))', true],
  ['isQuantity("1.3G")', true],
  ['isQuantity("1.3Gi")', true],
  ['isQuantity("1,3Gi")', false],
  ['isQuantity("10000k")', true],
  ['quantity("1.5k").asInteger()', 1500],
  ['quantity("1.5").isInteger()', false],
  ['quantity("9999999999999999999999999999999999999G").isInteger()', false],
  ['quantity("50k").asApproximateFloat()', 50000],
  ['sign(quantity("-50k"))', -1],
  ['sign(quantity("0"))', 0],
  ['quantity("50k").add(quantity("20")).compareTo(quantity("50.02k"))', 0],
  ['quantity("50k").add(20).compareTo(quantity("50020"))', 0],
  ['quantity("50k").sub(quantity("20")).compareTo(quantity("49980"))', 0],
  ['quantity("50k").sub(20).isLessThan(quantity("50k"))', true],
]);
errorTable('quantity errors', [
  ['quantity("1.5").asInteger()', 'cannot convert value to integer'],
  ['quantity("x")', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
]);

table('url library', [
  ['isURL("https://example.com/path")', true],
  ['isURL("/absolute-path")', true],
  ['isURL("relative")', false],
  ['url("https://example.com:80/").getScheme()', 'https'],
  ['url("https://example.com:80/").getHost()', 'example.com:80'],
  ['url("https://[::1]:80/").getHost()', '[::1]:80'],
  ['url("https://[::1]:80/").getHostname()', '::1'],
  ['url("https://example.com:80/").getPort()', '80'],
  ['url("https://example.com/").getPort()', ''],
  ['url("https://example.com/path with spaces/").getEscapedPath()', '/path%20with%20spaces/'],
  ['url("https://example.com/path?k1=a&k2=b&k2=c").getQuery()', { k1: ['a'], k2: ['b', 'c'] }],
  ['url("/path").getHost()', ''],
]);
errorTable('url errors', [['url("relative")', 'URL parse error during conversion from string']]);

table('ip and cidr libraries', [
  ['isIP("1.2.3.4")', true],
  ['isIP("::1")', true],
  ['isIP("1.2.3.04")', false],
  ['isIP("::ffff:1.2.3.4")', false],
  ['isIP("fe80::1%eth0")', false],
  ['ip("127.0.0.1").family()', 4],
  ['ip("::1").family()', 6],
  ['ip("127.0.0.1").isLoopback()', true],
  ['ip("0.0.0.0").isUnspecified()', true],
  ['ip("224.0.0.1").isLinkLocalMulticast()', true],
  ['ip("fe80::1").isLinkLocalUnicast()', true],
  ['ip("8.8.8.8").isGlobalUnicast()', true],
  ['ip("10.0.0.1").isGlobalUnicast()', true],
  ['ip.isCanonical("2001:db8::abcd")', true],
  ['ip.isCanonical("2001:DB8::ABCD")', false],
  ['ip.isCanonical("2001:db8:0:0:0:0:0:abcd")', false],
  ['string(ip("2001:db8:0:0:0:0:0:abcd"))', '2001:db8::abcd'],
  ['ip("1.2.3.4") == ip("1.2.3.4")', true],
  ['isCIDR("10.0.0.0/8")', true],
  ['isCIDR("10.0.0.0/33")', false],
  ['isCIDR("10.0.0.0")', false],
  ['cidr("192.168.0.0/24").containsIP(ip("192.168.0.1"))', true],
  ['cidr("192.168.0.0/24").containsIP("192.168.1.1")', false],
  ['cidr("192.168.0.0/24").containsIP("::1")', false],
  ['cidr("192.168.0.0/16").containsCIDR(cidr("192.168.10.0/24"))', true],
  ['cidr("192.168.0.0/24").containsCIDR("192.168.0.0/16")', false],
  ['cidr("192.168.0.1/24").prefixLength()', 24],
  ['string(cidr("192.168.0.1/24").ip())', '192.168.0.1'],
  ['string(cidr("192.168.0.1/24").masked())', '192.168.0.0/24'],
  ['string(cidr("2001:db8::1/32").masked())', '2001:db8::/32'],
  ['cidr("::1/128").ip().family()', 6],
]);
errorTable('ip errors', [
  ['ip("1.2.3")', 'IP Address "1.2.3" parse error during conversion from string'],
  ['ip("::ffff:1.2.3.4")', 'IPv4-mapped IPv6 address is not allowed'],
  ['cidr("1.2.3.4")', 'network address "1.2.3.4" parse error during conversion from string'],
]);

table('lists library', [
  ['[1, 2, 3].isSorted()', true],
  ['[1, 3, 2].isSorted()', false],
  ['["a", "b"].isSorted()', true],
  ['[1, 2, 3].sum()', 6],
  ['[1.5, 2.5].sum()', 4],
  ['[].sum()', 0],
  ['[3, 1, 2].min()', 1],
  ['[3, 1, 2].max()', 3],
  ['["b", "a"].min()', 'a'],
  ['[1, 2, 3, 2].indexOf(2)', 1],
  ['[1, 2, 3, 2].lastIndexOf(2)', 3],
  ['[1, 2].indexOf(5)', -1],
  ['[quantity("2"), quantity("1")].isSorted()', false],
  ['[quantity("1"), quantity("2k")].max().asInteger()', 2000],
]);
errorTable('lists errors', [['[].min()', 'min(list) called on empty list']]);

table('regex library', [
  ['"abc 123".find("[0-9]+")', '123'],
  ['"abc".find("[0-9]+")', ''],
  ['"123 abc 456".findAll("[0-9]+")', ['123', '456']],
  ['"123 abc 456".findAll("[0-9]+", 1)', ['123']],
  ['"123 abc 456".findAll("xyz")', []],
  ['"key=value".find("(?P<k>[a-z]+)=")', 'key='],
  ['"ABC".find("(?i)b")', 'B'],
]);
errorTable('regex errors', [
  ['"abc".find("[")', 'error parsing regexp'],
  // RE2 has neither backreferences nor lookaround, which JavaScript would accept
  ['"aa".find("(a)\\\\1")', 'error parsing regexp: invalid escape sequence'],
  ['"ab".matches("a(?=b)")', 'error parsing regexp: invalid or unsupported Perl syntax'],
  ['"ab".findAll("(?<!a)b")', 'error parsing regexp'],
]);

table('matches and findAll with RE2 semantics', [
  ['"abc".matches("b")', true],
  ['"abc".matches("^b")', false],
  ['"ABC".matches("(?i)^abc$")', true],
  ['"key=v".matches("(?P<k>[a-z]+)=")', true],
  // Go's FindAllString: an empty match right after a match is skipped
  ['"baaab".findAll("a*")', ['', 'aaa', '']],
  ['"xyz".findAll("")', ['', '', '', '']],
  ['"aaaa!".matches("^(a+)+$")', false],
  ['"ab".matches("^a") // a comment ends the line', true],
  ['["x1", "y"].filter(e, e.matches("[0-9]"))', ['x1']],
]);

describe('RE2 matching is linear', () => {
  it('a pattern that makes a backtracking engine take exponential time answers at once', () => {
    const s = `${'a'.repeat(5000)}!`;
    const start = process.hrtime.bigint();
    assert.equal(evalExpr('object.s.matches("^(a+)+$")', { s }), false);
    assert.equal(evalExpr('object.s.find("(a|aa)+$")', { s }), '');
    // a backtracking engine needs longer than the universe for this; RE2 well under a second even on a busy machine
    assert.ok(Number(process.hrtime.bigint() - start) / 1e9 < 5);
  });
});

table('strings extension', [
  ['"hello".charAt(1)', 'e'],
  ['"hello".charAt(5)', ''],
  ['"hello mellow".indexOf("ello")', 1],
  ['"hello mellow".lastIndexOf("ello")', 7],
  ['"TacoCat".lowerAscii()', 'tacocat'],
  ['"TacoCat".upperAscii()', 'TACOCAT'],
  ['"hello hello".replace("he", "we")', 'wello wello'],
  ['"hello hello".replace("he", "we", 1)', 'wello hello'],
  ['"hello hello".replace("he", "we", 0)', 'hello hello'],
  ['"a,b,c".split(",")', ['a', 'b', 'c']],
  ['"a,b,c".split(",", 2)', ['a', 'b,c']],
  ['"tacocat".substring(4)', 'cat'],
  ['"tacocat".substring(0, 4)', 'taco'],
  ['"  trim\\n ".trim()', 'trim'],
  ['["x", "y"].join("-")', 'x-y'],
  ['strings.quote("single-quote with \\"double quote\\"")', '"single-quote with \\"double quote\\""'],
  ['"%s is %d years, %.2f%%".format(["Ann", 30, 99.5])', 'Ann is 30 years, 99.50%'],
  ['"%x %X %o %b".format([255, 255, 8, 5])', 'ff FF 10 101'],
  ['"%s".format([[1, 2]])', '[1, 2]'],
]);
errorTable('strings errors', [['"abc".charAt(9)', 'index out of range: 9']]);

table('format library', [
  ['format.dns1123Label().validate("my-name").hasValue()', false],
  ['format.dns1123Label().validate("My_Name").hasValue()', true],
  ['format.dns1123Subdomain().validate("a.b.c").hasValue()', false],
  ['format.dns1035Label().validate("1abc").hasValue()', true],
  ['format.qualifiedName().validate("example.com/name").hasValue()', false],
  ['format.dns1123LabelPrefix().validate("my-prefix-").hasValue()', false],
  ['format.labelValue().validate("").hasValue()', false],
  ['format.uuid().validate("123e4567-e89b-12d3-a456-426614174000").hasValue()', false],
  ['format.date().validate("2024-02-30").hasValue()', true],
  ['format.datetime().validate("2024-01-01T00:00:00Z").hasValue()', false],
  ['format.named("dns1123Label").hasValue()', true],
  ['format.named("nope").hasValue()', false],
  ['format.named("dns1123Label").value().validate("UPPER").value().size() > 0', true],
  [
    'format.dns1123Label().validate("UPPER").value()[0]',
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ],
]);

describe('authorizer library (kapi authorizer)', () => {
  const vars = { object: 'dyn', authorizer: 'kubernetes.authorization.Authorizer' } as const;
  const run = (source: string, user: { name: string; groups: string[] }, modes: string[]): unknown =>
    compileExpression(source, { variables: vars }).evaluate({
      object: null,
      authorizer: new CelAuthorizer(user, buildAuthorizer(modes), {
        group: 'apps',
        resource: 'deployments',
        subresource: '',
        namespace: 'ns1',
        name: 'd',
      }),
    });
  const alice = { name: 'alice', groups: ['system:authenticated'] };
  const admin = { name: 'root', groups: ['system:masters'] };
  const rows: Array<[string, { name: string; groups: string[] }, string[], unknown]> = [
    ['authorizer.group("").resource("secrets").namespace("a").check("get").allowed()', alice, ['AlwaysAllow'], true],
    ['authorizer.group("").resource("secrets").namespace("a").check("get").allowed()', alice, ['AlwaysDeny'], false],
    ['authorizer.group("").resource("secrets").name("s").check("get").allowed()', admin, ['AlwaysDeny'], true],
    ['authorizer.path("/healthz").check("get").allowed()', alice, ['AlwaysAllow'], true],
    ['authorizer.requestResource.check("delete").allowed()', alice, ['AlwaysDeny'], false],
    ['authorizer.requestResource.subresource("scale").check("update").allowed()', admin, ['AlwaysDeny'], true],
    [
      'authorizer.serviceAccount("ns1", "sa").group("").resource("pods").check("list").allowed()',
      admin,
      ['AlwaysDeny'],
      false,
    ],
    ['authorizer.group("").resource("pods").check("list").errored()', alice, ['AlwaysAllow'], false],
    ['authorizer.group("").resource("pods").check("list").reason()', admin, ['AlwaysDeny'], ''],
  ];
  for (const [expr, user, modes, want] of rows) {
    it(`${expr} as ${user.name} with ${modes.join(',')}`, () => assert.deepEqual(run(expr, user, modes), want));
  }
});

describe('compile errors', () => {
  const rows: Array<[string, string]> = [
    ['object.spec.replicas >', ''],
    ['nosuchvar == 1', 'nosuchvar'],
    ['1 + "a"', 'no such overload'],
  ];
  for (const [expr, want] of rows) {
    it(expr, () =>
      assert.throws(
        () => compileExpression(expr, { variables: VARS }),
        (e: unknown) => e instanceof CelCompileError && e.message.includes(want),
      ),
    );
  }
  it('a result of the wrong static type', () =>
    assert.throws(
      () => compileExpression('"a"', { variables: VARS, resultTypes: ['bool'] }),
      /must evaluate to bool but got string/,
    ));
  it('params is undeclared when the policy has no paramKind', () =>
    assert.throws(() => compileExpression('params.x == 1', { variables: VARS }), CelCompileError));
});

describe('cost limits', () => {
  const heavy = 'object.items.all(a, object.items.all(b, object.items.all(c, a + b + c >= 0)))';
  const items = { items: Array.from({ length: 120 }, (_, i) => i) };
  it('the per-call limit stops an evaluation with upstream text', () => {
    const c = compileExpression(heavy, { variables: VARS });
    assert.throws(
      () => c.evaluate({ object: toCelValue(items) }),
      (e: unknown) =>
        e instanceof CelCostLimitError &&
        e.scope === 'call' &&
        e.message === 'operation cancelled: actual cost limit exceeded',
    );
  });
  it('a cheap evaluation of the same expression passes', () => {
    const c = compileExpression(heavy, { variables: VARS });
    assert.equal(c.evaluate({ object: toCelValue({ items: [1, 2, 3] }) }), true);
  });
  it('an error swallowed by || still ends the evaluation', () => {
    const c = compileExpression(`(${heavy}) || true`, { variables: VARS });
    assert.throws(() => c.evaluate({ object: toCelValue(items) }), CelCostLimitError);
  });
  it('evaluations sharing a budget run out of it', () => {
    const c = compileExpression('object.items.all(a, object.items.all(b, a + b >= 0))', { variables: VARS });
    const budget = new CostBudget(50_000);
    const obj = { object: toCelValue({ items: Array.from({ length: 60 }, (_, i) => i) }) };
    assert.equal(c.evaluate(obj, { budget }), true);
    assert.ok(budget.remaining < 50_000);
    assert.throws(
      () => {
        for (let i = 0; i < 10; i++) c.evaluate(obj, { budget });
      },
      (e: unknown) => e instanceof CelCostLimitError && e.scope === 'budget' && e.message === OUT_OF_BUDGET,
    );
  });
});
