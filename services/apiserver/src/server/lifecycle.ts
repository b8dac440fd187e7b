import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';

/** kube-apiserver's secure-serving limits, which Go's net/http enforces for it. */
export interface ConnectionTimeouts {
  /** A connection with no request in flight is closed after this long (upstream's IdleTimeout). */
  idleMs: number;
  /** An HTTP/1.1 connection must complete its first request's headers this soon (ReadHeaderTimeout). */
  firstRequestMs: number;
}

export const UPSTREAM_CONNECTION_TIMEOUTS: ConnectionTimeouts = { idleMs: 90_000, firstRequestMs: 32_000 };

/**
 * A client connection: how many of its requests are being answered, and the timer
 * that closes it once it has had none for long enough.
 */
class TrackedConnection {
  active = 0;
  private timer: NodeJS.Timeout;
  private timerMs: number;

  /** `firstMs` is how long the connection may wait for its first request; later waits get `idleMs`. */
  constructor(
    private readonly close: () => void,
    firstMs: number,
    private readonly idleMs: number,
  ) {
    this.timerMs = firstMs;
    this.timer = this.closeAfter(firstMs);
  }

  started(): void {
    this.active++;
  }

  ended(): void {
    if (--this.active > 0) return;
    if (this.timerMs === this.idleMs) {
      this.timer.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.timerMs = this.idleMs;
    this.timer = this.closeAfter(this.idleMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  /** It fires while requests run too (cheaper than a timer per request), and then does nothing. */
  private closeAfter(ms: number): NodeJS.Timeout {
    return setTimeout(() => {
      if (this.active === 0) this.close();
    }, ms).unref();
  }
}

/**
 * Connection and request bookkeeping: idle connections are closed as Go's
 * server closes them, and a graceful stop runs in the order kube-apiserver
 * drains: stop accepting (close the listener, GOAWAY every HTTP/2 session,
 * close idle HTTP/1 connections and the others once their request is
 * answered), end the long-running requests (watches) so clients re-establish
 * them elsewhere, then wait for the requests already in flight.
 */
export class ServerLifecycle {
  private draining = false;
  private inFlight = 0;
  private readonly idleWaiters = new Set<() => void>();
  private readonly watches = new Set<() => void>();
  private readonly sessions = new Map<Http2Session, TrackedConnection>();
  private readonly http1 = new Map<Socket, TrackedConnection>();

  constructor(private readonly timeouts: ConnectionTimeouts = UPSTREAM_CONNECTION_TIMEOUTS) {}

  /** Hooks the listener's connection events; call once, before listening. */
  attach(server: Server): void {
    const { idleMs, firstRequestMs } = this.timeouts;
    server.on('session', (session: Http2Session) => {
      // an open stream, a quiet watch among them, keeps the session: only streamless time counts
      const conn = new TrackedConnection(() => session.close(), idleMs, idleMs);
      this.sessions.set(session, conn);
      session.once('close', () => {
        conn.dispose();
        this.sessions.delete(session);
      });
      if (this.draining) session.close();
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') return;
      // a request whose headers are still arriving is not in flight: slow headers meet the timer too
      const conn = new TrackedConnection(() => socket.destroy(), firstRequestMs, idleMs);
      this.http1.set(socket, conn);
      socket.once('close', () => {
        conn.dispose();
        this.http1.delete(socket);
      });
      if (this.draining) socket.destroy();
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get watchCount(): number {
    return this.watches.size;
  }

  /**
   * Counts a request until its response closes, on its connection too: the HTTP/2
   * session, or the socket of an HTTP/1.x request, which a draining server closes
   * afterwards. Returns the function that stops counting it early for the drain
   * (a watch is not waited for); its connection stays busy until it closes.
   */
  requestStarted(onClose: (cb: () => void) => void, http1Socket?: Socket, session?: Http2Session): () => void {
    this.inFlight++;
    const conn = http1Socket ? this.http1.get(http1Socket) : session && this.sessions.get(session);
    conn?.started();
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.inFlight--;
      if (this.inFlight === 0) for (const w of [...this.idleWaiters]) w();
    };
    onClose(() => {
      release();
      conn?.ended();
      // flush the last response, then close fully so a request sent meanwhile fails fast instead of hanging
      if (http1Socket && this.draining && (!conn || conn.active <= 0)) http1Socket.destroySoon();
    });
    return release;
  }

  /** Registers an open watch; `terminate` ends its response. Returns the unregister function. */
  watchStarted(terminate: () => void): () => void {
    this.watches.add(terminate);
    return () => this.watches.delete(terminate);
  }

  /**
   * Stops taking work: the listener closes (new connections are refused),
   * every HTTP/2 session gets a GOAWAY (its open streams still finish), idle
   * HTTP/1.1 connections close and busy ones close after their response.
   */
  beginDrain(server: Server): void {
    if (this.draining) return;
    this.draining = true;
    if (server.listening) server.close(() => undefined);
    for (const session of this.sessions.keys()) session.close();
    for (const [socket, { active }] of this.http1) if (active <= 0) socket.destroy();
  }

  /** Ends every open watch response cleanly; returns how many there were. */
  endWatches(): number {
    const all = [...this.watches];
    this.watches.clear();
    for (const terminate of all) terminate();
    return all.length;
  }

  /** Resolves true once no counted request is in flight, false after `timeoutMs`. */
  waitForInFlight(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(ok);
      };
      const onIdle = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(onIdle);
    });
  }

  /** Drops whatever is still connected. */
  destroyAll(): void {
    for (const session of this.sessions.keys()) session.destroy();
    for (const socket of this.http1.keys()) socket.destroy();
  }
}
