/**
 * A TCP proxy in front of a real server, which a test can cut as a network would: `blackhole()`
 * keeps every connection open and holds what is sent until `heal()` (a partition: TCP retransmits,
 * so the bytes arrive late and in order; calls hang until their deadline meanwhile), `refuse()` drops every connection and refuses new ones (a server down), `heal()`
 * forwards again. The cluster tests point a node at its own proxies to cut it from PostgreSQL or
 * NATS without touching the servers other tests use.
 *
 * @example
 * const pg = await tcpProxy(5432);
 * const url = `postgres://postgres@127.0.0.1:${pg.port}/db`;
 * pg.blackhole(); ... pg.heal(); await pg.close();
 */
import net from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  port: number;
  /** Forward nothing, keep connections open (a partition). */
  blackhole(): void;
  /** Drop every connection and refuse new ones (the server looks down). */
  refuse(): void;
  /** Forward again; new connections go through. */
  heal(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port, to `targetPort` on 127.0.0.1. */
export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'open' | 'blackhole' | 'refuse' = 'open';
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; held: Array<{ to: net.Socket; chunk: Buffer }> }>();
  const server = net.createServer((client) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream, held: [] as Array<{ to: net.Socket; chunk: Buffer }> };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        // In a partition TCP keeps the bytes and retransmits them once the link is back: they
        // arrive late, in order, unless the connection was given up meanwhile.
        if (mode === 'open') to.write(chunk);
        else pair.held.push({ to, chunk });
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    blackhole: () => {
      mode = 'blackhole';
    },
    refuse: () => {
      mode = 'refuse';
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    heal: () => {
      mode = 'open';
      for (const pair of pairs) for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
