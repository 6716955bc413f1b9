/** Listening: the HTTP server of the app, its base URL and its shutdown. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface ListeningServer {
  server: Server;
  /** Base URL of the bound address, e.g. `http://127.0.0.1:8080` or `http://[::1]:8080`. */
  url: string;
  /** Stops accepting connections, closes idle keep-alive ones, resolves once all are closed. */
  close(): Promise<void>;
}

/** Base URL of a bound address; IPv6 hosts in brackets (RFC 3986 §3.2.2). */
export function baseUrl(address: Pick<AddressInfo, 'address' | 'family' | 'port'>): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Binding failed: the address is taken, not local, or not allowed. The
 * message is one line a person can act on; `errno` is Node's code
 * (`EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, …).
 */
export class ListenError extends Error {
  readonly errno: string;

  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const errno = cause.code ?? 'unknown';
    const reason =
      errno === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use by another program; choose another with --port (or DRIFTWATCH_PORT, server.port; 0 picks a free one)`
        : errno === 'EADDRNOTAVAIL'
          ? `cannot listen on ${where}: ${host} is not an address of this machine; choose another with --host`
          : errno === 'EACCES'
            ? `cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose another with --port`
            : `cannot listen on ${where}: ${cause.message}`;
    super(reason, { cause });
    this.name = 'ListenError';
    this.errno = errno;
  }
}

/** Binds `app` to `host:port` (port 0: a free one); rejects with a ListenError when binding fails. */
export async function listen(app: Express, port: number, host: string): Promise<ListeningServer> {
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 calls this back with the error too (and then address() is
    // null): only a call without one means listening.
    const listening = app.listen(port, host, (error?: NodeJS.ErrnoException) => {
      if (error) reject(new ListenError(host, port, error));
      else resolve(listening);
    });
  });
  // Long uploads are fine; idle keep-alive sockets should not pin shutdown.
  server.keepAliveTimeout = 5_000;
  return {
    server,
    url: baseUrl(server.address() as AddressInfo),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
