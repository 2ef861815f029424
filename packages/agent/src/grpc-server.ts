// The grpc-js server: the StreamHouse service, 64 MiB messages, and HTTP/2 flow-control windows raised to 4 MiB.
import * as grpc from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { streamHouseServiceDefinition } from '@loadhouse/core/wire';
import type { Handlers } from './grpc-service.js';

const MiB = 1024 * 1024;
const WINDOW_BYTES = 4 * MiB;

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * grpc-js's Server has no flow-control window option (only the client reads `grpc-node.flow_control_window`),
 * so with the default 64 KiB windows a client must wait for WINDOW_UPDATEs every 64 KiB of a 100 KiB batch.
 * We reach into two grpc-js internals, guarded so a future version without them only loses the tuning:
 * the HTTP/2 settings given to new servers (per-stream window) and the map of bound servers (session window).
 */
function raiseWindowsBeforeBind(server: grpc.Server): void {
  const internals = server as unknown as { commonServerOptions?: { settings?: Record<string, unknown> } };
  if (internals.commonServerOptions) {
    internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: WINDOW_BYTES };
  }
}

function raiseWindowsAfterBind(server: grpc.Server): void {
  const internals = server as unknown as { http2Servers?: Map<Http2Server, unknown> };
  if (!(internals.http2Servers instanceof Map)) return;
  for (const h2 of internals.http2Servers.keys()) {
    h2.on('session', (session: ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(WINDOW_BYTES);
      } catch {
        // Older Node: keep the default window.
      }
    });
  }
}

export async function startGrpcServer(
  handlers: Handlers,
  host: string,
  port: number,
  maxRequestBytes: number,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    // Headroom over the agent's own limit, so a slightly oversized batch gets the agent's message naming the field.
    'grpc.max_receive_message_length': maxRequestBytes + MiB,
    // A single stored record may be as large as an accepted request; a response carries at least one.
    'grpc.max_send_message_length': Math.max(64 * MiB, maxRequestBytes + MiB),
  });
  raiseWindowsBeforeBind(server);
  server.addService(streamHouseServiceDefinition(), handlers as unknown as grpc.UntypedServiceImplementation);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(host, port), grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  raiseWindowsAfterBind(server);
  return { server, port: bound };
}

/** Graceful shutdown, forced after `graceMs`. */
export function stopGrpcServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
