// Loopback ports for tests: one the OS just handed out and nothing listens on any more, for a
// child process to take (PORT=) or for a client to be refused on; and a test's own server
// listening on one.
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

/** A loopback port nothing listens on right now (the OS picked it; it was just released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A server on a loopback port the OS picked. */
export interface Listening {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Closes the server, dropping its open keep-alive connections rather than waiting them out. */
  close(): Promise<void>;
}

/** Starts `server` listening on a loopback port the OS picks. */
export async function listenOnLoopback(server: HttpServer): Promise<Listening> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
