import type { KubeObject } from '../api/object';
import { timeNow } from '../api/time';
import { isStatus, sleep, type LeaderController } from '../controllers/util';
import type { APIService, APIServiceCondition } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { StoreTable } from '../registry/store-table';
import { resolveEndpoint, ResolveError, serviceRefOf } from './resolve';
import { readAll, requestEndpoint, type ProxyClientCert } from './transport';

const MANAGER = 'kube-apiserver';
const DISCOVERY_TIMEOUT_MS = 5000;

type Check = Pick<APIServiceCondition, 'status' | 'reason' | 'message'>;

/** Upstream's remote availability checks: the Service, its endpoints, then the group/version's discovery. */
export async function checkAvailability(
  table: StoreTable,
  svc: APIService,
  clientCert: ProxyClientCert | undefined,
): Promise<Check> {
  const spec = svc.spec ?? {};
  const ref = spec.service ?? {};
  let endpoint;
  try {
    endpoint = await resolveEndpoint(table, serviceRefOf(ref));
  } catch (e) {
    if (e instanceof ResolveError) return { status: 'False', reason: e.reason, message: e.message };
    return { status: 'False', reason: 'ServiceAccessError', message: String(e) };
  }
  const path = `/apis/${spec.group ?? ''}/${spec.version ?? ''}`;
  const url = `https://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${path}`;
  try {
    const res = await requestEndpoint(spec, endpoint, clientCert, {
      method: 'GET',
      path,
      headers: { accept: 'application/json', 'x-remote-user': 'system:kube-aggregator' },
      timeoutMs: DISCOVERY_TIMEOUT_MS,
    });
    await readAll(res);
    const code = res.statusCode ?? 0;
    // upstream counts 403 and 401 as reachable: the server answered, it only did not like the caller
    if ((code < 200 || code >= 300) && code !== 401 && code !== 403)
      return {
        status: 'False',
        reason: 'FailedDiscoveryCheck',
        message: `failing or missing response from ${url}: bad status from ${url}: ${code}`,
      };
  } catch (e) {
    return {
      status: 'False',
      reason: 'FailedDiscoveryCheck',
      message: `failing or missing response from ${url}: ${(e as Error).message}`,
    };
  }
  return { status: 'True', reason: 'Passed', message: 'all checks passed' };
}

/** Sets the Available condition; the transition time moves only when the status does. Reports a change. */
function setAvailable(svc: APIService, check: Check): boolean {
  const conditions = ((svc.status ??= {}).conditions ??= []);
  const i = conditions.findIndex((c) => c.type === 'Available');
  const old = i >= 0 ? conditions[i] : undefined;
  if (old && old.status === check.status && old.reason === check.reason && old.message === check.message) return false;
  const next: APIServiceCondition = {
    type: 'Available',
    ...check,
    lastTransitionTime: old && old.status === check.status ? old.lastTransitionTime : timeNow(),
  };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return true;
}

/**
 * Upstream's APIService availability controller, on the leader: every remote
 * APIService's Available condition, rechecked every few seconds so a dead
 * server turns False well within 30 s.
 */
export class AvailabilityController implements LeaderController {
  readonly name = 'apiservice-availability-controller';
  private task: Promise<void> = Promise.resolve();

  constructor(
    private readonly table: StoreTable,
    private readonly clientCert: ProxyClientCert | undefined,
    private readonly intervalMs = 3000,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    this.task = (async () => {
      while (!signal.aborted) {
        try {
          await this.checkAll();
        } catch (e) {
          this.log(`apiservice availability: ${(e as Error).message}`);
        }
        await sleep(this.intervalMs, signal);
      }
    })();
  }

  async stopped(): Promise<void> {
    await this.task;
  }

  private async checkAll(): Promise<void> {
    const store = this.table.store('apiregistration.k8s.io', 'v1', 'apiservices');
    if (!store) return;
    const list = await store.list('', {});
    const remote = ((list.items as KubeObject[] | undefined) ?? []).filter(
      (o) => (o as APIService).spec?.service,
    ) as APIService[];
    await Promise.all(
      remote.map(async (svc) => {
        const check = await checkAvailability(this.table, svc, this.clientCert);
        if (!setAvailable(structuredClone(svc), check)) return;
        try {
          await store.updateWith(
            '',
            svc.metadata?.name ?? '',
            (cur) => {
              setAvailable(cur as APIService, check);
              return cur;
            },
            { statusOnly: true, manager: MANAGER, subresource: 'status' },
          );
        } catch (e) {
          if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
        }
      }),
    );
  }
}
