/**
 * Static worst-case cost of a CEL expression, as cel-go's checker estimates it
 * (with Kubernetes' library estimator on top): each node's cost, comprehensions
 * multiplied by the size of what they range over, string functions by the size of
 * their strings. Sizes come from the declared types (a CRD schema's maxItems,
 * maxLength, maxProperties), or from the literal, or are unbounded.
 */

/** A value type as the estimator sees it; maxElements is the size bound (bytes, items, entries). */
export interface DeclType {
  readonly kind: DeclKind;
  readonly maxElements: number;
  /** the smallest JSON a value of this type serializes to (upstream's MinSerializedSize) */
  readonly minSerializedSize: number;
  readonly fields?: Readonly<Record<string, DeclType>>;
  readonly elem?: DeclType;
  readonly key?: DeclType;
}

export type DeclKind =
  'object' | 'map' | 'list' | 'string' | 'bytes' | 'int' | 'double' | 'bool' | 'timestamp' | 'duration' | 'dyn';

export interface CostRange {
  min: number;
  max: number;
}

/** uint64's maximum, where cel-go's arithmetic saturates */
export const MAX_COST = 18446744073709551615;

const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
const LIST_CREATE = 10;
const MAP_CREATE = 30;

const add = (a: number, b: number): number => Math.min(a + b, MAX_COST);
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : Math.min(a * b, MAX_COST));
const byFactor = (x: number, f: number): number => Math.min(Math.ceil(x * f), MAX_COST);

const fixed = (n: number): CostRange => ({ min: n, max: n });
const sum = (...rs: CostRange[]): CostRange =>
  rs.reduce((a, b) => ({ min: add(a.min, b.min), max: add(a.max, b.max) }), fixed(0));
const times = (a: CostRange, b: CostRange): CostRange => ({ min: mul(a.min, b.min), max: mul(a.max, b.max) });
const scale = (a: CostRange, f: number): CostRange => ({ min: byFactor(a.min, f), max: byFactor(a.max, f) });
const union = (a: CostRange, b: CostRange): CostRange => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) });

/** What the estimator knows of one evaluated node. */
interface Info {
  cost: CostRange;
  kind: DeclKind;
  /** the declared type the value comes from (a path into the schema), when there is one */
  decl?: DeclType;
  /** a size known from the expression itself (a literal, a comprehension's result) */
  size?: CostRange;
  /** the kind of a list's items when known without a declaration */
  elemKind?: DeclKind;
}

interface Node {
  op: string;
  args: unknown;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).op === 'string';
}

const SCALARS: ReadonlySet<DeclKind> = new Set(['bool', 'double', 'duration', 'int', 'timestamp']);

function sizeOf(i: Info): CostRange {
  if (i.size) return i.size;
  if (i.decl) return { min: 0, max: i.decl.maxElements };
  if (SCALARS.has(i.kind)) return fixed(1);
  return { min: 0, max: MAX_COST };
}

function literalInfo(v: unknown): Info {
  const cost = fixed(0);
  if (typeof v === 'string') return { cost, kind: 'string', size: fixed(new TextEncoder().encode(v).length) };
  if (v instanceof Uint8Array) return { cost, kind: 'bytes', size: fixed(v.length) };
  if (typeof v === 'bigint') return { cost, kind: 'int', size: fixed(1) };
  if (typeof v === 'number') return { cost, kind: 'double', size: fixed(1) };
  if (typeof v === 'boolean') return { cost, kind: 'bool', size: fixed(1) };
  return { cost, kind: 'dyn', size: fixed(1) };
}

/** The kinds library functions return, where callers of their results care. */
const RESULT_KINDS: Readonly<Record<string, DeclKind>> = {
  size: 'int',
  int: 'int',
  indexOf: 'int',
  lastIndexOf: 'int',
  string: 'string',
  lowerAscii: 'string',
  upperAscii: 'string',
  trim: 'string',
  substring: 'string',
  replace: 'string',
  join: 'string',
  format: 'string',
  charAt: 'string',
  double: 'double',
  split: 'list',
  findAll: 'list',
  find: 'string',
  bytes: 'bytes',
  duration: 'duration',
  timestamp: 'timestamp',
};

const BOOL_RESULTS = new Set([
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'isSorted',
  'hasValue',
  'isURL',
  'isQuantity',
  'isIP',
  'isCIDR',
  'isInteger',
  'isGreaterThan',
  'isLessThan',
]);

class Estimator {
  private readonly scopes: Array<Map<string, Info>> = [];

  constructor(private readonly roots: Readonly<Record<string, DeclType | undefined>>) {}

  estimate(n: unknown): Info {
    if (!isNode(n)) return { cost: fixed(0), kind: 'dyn' };
    const a = n.args;
    switch (n.op) {
      case 'value':
        return literalInfo(a);
      case 'id':
        return this.ident(a as string);
      case '.':
        return this.select(a as [unknown, string]);
      case '.?': {
        const [operand] = a as [unknown, string];
        return { cost: sum(this.estimate(operand).cost, fixed(1)), kind: 'dyn' };
      }
      case 'list': {
        const items = (a as unknown[]).map((x) => this.estimate(x));
        const elemKind = items.length > 0 && items.every((i) => i.kind === items[0].kind) ? items[0].kind : 'dyn';
        return {
          cost: sum(fixed(LIST_CREATE), ...items.map((i) => i.cost)),
          kind: 'list',
          size: fixed(items.length),
          elemKind,
        };
      }
      case 'map': {
        const entries = a as Array<[unknown, unknown]>;
        const costs = entries.flatMap(([k, v]) => [this.estimate(k).cost, this.estimate(v).cost]);
        return { cost: sum(fixed(MAP_CREATE), ...costs), kind: 'map', size: fixed(entries.length) };
      }
      case '&&':
      case '||': {
        const [l, r] = (a as unknown[]).map((x) => this.estimate(x));
        return { cost: { min: l.cost.min, max: add(l.cost.max, r.cost.max) }, kind: 'bool' };
      }
      case '?:': {
        const [c, t, f] = (a as unknown[]).map((x) => this.estimate(x));
        const size = union(sizeOf(t), sizeOf(f));
        return { cost: sum(c.cost, union(t.cost, f.cost)), kind: t.kind === f.kind ? t.kind : 'dyn', size };
      }
      case '!_':
      case '-_': {
        const x = this.estimate(a);
        return { cost: sum(x.cost, fixed(1)), kind: n.op === '!_' ? 'bool' : x.kind };
      }
      case '[]':
      case '[?]':
        return this.index(n.op, a as [unknown, unknown]);
      case 'rcall': {
        const [name, recv, args] = a as [string, unknown, unknown[]];
        return this.call(name, recv, args);
      }
      case 'call': {
        const [name, args] = a as [string, unknown[]];
        return this.call(name, undefined, args);
      }
      default:
        if (Array.isArray(a) && a.length === 2) return this.binary(n.op, a[0], a[1]);
        return { cost: fixed(1), kind: 'dyn' };
    }
  }

  private ident(name: string): Info {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const bound = this.scopes[i].get(name);
      if (bound) return { ...bound, cost: fixed(1) };
    }
    const decl = this.roots[name];
    return { cost: fixed(1), kind: decl?.kind ?? 'dyn', decl };
  }

  private select([operand, field]: [unknown, string]): Info {
    const o = this.estimate(operand);
    // selecting from a map or an object costs one more; from dyn, nothing (cel-go's rule)
    const extra = o.kind === 'object' || o.kind === 'map' ? 1 : 0;
    const decl = o.decl?.kind === 'map' ? o.decl.elem : o.decl?.fields?.[field];
    return { cost: sum(o.cost, fixed(extra)), kind: decl?.kind ?? 'dyn', decl };
  }

  private index(op: string, [target, key]: [unknown, unknown]): Info {
    const t = this.estimate(target);
    const k = this.estimate(key);
    const decl = op === '[]' && (t.decl?.kind === 'list' || t.decl?.kind === 'map') ? t.decl.elem : undefined;
    const kind = decl?.kind ?? (op === '[]' && t.kind === 'list' ? (t.elemKind ?? 'dyn') : 'dyn');
    return { cost: sum(t.cost, k.cost, fixed(1)), kind, decl };
  }

  private binary(op: string, left: unknown, right: unknown): Info {
    const l = this.estimate(left);
    const r = this.estimate(right);
    const args = sum(l.cost, r.cost);
    const textual = (k: DeclKind): boolean => k === 'string' || k === 'bytes';
    const dyn = l.kind === 'dyn' || r.kind === 'dyn';
    switch (op) {
      case '==':
      case '!=':
        return { cost: sum(this.comparison(l, r), args), kind: 'bool' };
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const bySize = textual(l.kind) || textual(r.kind);
        const cost = bySize ? this.comparison(l, r) : dyn ? union(fixed(1), this.comparison(l, r)) : fixed(1);
        return { cost: sum(cost, args), kind: 'bool' };
      }
      case '+': {
        const size = sum(sizeOf(l), sizeOf(r));
        if (textual(l.kind) || textual(r.kind)) {
          return { cost: sum(scale(size, STRING_TRAVERSAL), args), kind: l.kind, size };
        }
        if (l.kind === 'list' || r.kind === 'list') return { cost: sum(fixed(1), args), kind: 'list', size };
        if (dyn) return { cost: sum(union(fixed(1), scale(size, STRING_TRAVERSAL)), args), kind: 'dyn', size };
        return { cost: sum(fixed(1), args), kind: l.kind };
      }
      case 'in': {
        if (r.kind === 'map') return { cost: sum(fixed(1), args), kind: 'bool' };
        return { cost: sum(scale(sizeOf(r), 1), args), kind: 'bool' };
      }
      default:
        return { cost: sum(fixed(1), args), kind: l.kind === r.kind ? l.kind : 'dyn' };
    }
  }

  /** Equality and ordering of sized values: a traversal of the smaller one. */
  private comparison(l: Info, r: Info): CostRange {
    const smallest = Math.min(sizeOf(l).max, sizeOf(r).max);
    return scale({ min: smallest > 0 ? 1 : 0, max: smallest }, STRING_TRAVERSAL);
  }

  private call(name: string, recv: unknown, args: unknown[]): Info {
    if (recv !== undefined) {
      const macro = this.macro(name, recv, args);
      if (macro) return macro;
    } else if (name === 'has' && args.length === 1 && isNode(args[0]) && args[0].op === '.') {
      const [operand] = args[0].args as [unknown, string];
      return { cost: sum(fixed(1), this.estimate(operand).cost), kind: 'bool' };
    }
    const t = recv !== undefined ? this.estimate(recv) : undefined;
    const as = args.map((x) => this.estimate(x));
    const argCost = sum(...as.map((x) => x.cost));
    const fn = this.functionCost(name, t, as);
    const kind = BOOL_RESULTS.has(name) ? 'bool' : (RESULT_KINDS[name] ?? 'dyn');
    return {
      cost: sum(t?.cost ?? fixed(0), argCost, fn.cost),
      kind,
      size: fn.size,
      elemKind: name === 'split' || name === 'findAll' ? 'string' : undefined,
    };
  }

  /** The function's own cost (arguments come on top), and its result's size when it is known. */
  private functionCost(name: string, t: Info | undefined, as: Info[]): { cost: CostRange; size?: CostRange } {
    const target = t ? sizeOf(t) : undefined;
    const arg0 = as[0] ? sizeOf(as[0]) : undefined;
    switch (name) {
      case 'startsWith':
      case 'endsWith':
        if (t && arg0) return { cost: scale(arg0, STRING_TRAVERSAL) };
        break;
      case 'contains':
        if (target && arg0) return { cost: times(scale(target, STRING_TRAVERSAL), scale(arg0, STRING_TRAVERSAL)) };
        break;
      case 'matches':
        if (target && arg0) {
          return { cost: times(scale(sum(target, fixed(1)), STRING_TRAVERSAL), scale(arg0, REGEX_LENGTH)) };
        }
        break;
      case 'find':
      case 'findAll':
        if (target && arg0) {
          const cost = times(scale(sum(target, fixed(1)), STRING_TRAVERSAL), scale(arg0, REGEX_LENGTH));
          return { cost, size: { min: 0, max: target.max } };
        }
        break;
      case 'format':
        if (target) return { cost: scale(target, STRING_TRAVERSAL) };
        break;
      case 'lowerAscii':
      case 'upperAscii':
      case 'substring':
      case 'trim':
        if (target) return { cost: scale(target, STRING_TRAVERSAL), size: target };
        break;
      case 'replace':
        if (target) return { cost: scale(target, 2 * STRING_TRAVERSAL), size: { min: 0, max: MAX_COST } };
        break;
      case 'split':
        if (target) return { cost: scale(target, 2 * STRING_TRAVERSAL), size: { min: 0, max: target.max } };
        break;
      case 'join':
        if (t && target) {
          const elem = t.decl?.elem ? { min: 0, max: t.decl.elem.maxElements } : { min: 0, max: MAX_COST };
          let size = times(target, elem);
          if (arg0)
            size = sum(size, times(arg0, { min: Math.max(target.min - 1, 0), max: Math.max(target.max - 1, 0) }));
          return { cost: scale(size, STRING_TRAVERSAL), size };
        }
        break;
      case 'isSorted':
      case 'sum':
      case 'max':
      case 'min':
      case 'indexOf':
      case 'lastIndexOf':
        if (t && target) {
          if (t.kind === 'string') return { cost: scale(target, STRING_TRAVERSAL) };
          const elem = t.decl?.elem;
          let perItem = fixed(1);
          if (elem && (elem.kind === 'string' || elem.kind === 'bytes')) {
            perItem = sum(perItem, scale({ min: 0, max: elem.maxElements }, STRING_TRAVERSAL));
          }
          return { cost: times(target, perItem) };
        }
        break;
      case 'url':
      case 'quantity':
      case 'isQuantity':
      case 'isURL':
      case 'cidr':
      case 'isIP':
      case 'isCIDR':
        if (arg0) return { cost: scale(arg0, STRING_TRAVERSAL) };
        break;
      case 'ip':
        if (arg0) return { cost: scale(arg0, STRING_TRAVERSAL) };
        return { cost: fixed(1) };
      case 'check':
        return { cost: fixed(350_000) };
    }
    return { cost: fixed(1) };
  }

  /** all/exists/exists_one/map/filter and cel.bind, costed as cel-go's expansions of them. */
  private macro(name: string, recv: unknown, args: unknown[]): Info | undefined {
    if (name === 'bind' && isNode(recv) && recv.op === 'id' && recv.args === 'cel' && args.length === 3) {
      const init = this.estimate(args[1]);
      const result = this.withVar(args[0], init, () => this.estimate(args[2]));
      return { ...result, cost: sum(fixed(LIST_CREATE), init.cost, result.cost) };
    }
    const perItem = PER_ITEM[name];
    if (!perItem || (args.length !== 2 && !(name === 'map' && args.length === 3))) return undefined;
    const range = this.estimate(recv);
    const item = this.itemOf(range);
    const bodies = this.withVar(args[0], item, () => args.slice(1).map((b) => this.estimate(b).cost));
    const step = perItem.step(bodies);
    const count = sizeOf(range);
    const cost = sum(range.cost, fixed(perItem.init + perItem.result), times(count, step));
    if (name === 'all' || name === 'exists' || name === 'exists_one') return { cost, kind: 'bool' };
    return { cost, kind: 'list', size: count, elemKind: name === 'filter' ? item.kind : 'dyn' };
  }

  /** What an iteration variable ranging over `range` is: an item of a list, a key of a map. */
  private itemOf(range: Info): Info {
    const decl =
      range.decl?.kind === 'list' ? range.decl.elem : range.decl?.kind === 'map' ? range.decl.key : undefined;
    const kind = decl?.kind ?? (range.kind === 'map' ? 'string' : (range.elemKind ?? 'dyn'));
    return { cost: fixed(1), kind, decl };
  }

  private withVar<T>(variable: unknown, value: Info, run: () => T): T {
    const name = isNode(variable) && variable.op === 'id' ? (variable.args as string) : '';
    this.scopes.push(new Map([[name, value]]));
    try {
      return run();
    } finally {
      this.scopes.pop();
    }
  }
}

/**
 * Each macro's expansion: the accumulator's initial value and the result's costs
 * once, the loop condition and step per item (`bodies` are the costs of the macro's
 * predicate and transform).
 */
const PER_ITEM: Readonly<Record<string, { init: number; result: number; step: (b: CostRange[]) => CostRange }>> = {
  // @not_strictly_false(__result__) and __result__ && p
  all: { init: 0, result: 1, step: ([p]) => sum(fixed(2), fixed(1), p) },
  // @not_strictly_false(!__result__) and __result__ || p
  exists: { init: 0, result: 1, step: ([p]) => sum(fixed(3), fixed(1), p) },
  // p ? __result__ + 1 : __result__, then __result__ == 1
  exists_one: { init: 0, result: 2, step: ([p]) => sum(p, fixed(2)) },
  // __result__ + [f], or p ? __result__ + [f] : __result__
  map: {
    init: LIST_CREATE,
    result: 1,
    step: (b) => (b.length === 2 ? sum(b[0], fixed(12), b[1]) : sum(fixed(12), b[0])),
  },
  // p ? __result__ + [x] : __result__
  filter: { init: LIST_CREATE, result: 1, step: ([p]) => sum(p, fixed(13)) },
};

/** The worst-case cost range of a parsed expression with `roots` the declared variables' types. */
export function estimateCost(ast: unknown, roots: Readonly<Record<string, DeclType | undefined>>): CostRange {
  return new Estimator(roots).estimate(ast).cost;
}
