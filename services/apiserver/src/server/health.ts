/**
 * /healthz, /livez and /readyz as upstream serves them: each a list of named
 * checks, `?verbose` lists them, `/<endpoint>/<check>` runs one, `?exclude=` skips some.
 */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthResult {
  status: number;
  body: string;
}

export async function runHealth(
  endpoint: string,
  checks: HealthCheck[],
  subPath: string,
  query: URLSearchParams,
): Promise<HealthResult> {
  if (subPath) {
    const c = checks.find((x) => x.name === subPath);
    if (!c) return { status: 404, body: '404 page not found\n' };
    try {
      await c.check();
      return { status: 200, body: 'ok' };
    } catch (e) {
      return { status: 500, body: `internal server error: ${e instanceof Error ? e.message : String(e)}\n` };
    }
  }
  const excluded = new Set(query.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.has(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    try {
      await c.check();
      lines.push(`[+]${c.name} ok`);
    } catch {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  const verbose = query.has('verbose');
  if (failed) {
    return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  }
  return { status: 200, body: verbose ? `${lines.join('\n')}\n${endpoint} check passed\n` : 'ok' };
}
