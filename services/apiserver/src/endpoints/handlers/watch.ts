import { newInvalid } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { listParams, parseIntParam } from '../list-options';
import { MEDIA_PROTOBUF, negotiate } from '../negotiation';
import { objectJson, objectProtobuf } from '../object-encoder';
import { isTrue } from '../request-info';
import { statusOf } from '../response';
import type { RequestScope } from '../scope';
import { transformObject } from '../transforms';
import type { ApiResponse, StreamSink } from '../types';
import { eventFramer, frameJsonBytes, frameProtobufBytes, WATCH_CONTENT_TYPES } from '../watch-stream';

const DEFAULT_MIN_REQUEST_TIMEOUT_S = 1800;
const BOOKMARK_INTERVAL_MS = 60_000;
/** setTimeout fires at once past a signed 32-bit millisecond count. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * A client that has not taken what is already buffered for this long is cut
 * off, as upstream forces unresponsive watchers closed; it re-watches from its
 * last resourceVersion.
 */
export const UNRESPONSIVE_WATCHER_MS = 30_000;

function timeoutSecondsOf(q: URLSearchParams): number {
  const t = parseIntParam(q, 'timeoutSeconds');
  return t !== undefined && t > 0 ? t : DEFAULT_MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
}

export async function watchResource(
  scope: RequestScope,
  unresponsiveMs = UNRESPONSIVE_WATCHER_MS,
): Promise<ApiResponse> {
  const { store, schemas, req } = scope;
  const q = req.query;
  const n = negotiate(req.headers.accept, {
    allowProtobuf: !store.info.custom,
    transforms: ['Table', 'PartialObjectMetadata'],
    stream: true,
  });
  const frame = eventFramer(schemas, n.media);
  const params = listParams(store, q, true);
  const timeoutMs = Math.min(timeoutSecondsOf(q) * 1000, MAX_TIMER_MS);
  const bookmarks = isTrue(q.get('allowWatchBookmarks'));
  const sendInitialEventsRaw = q.get('sendInitialEvents');
  // normalised so every later check reads 'true' / 'false' / null
  const sendInitialEventsParam = sendInitialEventsRaw === null ? null : isTrue(sendInitialEventsRaw) ? 'true' : 'false';
  const sendInitialEvents =
    sendInitialEventsParam === 'true' ||
    (sendInitialEventsParam === null && (!params.resourceVersion || params.resourceVersion === '0'));
  if (sendInitialEventsParam === 'true' && !bookmarks) {
    throw newInvalid('ListOptions', 'meta.k8s.io', '', [
      {
        type: 'FieldValueForbidden',
        field: 'allowWatchBookmarks',
        message: 'Forbidden: allowWatchBookmarks must be set when sendInitialEvents is true',
      },
    ]);
  }
  const watcher = await store.watch(scope.namespace, scope.name, {
    ...params,
    sendInitialEvents,
    progressNotify: bookmarks,
  });
  const tm = { apiVersion: store.apiVersion, kind: store.info.kind };
  const frameObjectEvent = (type: string, obj: KubeObject): Buffer => {
    if (n.transform) return frame(type, transformObject(store, n, obj, q));
    if (n.media === MEDIA_PROTOBUF) {
      return frameProtobufBytes(type, objectProtobuf(schemas, store.info.messageType, obj, tm));
    }
    return frameJsonBytes(type, objectJson(obj, tm, false));
  };
  const bookmark = (rv: string, annotations?: Record<string, string>): Buffer =>
    frame('BOOKMARK', {
      kind: store.info.kind,
      apiVersion: store.apiVersion,
      metadata: annotations ? { resourceVersion: rv, annotations } : { resourceVersion: rv },
    });
  return {
    kind: 'stream',
    status: 200,
    headers: { 'content-type': WATCH_CONTENT_TYPES[n.media] },
    initialized: watcher.initialized,
    start: (sink: StreamSink) => {
      let lastRV = params.resourceVersion ?? '0';
      let closed = false;
      const stop = (): void => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        clearInterval(bookmarkTimer);
        watcher.stop();
        sink.end();
      };
      const timer = setTimeout(stop, timeoutMs);
      const bookmarkTimer = setInterval(() => {
        if (bookmarks && !closed) sink.write(bookmark(lastRV));
      }, BOOKMARK_INTERVAL_MS);
      sink.onClose(stop);
      // the next event is pulled only once the connection took the last: a stalled client
      // backs up into the watcher's bounded queue instead of this process's socket buffers
      const send = async (chunk: Buffer): Promise<boolean> => {
        if (sink.write(chunk)) return true;
        // storage may give up on this watcher meanwhile: then the stream ends instead of waiting on
        const closedByStorage = watcher.closedByStorage;
        const gaveUp = new Promise<boolean>((resolve) => {
          if (closedByStorage?.aborted) resolve(false);
          closedByStorage?.addEventListener('abort', () => resolve(false), { once: true });
        });
        const drained = await Promise.race([sink.drained(unresponsiveMs), gaveUp]);
        if (!drained && !closed) sink.abort();
        return drained;
      };
      void (async () => {
        try {
          let initialDone = !sendInitialEvents;
          for await (const ev of watcher) {
            if (closed) break;
            lastRV = String(ev.revision || ev.object.metadata?.resourceVersion || lastRV);
            if (ev.type === 'BOOKMARK') {
              if (
                !initialDone &&
                sendInitialEventsParam === 'true' &&
                ev.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true'
              ) {
                initialDone = true;
                if (!(await send(bookmark(lastRV, { 'k8s.io/initial-events-end': 'true' })))) break;
              } else if (bookmarks) {
                if (!(await send(bookmark(lastRV)))) break;
              }
              continue;
            }
            if (ev.type === 'ERROR') {
              sink.write(frame('ERROR', ev.object));
              break;
            }
            if (!(await send(frameObjectEvent(ev.type, ev.object)))) break;
          }
        } catch (e) {
          if (!closed) sink.write(frame('ERROR', statusOf(e).toStatus() as KubeObject));
        }
        stop();
      })();
    },
  };
}
