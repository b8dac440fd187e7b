import type { RequestInfo } from '../endpoints/request-info';

/** Upstream's defaults: one seat per 100 objects a list goes through, 1 to 10 seats. */
const OBJECTS_PER_SEAT = 100;
const MIN_SEATS = 1;
const MAX_LIST_SEATS = 10;
/** A queuing level's widest request as a share of its nominal seats. */
const MAX_SEATS_FRACTION = 0.15;

/**
 * The widest request a level admits, as upstream's max seats tracker: for a
 * queuing level 15% of its nominal seats but no more than nominal/handSize,
 * at least 1; the estimator's cap of 10 for everything else.
 */
export function maxSeatsFor(nominal: number, handSize?: number): number {
  if (!handSize || handSize <= 0) return MAX_LIST_SEATS;
  const seats = Math.max(MIN_SEATS, Math.min(Math.ceil(nominal * MAX_SEATS_FRACTION), Math.floor(nominal / handSize)));
  return Math.min(MAX_LIST_SEATS, seats);
}

/** Whether the list is answered by etcd rather than the watch cache (upstream 1.32's rule). */
function listsFromStorage(query: URLSearchParams): boolean {
  const limit = Number(query.get('limit') ?? '0');
  const rv = query.get('resourceVersion') ?? '';
  if (query.get('continue')) return true;
  if (query.get('resourceVersionMatch') === 'Exact') return true;
  return limit > 0 && rv !== '0';
}

/**
 * Upstream's list work estimator: seats for a list (or a watch asking for its
 * initial events) from how many objects of the resource are stored; one seat
 * for everything else. `stored` is undefined when no count is known yet.
 */
export function estimateSeats(
  info: RequestInfo,
  query: URLSearchParams,
  stored: number | undefined,
  maxSeats: number,
): number {
  const isList = info.isResourceRequest && info.verb === 'list';
  const isWatchWithInitialEvents = info.verb === 'watch' && query.get('sendInitialEvents') === 'true';
  if (!isList && !isWatchWithInitialEvents) return MIN_SEATS;
  if (stored === undefined) return MIN_SEATS;
  const limitParam = Number(query.get('limit') ?? '0');
  const limit = limitParam > 0 && limitParam < stored ? limitParam : stored;
  let objects: number;
  if (info.verb === 'watch' || !listsFromStorage(query)) objects = stored;
  else if (query.get('fieldSelector') || query.get('labelSelector')) objects = stored + limit;
  else objects = 2 * limit;
  const seats = Math.ceil(objects / OBJECTS_PER_SEAT);
  return Math.min(maxSeats, Math.max(MIN_SEATS, seats));
}

/** What a request will cost: seats while it runs, and seats kept a while after for the watch events it causes. */
export interface WorkEstimate {
  initialSeats: number;
  finalSeats: number;
  additionalLatencyMs: number;
}

/** Upstream's mutating estimator defaults: one seat per 10 watchers, each event costing 5 ms. */
const WATCHES_PER_SEAT = 10;
const EVENT_ADDITIONAL_MS = 5;
const MUTATING_VERBS = new Set(['create', 'update', 'patch', 'delete']);

/** Whether upstream's mutating work estimator looks at this request. */
export function isMutatingEstimate(info: RequestInfo): boolean {
  return info.isResourceRequest && MUTATING_VERBS.has(info.verb);
}

/**
 * Upstream's mutating work estimator: a write seen by at least 10 watches
 * keeps ceil(watches / 10) seats (at most the level's maximum) after it
 * finishes, for as long as their events take (5 ms per seat-event, reshaped
 * over those seats). A service account token request causes no event.
 */
export function estimateMutating(info: RequestInfo, watchCount: number, maxSeats: number): WorkEstimate {
  const none = { initialSeats: MIN_SEATS, finalSeats: 0, additionalLatencyMs: 0 };
  if (info.resource === 'serviceaccounts' && info.subresource === 'token') return none;
  if (watchCount < WATCHES_PER_SEAT) return none;
  const wanted = Math.ceil(watchCount / WATCHES_PER_SEAT);
  const finalSeats = Math.min(wanted, Math.min(maxSeats, MAX_LIST_SEATS));
  return { initialSeats: MIN_SEATS, finalSeats, additionalLatencyMs: (wanted * EVENT_ADDITIONAL_MS) / finalSeats };
}
