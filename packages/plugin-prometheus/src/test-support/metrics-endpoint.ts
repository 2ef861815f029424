// Test support: a fake target's HTTP server as a /metrics endpoint on a free loopback port.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `listen` starts `server` and resolves to its /metrics URL; `close` ends it with its open connections. */
export function metricsEndpoint(server: Server): { listen: () => Promise<string>; close: () => Promise<void> } {
  return {
    listen: () =>
      new Promise<string>((r) =>
        server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)),
      ),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
