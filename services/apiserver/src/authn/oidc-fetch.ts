import https from 'node:https';

/** Bounds on what an issuer may make us download or wait for. */
const MAX_BODY_BYTES = 1 << 20;
const TIMEOUT_MS = 10_000;

/** GET a JSON document over HTTPS, trusting only `caPem` when given (else the system roots). */
export function fetchJson(url: string, caPem?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`invalid URL ${url}`));
      return;
    }
    if (target.protocol !== 'https:') {
      reject(new Error(`refusing to fetch ${url}: scheme must be https`));
      return;
    }
    const req = https.get(
      target,
      { ca: caPem, timeout: TIMEOUT_MS, headers: { accept: 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new Error(`response from ${url} exceeds ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(new Error(`${res.statusCode ?? 0} ${res.statusMessage ?? ''}: ${body.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(new Error(`failed to decode ${url}: ${(err as Error).message}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}
