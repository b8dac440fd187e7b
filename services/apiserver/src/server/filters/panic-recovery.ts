import { StatusError } from '../../api/errors';
import type { Filter } from './types';
import type { ErrorRenderer } from './errors';
import { logError } from '../../logging/line-log';

/** Whatever escapes the handlers becomes a 500 Status, never a dropped connection or a stack trace. */
export function withPanicRecovery(render: ErrorRenderer, log: (line: string) => void): Filter {
  return (next) => async (ctx) => {
    try {
      return await next(ctx);
    } catch (e) {
      if (!(e instanceof StatusError))
        logError(log, `kapi: unhandled error on ${ctx.req.method} ${ctx.req.path}: ${String(e)}`);
      return render(e, ctx.req.headers.accept);
    }
  };
}
