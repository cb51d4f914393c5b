/**
 * The web-server actor and its child spec: the server runs as a child of the application tree
 * (started last, stopped first), so it stops in the shutdown order and a failing socket is a
 * crash its supervisor handles. The event hub belongs to the spec, not the actor, so seqs and
 * the replay buffer survive a restart of the server.
 *
 * @example
 * const web = serverChild({ config, system, registry, store, runId, version, tickInterval, tree });
 * const parts = await startApplicationTree({ ..., web: [web.spec] });
 * web.url(); // 'http://127.0.0.1:4100/'
 */
import { randomBytes } from 'node:crypto';
import { spawnActor } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { Behaviour } from '../actor/behaviour.ts';
import type { ThunderlineEvent } from '../events.ts';
import type { PubSub } from '../pubsub/index.ts';
import type { ChildSpec } from '../supervisor/spec.ts';
import { EventHub } from './event-hub.ts';
import { EventServer, type EventServerDeps } from './event-server.ts';
import type { ServerConfig } from './server-config.ts';

/** Messages of the web-server actor. */
export type WebServerMsg = { type: 'address' } | { type: 'server_failed'; error: Error };

/** What {@link serverChild} needs. */
export interface ServerChildInput extends Omit<EventServerDeps, 'hub' | 'clock' | 'operatorToken'> {
  config: ServerConfig;
  /** The system whose pubsub the hub follows and whose clock the server reads. */
  system: ActorSystem;
  /** The events the stream serves; default the system's pubsub (cluster mode: every node's events). */
  events?: PubSub<ThunderlineEvent>;
}

/** The web server's child spec, its hub, and the running server (if any). */
export interface ServerChild {
  spec: ChildSpec;
  hub: EventHub;
  /** The running server, undefined while stopped or restarting. */
  server(): EventServer | undefined;
  /** `http://host:port/` of the running server. */
  url(): string | undefined;
  /**
   * The token the operator's actions need: the server's token, or one made for this runtime
   * (random, 128 bits) when none is set, so that only whoever started it can kill its actors.
   */
  operatorToken: string;
  /** Stops what outlives server restarts (the load sampler); the runtime calls it at its end. */
  close(): void;
}

/** The child id of the web server in the application tree. */
export const WEB_SERVER_ID = 'web_server';

/** Builds the web server's child spec. The hub subscribes to every event at once. */
export function serverChild(input: ServerChildInput): ServerChild {
  const { config } = input;
  const hub = new EventHub(input.events ?? input.system.pubsub, {
    replayBufferSize: config.replayBufferSize,
    coalesceMs: config.coalesceMs,
    maxBatchEvents: config.maxBatchEvents,
  });
  const operatorToken = config.token ?? randomBytes(16).toString('hex');
  let current: EventServer | undefined;
  // A restarted server binds the port the first one got (port 0 picks once), so clients and
  // the dashboard reconnect to the same URL.
  let boundPort: number | undefined;
  const behaviour: Behaviour<EventServer, WebServerMsg, undefined> = {
    name: WEB_SERVER_ID,
    async init(_args, ctx) {
      const server = await EventServer.start(boundPort === undefined ? config : { ...config, port: boundPort }, {
        hub,
        clock: ctx.system.clock,
        registry: input.registry,
        store: input.store,
        runId: input.runId,
        version: input.version,
        tickInterval: input.tickInterval,
        tree: input.tree,
        observer: input.observer,
        load: input.load,
        panels: input.panels,
        operatorToken,
        cluster: input.cluster,
        clusterSnapshot: input.clusterSnapshot,
      });
      current = server;
      boundPort = Number(new URL(server.url).port);
      server.onError((error) => ctx.self.cast({ type: 'server_failed', error }));
      // A kill skips terminate: the socket must still be released.
      ctx.self.onExit(() => {
        if (current === server) current = undefined;
        server.closeNow();
      });
      return server;
    },
    handle(server, message, ctx) {
      switch (message.type) {
        case 'address':
          ctx.reply(server.url);
          return server;
        case 'server_failed':
          throw message.error;
        default: {
          const unreachable: never = message;
          throw new Error(`web server: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
    async terminate(server) {
      await server.close();
    },
  };
  return {
    hub,
    operatorToken,
    close: () => input.load?.close(),
    server: () => current,
    url: () => current?.url,
    spec: {
      id: WEB_SERVER_ID,
      type: 'worker',
      restart: 'permanent',
      shutdown: 5000,
      start: ({ system }) =>
        spawnActor(system, behaviour, undefined, {
          name: WEB_SERVER_ID,
        }) as never,
    },
  };
}
