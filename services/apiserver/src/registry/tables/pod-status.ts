import { isPlainObject } from '../../api/object';
import { field, integer, text } from './common';
import { timestampSince } from './human-duration';

/**
 * The READY, STATUS and RESTARTS cells of `kubectl get pods`, computed from the
 * container statuses as upstream's printPod does.
 */

type Obj = Record<string, unknown>;

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function isRestartable(container: Obj | undefined): boolean {
  return text(container?.restartPolicy) === 'Always';
}

function hasTrueCondition(status: unknown, type: string): boolean {
  return objects(field(status, 'conditions')).some((c) => c.type === type && c.status === 'True');
}

/** The latest lastState.terminated.finishedAt seen, as ms since epoch. */
class LastRestart {
  at = 0;
  see(container: Obj): void {
    const finished = field(container, 'lastState', 'terminated', 'finishedAt');
    const t = typeof finished === 'string' ? Date.parse(finished) : NaN;
    if (!Number.isNaN(t) && t > this.at) this.at = t;
  }
}

function terminatedReason(terminated: Obj, prefix: string): string {
  const reason = text(terminated.reason);
  if (reason !== '') return prefix + reason;
  const signal = integer(terminated.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${integer(terminated.exitCode)}`;
}

export interface PodStatusCells {
  ready: string;
  status: string;
  restarts: string;
}

export function podStatusCells(pod: Obj, now: number): PodStatusCells {
  const spec = field(pod, 'spec');
  const status = field(pod, 'status');
  const phase = text(field(status, 'phase'));
  let reason = text(field(status, 'reason')) || phase;
  for (const c of objects(field(status, 'conditions'))) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map(objects(field(spec, 'initContainers')).map((c) => [text(c.name), c]));
  let total = objects(field(spec, 'containers')).length;
  for (const c of initSpecs.values()) if (isRestartable(c)) total++;

  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  const last = new LastRestart();
  const sidecarLast = new LastRestart();
  let initializing = false;
  const initStatuses = objects(field(status, 'initContainerStatuses'));
  const initCount = initSpecs.size;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const restartable = isRestartable(initSpecs.get(text(c.name)));
    restarts += integer(c.restartCount);
    last.see(c);
    if (restartable) {
      sidecarRestarts += integer(c.restartCount);
      sidecarLast.see(c);
    }
    const terminated = field(c, 'state', 'terminated');
    const waitingReason = text(field(c, 'state', 'waiting', 'reason'));
    if (isPlainObject(terminated) && integer(terminated.exitCode) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (isPlainObject(terminated)) reason = terminatedReason(terminated, 'Init:');
    else if (waitingReason !== '' && waitingReason !== 'PodInitializing') reason = `Init:${waitingReason}`;
    else reason = `Init:${i}/${initCount}`;
    initializing = true;
    break;
  }

  let lastRestart = last.at;
  if (!initializing || hasTrueCondition(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLast.at;
    const main = new LastRestart();
    main.at = lastRestart;
    let hasRunning = false;
    const statuses = objects(field(status, 'containerStatuses'));
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += integer(c.restartCount);
      main.see(c);
      const waiting = field(c, 'state', 'waiting');
      const terminated = field(c, 'state', 'terminated');
      if (isPlainObject(waiting) && text(waiting.reason) !== '') reason = text(waiting.reason);
      else if (isPlainObject(terminated)) reason = terminatedReason(terminated, '');
      else if (c.ready === true && isPlainObject(field(c, 'state', 'running'))) {
        hasRunning = true;
        ready++;
      }
    }
    lastRestart = main.at;
    // a pod whose last container completed but another still runs is shown by its readiness
    if (reason === 'Completed' && hasRunning) reason = hasTrueCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = field(pod, 'metadata', 'deletionTimestamp') !== undefined;
  if (deleting && text(field(status, 'reason')) === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartText =
    restarts !== 0 && lastRestart !== 0
      ? `${restarts} (${timestampSince(new Date(lastRestart).toISOString(), now)} ago)`
      : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

/** READINESS GATES: how many of the gates' conditions are True, "<none>" without gates. */
export function readinessGatesCell(pod: Obj): string {
  const gates = objects(field(pod, 'spec', 'readinessGates'));
  if (gates.length === 0) return '<none>';
  const conditions = objects(field(pod, 'status', 'conditions'));
  const trueCount = gates.filter((g) => {
    const c = conditions.find((x) => x.type === g.conditionType);
    return c?.status === 'True';
  }).length;
  return `${trueCount}/${gates.length}`;
}
