import { request } from 'node:https';

/** What upstream's prober reports of one component: probe result, body or failure text, and an error. */
export interface ComponentHealth {
  status: 'True' | 'False' | 'Unknown';
  message: string;
  error: string;
}

export type ComponentProbe = () => Promise<ComponentHealth>;

/** The kube-scheduler and kube-controller-manager secure ports upstream probes on loopback. */
export const SCHEDULER_PORT = 10259;
export const CONTROLLER_MANAGER_PORT = 10257;
/** Upstream waits 20 s; a control plane without those components should not stall `kubectl get cs`. */
export const DEFAULT_PROBE_TIMEOUT_MS = 2000;

/** Go's net error text for the failures a loopback dial meets. */
function dialError(e: NodeJS.ErrnoException, hostPort: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ECONNRESET':
      return `read tcp ${hostPort}: read: connection reset by peer`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostPort}: connect: no route to host`;
    default:
      return e.message;
  }
}

/**
 * An HTTPS GET of /healthz as upstream's HTTP prober does it: any certificate,
 * 2xx/3xx is healthy with the body as message, anything else (refused, timeout,
 * another code) is unhealthy with the reason as message and no error.
 */
export function httpsHealthProbe(host: string, port: number, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): ComponentProbe {
  const hostPort = `${host}:${port}`;
  const url = `https://${hostPort}/healthz`;
  return () =>
    new Promise<ComponentHealth>((resolve) => {
      let settled = false;
      const done = (h: ComponentHealth): void => {
        if (settled) return;
        settled = true;
        resolve(h);
      };
      const failed = (message: string): void => done({ status: 'False', message, error: '' });
      const req = request(
        url,
        {
          method: 'GET',
          rejectUnauthorized: false,
          headers: { 'user-agent': 'kube-probe/1.32', accept: '*/*' },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // upstream reads at most 10 KiB of a probe's body
            if (size < 10 * 1024) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            const body = Buffer.concat(chunks)
              .subarray(0, 10 * 1024)
              .toString('utf8');
            if (code >= 200 && code < 400) done({ status: 'True', message: body, error: '' });
            else failed(`HTTP probe failed with statuscode: ${code}`);
          });
          res.on('error', (e) => failed(`Get ${JSON.stringify(url)}: ${e.message}`));
        },
      );
      req.on('timeout', () => {
        failed(
          `Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        );
        req.destroy();
      });
      req.on('error', (e: NodeJS.ErrnoException) => failed(`Get ${JSON.stringify(url)}: ${dialError(e, hostPort)}`));
      req.end();
    });
}

/** etcd's entry: healthy when kapi's own storage answers its health check. */
export function storageHealthProbe(check: () => Promise<void>): ComponentProbe {
  return async () => {
    try {
      await check();
      return { status: 'True', message: 'ok', error: '' };
    } catch (e) {
      return { status: 'False', message: '', error: e instanceof Error ? e.message : String(e) };
    }
  };
}
