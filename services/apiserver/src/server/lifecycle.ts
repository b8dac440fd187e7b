import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';

/**
 * Connection and request bookkeeping for a graceful stop, in the order
 * kube-apiserver drains: stop accepting (close the listener, GOAWAY every
 * HTTP/2 session, close idle HTTP/1 connections and the others once their
 * request is answered), end the long-running requests (watches) so clients
 * re-establish them elsewhere, then wait for the requests already in flight.
 */
export class ServerLifecycle {
  private draining = false;
  private inFlight = 0;
  private readonly idleWaiters = new Set<() => void>();
  private readonly watches = new Set<() => void>();
  private readonly sessions = new Set<Http2Session>();
  /** HTTP/1.1 connections and how many of their requests are being answered. */
  private readonly http1 = new Map<Socket, number>();

  /** Hooks the listener's connection events; call once, before listening. */
  attach(server: Server): void {
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      if (this.draining) session.close();
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') return;
      this.http1.set(socket, 0);
      socket.once('close', () => this.http1.delete(socket));
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
   * Counts a request until its response closes. `http1Socket` is its connection
   * when it came over HTTP/1.x, so a draining server can close it afterwards.
   * Returns the function that stops counting it early (a watch is not waited for).
   */
  requestStarted(onClose: (cb: () => void) => void, http1Socket?: Socket): () => void {
    this.inFlight++;
    if (http1Socket) this.http1.set(http1Socket, (this.http1.get(http1Socket) ?? 0) + 1);
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.inFlight--;
      if (this.inFlight === 0) for (const w of [...this.idleWaiters]) w();
    };
    onClose(() => {
      release();
      if (!http1Socket) return;
      const left = (this.http1.get(http1Socket) ?? 1) - 1;
      if (this.http1.has(http1Socket)) this.http1.set(http1Socket, left);
      // flush the last response, then close fully so a request sent meanwhile fails fast instead of hanging
      if (this.draining && left <= 0) http1Socket.destroySoon();
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
    for (const session of this.sessions) session.close();
    for (const [socket, active] of this.http1) if (active <= 0) socket.destroy();
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
    for (const session of this.sessions) session.destroy();
    for (const socket of this.http1.keys()) socket.destroy();
  }
}
