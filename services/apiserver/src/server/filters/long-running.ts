import type { RequestInfo } from '../../endpoints/request-info';

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/** kube-apiserver's LongRunningFunc: watches, proxies and the streaming subresources. */
export function isLongRunningRequest(info: RequestInfo): boolean {
  return (
    LONG_RUNNING_VERBS.has(info.verb) || (info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource))
  );
}
