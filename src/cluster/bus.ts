/**
 * The cluster's message plane on NATS JetStream (`docs/cluster.md`, "What NATS carries"): one
 * stream of ticks (a message id per tick number, so JetStream drops a deposed leader's repeat)
 * and one stream of every node's events, in one order; plus core NATS for "membership changed"
 * nudges and node commands (`runtime.kill` of a domain on another node). Streams and subjects are
 * named after the cluster's id, so two clusters (or two test runs) on one server never meet.
 *
 * No NATS type leaves this module.
 *
 * @example
 * const bus = await ClusterBus.connect('nats://127.0.0.1:4222', { nodeId: 'node-a', clusterId });
 * await bus.publishTick({ tick: 1, dueAt, lateMs: 0 });
 * const stop = await bus.onTicks((tick) => console.log(tick.tick));
 * await bus.close();
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ThunderlineError } from '../errors.ts';

/** A tick as published by the leader. */
export interface ClusterTick {
  tick: number;
  /** ms since the Unix epoch of its deadline (origin + n × interval) */
  dueAt: number;
  /** how late the leader published it, ms */
  lateMs: number;
  /** the leader's node id and tick-lease epoch */
  node: string;
  epoch: number;
}

/** A command sent to one node. */
export type NodeCommand = { type: 'kill'; domain: string; reason: string };

/** Options of {@link ClusterBus.connect}. */
export interface ClusterBusOptions {
  nodeId: string;
  clusterId: string;
  /** Connect timeout, ms; default 3000. */
  timeoutMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The NATS side of a node. */
export class ClusterBus {
  private readonly js: JetStreamClient;
  private readonly subjects: { tick: string; events: string; changed: string; command: (node: string) => string };
  private readonly streams: { ticks: string; events: string };
  private readonly stops: Array<() => void> = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly options: ClusterBusOptions,
  ) {
    this.js = jetstream(nc);
    const id = options.clusterId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
    this.subjects = {
      tick: `tl.${id}.tick`,
      events: `tl.${id}.ev`,
      changed: `tl.${id}.changed`,
      command: (node) => `tl.${id}.node.${node.replace(/[^A-Za-z0-9_-]/g, '_')}.cmd`,
    };
    this.streams = { ticks: `TL_TICKS_${id}`, events: `TL_EVENTS_${id}` };
  }

  /** Connects and makes sure the cluster's streams exist. Rejects with `ERR_CLUSTER_UNREACHABLE` naming the URL. */
  static async connect(url: string, options: ClusterBusOptions): Promise<ClusterBus> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({
        servers: url,
        name: `thunderline:${options.nodeId}`,
        timeout: options.timeoutMs ?? 3000,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
      const jsm = await jetstreamManager(nc);
      const bus = new ClusterBus(nc, jsm, options);
      await bus.ensureStreams();
      return bus;
    } catch (error) {
      await nc?.close().catch(() => {});
      throw new ThunderlineError(
        'ERR_CLUSTER_UNREACHABLE',
        `cannot use NATS JetStream at ${url}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  private async ensureStreams(): Promise<void> {
    const wanted = [
      // Ticks: a short history; a repeated message id within two minutes is dropped.
      { name: this.streams.ticks, subjects: [this.subjects.tick], max_msgs: 1000, duplicate_window: 120_000_000_000 },
      // Events: an hour or a million messages, whichever is first (the ledger is the durable record).
      { name: this.streams.events, subjects: [`${this.subjects.events}.>`], max_age: 3_600_000_000_000, max_msgs: 1_000_000 },
    ];
    for (const config of wanted) {
      try {
        await this.jsm.streams.info(config.name);
      } catch {
        await this.jsm.streams.add(config).catch(async (error: unknown) => {
          // Another node created it meanwhile: fine when it is there now.
          await this.jsm.streams.info(config.name).catch(() => {
            throw error;
          });
        });
      }
    }
  }

  /** The stream names, for tests that clean up after themselves. */
  streamNames(): string[] {
    return [this.streams.ticks, this.streams.events];
  }

  /** Publishes a tick with message id `tick-<n>`; answers false when JetStream dropped it as a repeat. */
  async publishTick(tick: ClusterTick): Promise<boolean> {
    const ack = await this.js.publish(this.subjects.tick, encoder.encode(JSON.stringify(tick)), { msgID: `tick-${tick.tick}` });
    return !ack.duplicate;
  }

  /** Delivers every tick published from now on, in order (an ordered consumer resumes after reconnects). */
  async onTicks(handler: (tick: ClusterTick) => void): Promise<() => void> {
    return this.follow(this.streams.ticks, { deliver_policy: DeliverPolicy.New }, (data) =>
      handler(JSON.parse(decoder.decode(data)) as ClusterTick),
    );
  }

  /** Publishes a batch of this node's events; resolves once JetStream has stored it. */
  async publishEvents(events: readonly unknown[]): Promise<void> {
    if (events.length === 0) return;
    await this.js.publish(
      `${this.subjects.events}.${this.options.nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}`,
      encoder.encode(JSON.stringify(events)),
    );
  }

  /**
   * Delivers every node's event batches in the stream's one order, from stream sequence
   * `fromSeq` (1 = the oldest kept), with each batch's sequence.
   */
  async onEvents(fromSeq: number, handler: (seq: number, events: unknown[]) => void): Promise<() => void> {
    const start =
      fromSeq <= 1 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq };
    return this.follow(this.streams.events, start, (data, seq) => handler(seq, JSON.parse(decoder.decode(data)) as unknown[]));
  }

  /**
   * Reads `stream` with an ordered consumer for as long as the bus is open. Should the consumer
   * end (a long outage can end an ordered consumer's iterator), a new one starts right after the
   * last message handled, so nothing is skipped and nothing handled twice. The first consumer is
   * made before this resolves; a failure to make it rejects.
   */
  private async follow(
    stream: string,
    options: Record<string, unknown>,
    handler: (data: Uint8Array, seq: number) => void,
  ): Promise<() => void> {
    let stopped = false;
    let lastSeq = 0;
    let current: { close(): Promise<unknown> } | undefined;
    const open = async () => {
      const from = lastSeq === 0 ? options : { ...options, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 };
      const messages = await (await this.js.consumers.get(stream, from)).consume();
      current = messages;
      return messages;
    };
    const read = async (messages: Awaited<ReturnType<typeof open>>): Promise<void> => {
      for await (const message of messages) {
        if (message.seq <= lastSeq) continue;
        lastSeq = message.seq;
        try {
          handler(message.data, message.seq);
        } catch {
          // A handler's failure is its own to report; the stream goes on.
        }
      }
    };
    const first = await open();
    void (async () => {
      let messages: Awaited<ReturnType<typeof open>> | undefined = first;
      while (!stopped) {
        try {
          messages ??= await open();
          await read(messages);
        } catch {
          // The server is away: try again shortly.
        }
        messages = undefined;
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 250).unref());
      }
    })();
    const stop = (): void => {
      stopped = true;
      void current?.close();
    };
    this.stops.push(stop);
    return stop;
  }

  /** Tells every node the membership or the shard map changed. */
  announceChange(): void {
    this.nc.publish(this.subjects.changed, encoder.encode(this.options.nodeId));
  }

  /** Calls `handler` when another node announces a change. */
  onChange(handler: (from: string) => void): void {
    const sub = this.nc.subscribe(this.subjects.changed, {
      callback: (_error, message) => {
        const from = decoder.decode(message.data);
        if (from !== this.options.nodeId) handler(from);
      },
    });
    this.stops.push(() => sub.unsubscribe());
  }

  /** Serves this node's commands; the handler's answer (or error text) goes back to the caller. */
  serveCommands(handler: (command: NodeCommand) => Promise<string>): void {
    const sub = this.nc.subscribe(this.subjects.command(this.options.nodeId), {
      callback: (_error, message) => {
        void handler(JSON.parse(decoder.decode(message.data)) as NodeCommand).then(
          (answer) => message.respond(encoder.encode(JSON.stringify({ ok: true, answer }))),
          (error: unknown) =>
            message.respond(encoder.encode(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }))),
        );
      },
    });
    this.stops.push(() => sub.unsubscribe());
  }

  /** Sends a command to `node` and waits for its answer (rejects with its error). */
  async command(node: string, command: NodeCommand, timeoutMs = 3000): Promise<string> {
    const reply = await this.nc.request(this.subjects.command(node), encoder.encode(JSON.stringify(command)), { timeout: timeoutMs });
    const answer = JSON.parse(decoder.decode(reply.data)) as { ok: boolean; answer?: string; error?: string };
    if (!answer.ok) throw new Error(answer.error);
    return answer.answer ?? '';
  }

  /** True while connected to a server. */
  connected(): boolean {
    return !this.nc.isClosed();
  }

  /** Deletes this cluster's streams (tests). */
  async deleteStreams(): Promise<void> {
    for (const name of this.streamNames()) await this.jsm.streams.delete(name).catch(() => false);
  }

  /** Stops every consumer and subscription, then drains and closes the connection. */
  async close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
