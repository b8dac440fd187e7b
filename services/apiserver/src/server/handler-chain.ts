import type { ApiRouter } from '../endpoints/router';
import type { NonResourceHandler } from './non-resource';
import type { ServerLifecycle } from './lifecycle';
import type { ErrorRenderer } from './filters/errors';
import { withDrain } from './filters/drain';
import { withGoaway } from './filters/goaway';
import { withPanicRecovery } from './filters/panic-recovery';
import { withRequestInfo } from './filters/request-info';
import { routeRequest } from './filters/route';
import { buildChain, type Filter, type Handler } from './filters/types';

export interface ChainDeps {
  api: ApiRouter;
  nonResource: NonResourceHandler;
  lifecycle: ServerLifecycle;
  render: ErrorRenderer;
  /** --goaway-chance */
  goawayChance: number;
  log: (line: string) => void;
}

/** Upstream's DefaultBuildHandlerChain, read top to bottom: each filter wraps the ones below it. */
export function buildHandlerChain(deps: ChainDeps): Handler {
  const filters: Filter[] = [
    withPanicRecovery(deps.render, deps.log),
    withRequestInfo(),
    withDrain(deps.lifecycle, deps.render),
    withGoaway(deps.goawayChance, deps.lifecycle),
  ];
  return buildChain(filters, routeRequest(deps.api, deps.nonResource, deps.render));
}
