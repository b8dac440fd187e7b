import { StatusError } from '../../api/errors';
import { AuthenticationError, type Authenticator } from '../../authn/authenticator';
import type { ErrorRenderer } from './errors';
import type { Filter, RequestContext } from './types';
import { logError } from '../../logging/line-log';

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

/**
 * Upstream's WithAuthentication: establishes who is asking. A credential that is
 * presented but invalid is 401, never anonymous; the Authorization header is not
 * passed on once it has been used.
 */
export function withAuthentication(
  authenticator: Authenticator,
  render: ErrorRenderer,
  log: (line: string) => void,
  onFailure: (ctx: RequestContext, code: number) => void = () => undefined,
): Filter {
  return (next) => async (ctx) => {
    try {
      const res = await authenticator.authenticate({
        headers: ctx.req.headers,
        peerCertificates: ctx.peerCertificates,
        connection: ctx.connection,
      });
      if (!res) {
        onFailure(ctx, 401);
        return render(unauthorized(), ctx.req.headers.accept);
      }
      ctx.user = res.user;
      ctx.audiences = res.audiences;
      // spent credentials (a bearer token, a front proxy's identity headers) never reach a proxied backend
      for (const name of res.stripHeaders ?? []) delete ctx.req.headers[name.toLowerCase()];
      for (const [name, value] of Object.entries(res.setHeaders ?? {})) ctx.req.headers[name.toLowerCase()] = value;
    } catch (e) {
      if (!(e instanceof AuthenticationError)) logError(log, `kapi: authentication failed unexpectedly: ${String(e)}`);
      onFailure(ctx, 401);
      return render(unauthorized(), ctx.req.headers.accept);
    }
    return next(ctx);
  };
}
