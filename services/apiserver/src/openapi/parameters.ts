import type { JsonObject } from '../api/object';

/** Query and path parameters of the resource operations; descriptions are kapi's own. */
export function query(name: string, type: 'string' | 'integer' | 'boolean', description: string): JsonObject {
  return { description, in: 'query', name, schema: { type, uniqueItems: true } };
}

export function pathParam(name: string, description: string): JsonObject {
  return { description, in: 'path', name, required: true, schema: { type: 'string', uniqueItems: true } };
}

export const P = {
  namespace: pathParam('namespace', 'Namespace of the objects.'),
  name: (kind: string): JsonObject => pathParam('name', `Name of the ${kind}.`),
  pretty: query('pretty', 'string', "If 'true', indent the response."),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK events in a watch.'),
  continue: query('continue', 'string', 'Token from a previous limited list, to fetch the next page.'),
  dryRun: query('dryRun', 'string', "When 'All', run every stage of the request without persisting."),
  fieldManager: query('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.'),
  fieldSelector: query('fieldSelector', 'string', 'Select objects by field values.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'What to do with unknown or duplicate fields in the request body: Ignore, Warn or Strict.',
  ),
  force: query('force', 'boolean', 'Take over fields owned by other managers in an apply patch.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds to wait before the object is deleted.'),
  ignoreStoreReadError: query(
    'ignoreStoreReadErrorWithClusterBreakingPotential',
    'boolean',
    'Delete objects that can no longer be read from storage (unsafe).',
  ),
  labelSelector: query('labelSelector', 'string', 'Select objects by labels.'),
  limit: query('limit', 'integer', 'Maximum number of items to return in one page.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  propagationPolicy: query(
    'propagationPolicy',
    'string',
    'Garbage collection of dependents: Orphan, Background or Foreground.',
  ),
  resourceVersion: query('resourceVersion', 'string', 'Resource version the response must be at least as new as.'),
  resourceVersionMatch: query(
    'resourceVersionMatch',
    'string',
    'How resourceVersion applies to a list: Exact or NotOlderThan.',
  ),
  sendInitialEvents: query(
    'sendInitialEvents',
    'boolean',
    'Begin a watch with synthetic ADDED events for the current state.',
  ),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Time limit of a list or watch call.'),
  watch: query('watch', 'boolean', 'Stream changes instead of returning a list.'),
};

export const LIST_PARAMS: readonly JsonObject[] = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];

export const WRITE_PARAMS: readonly JsonObject[] = [P.dryRun, P.fieldManager, P.fieldValidation];

export const PATCH_PARAMS: readonly JsonObject[] = [P.dryRun, P.fieldManager, P.fieldValidation, P.force];

export const DELETE_PARAMS: readonly JsonObject[] = [
  P.dryRun,
  P.gracePeriodSeconds,
  P.ignoreStoreReadError,
  P.orphanDependents,
  P.propagationPolicy,
];

export const DELETE_COLLECTION_PARAMS: readonly JsonObject[] = [
  P.continue,
  P.dryRun,
  P.fieldSelector,
  P.gracePeriodSeconds,
  P.ignoreStoreReadError,
  P.labelSelector,
  P.limit,
  P.orphanDependents,
  P.propagationPolicy,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
];

/** Path-level parameters, by name as upstream lists them. */
export function sortedByName(params: readonly JsonObject[]): JsonObject[] {
  return [...params].sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
}
