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

/** Binds `app` to `host:port` (port 0: a free one); rejects when binding fails. */
export async function listen(app: Express, port: number, host: string): Promise<ListeningServer> {
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, host, () => resolve(listening));
    listening.once('error', reject);
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
