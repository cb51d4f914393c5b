/**
 * The `/events` WebSocket stream: the `hello` snapshot, resume with `?since=`, coalesced event
 * frames with per-client `subscribe` filters, bad-frame handling, slow-consumer bounds and
 * ping/pong. Nothing a client sends can change the runtime: the only accepted frame is
 * `subscribe`.
 *
 * @example
 * const stream = new EventStream(hub, config, { clock, snapshot });
 * hub.attach(stream.sink);
 * server.on('upgrade', (req, socket, head) => stream.upgrade(req, socket, head, { since: 0, types: null }));
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Clock, TimerHandle } from '../clock.ts';
import type { BatchSink, EventHub, LostRange } from './event-hub.ts';
import { CLOSE_CODES, type ErrorFrame, type HelloFrame, type ServerFrame } from './frames.ts';
import type { BufferedEvent } from './replay-buffer.ts';
import type { ServerConfig } from './server-config.ts';
import { TypeFilter } from './type-filter.ts';

/** What the stream needs from its server. */
export interface EventStreamDeps {
  clock: Clock;
  /** The `hello` frame for a new connection. */
  snapshot(): HelloFrame;
  /** Called with the number of events dropped for a slow client. */
  onDropped?(count: number): void;
}

/** What the client asked for in the upgrade URL. */
export interface StreamRequest {
  /** `?since=`: the last seq the client has; undefined for a fresh start. */
  since: number | undefined;
  /** `?types=a,b`: the initial filter; null for every event. */
  types: string[] | null;
}

interface StreamClient {
  readonly ws: WebSocket;
  filter: TypeFilter;
  /** The last seq sent or dropped for this client. */
  lastSeq: number;
  dropped: number;
  droppedFrom: number;
  droppedTo: number;
  badFrames: number;
  alive: boolean;
  stalledSinceMs: number | undefined;
}

/** One client's counters, for tests and `/metrics`. */
export interface ClientStats {
  bufferedAmount: number;
  lastSeq: number;
  pendingDropped: number;
}

/** The live WebSocket clients of one server. */
export class EventStream {
  readonly sink: BatchSink = (batch, lost) => this.broadcast(batch, lost);
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<StreamClient>();
  private heartbeat: TimerHandle | undefined;
  /** Events dropped for slow clients since start. */
  droppedTotal = 0;

  constructor(
    private readonly hub: EventHub,
    private readonly config: ServerConfig,
    private readonly deps: EventStreamDeps,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.scheduleHeartbeat();
  }

  /** Connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** Per-client counters. */
  stats(): ClientStats[] {
    return [...this.clients].map((client) => ({
      bufferedAmount: client.ws.bufferedAmount,
      lastSeq: client.lastSeq,
      pendingDropped: client.dropped,
    }));
  }

  /** Completes a WebSocket upgrade the server has already authorised. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, request: StreamRequest): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, request));
  }

  /** Closes every client with 1001 and stops the heartbeat. */
  close(reason = 'server stopping'): void {
    this.deps.clock.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    for (const client of this.clients) client.ws.close(CLOSE_CODES.goingAway, reason);
  }

  /** Drops every connection at once (the server actor was killed). */
  terminate(): void {
    this.deps.clock.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    for (const client of this.clients) client.ws.terminate();
    this.clients.clear();
  }

  private accept(ws: WebSocket, request: StreamRequest): void {
    const client: StreamClient = {
      ws,
      filter: new TypeFilter(request.types),
      lastSeq: 0,
      dropped: 0,
      droppedFrom: 0,
      droppedTo: 0,
      badFrames: 0,
      alive: true,
      stalledSinceMs: undefined,
    };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client)); // 1009 and friends: ws closes the socket itself
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.receive(client, data, isBinary));
    const hello = this.deps.snapshot();
    this.sendControl(client, hello);
    client.lastSeq = hello.seq;
    if (request.since !== undefined) this.replay(client, request.since, hello.seq);
  }

  /** Sends what the client missed since `since`, or a `gap` frame saying what is gone. */
  private replay(client: StreamClient, since: number, upTo: number): void {
    if (since > upTo) {
      this.sendControl(client, {
        type: 'gap',
        since,
        oldestSeq: this.hub.buffer.oldestSeq ?? upTo + 1,
        missed: null,
        reason: 'unknown_seq',
      });
      return;
    }
    const { entries, missed } = this.hub.buffer.since(since);
    if (missed > 0)
      this.sendControl(client, {
        type: 'gap',
        since,
        oldestSeq: since + missed + 1,
        missed,
        reason: 'evicted',
      });
    const wanted = entries.filter((entry) => entry.seq <= upTo && client.filter.matches(entry.type));
    for (let start = 0; start < wanted.length; start += this.config.maxBatchEvents) {
      client.ws.send(frameOf(wanted.slice(start, start + this.config.maxBatchEvents)));
    }
  }

  private broadcast(batch: BufferedEvent[], lost: LostRange | undefined): void {
    if (this.clients.size === 0 || (batch.length === 0 && !lost)) return;
    // One JSON text per distinct filter: a hundred unfiltered viewers share one string.
    const frames = new Map<string, { events: BufferedEvent[]; text: string | undefined }>();
    for (const client of this.clients) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      if (lost && client.lastSeq < lost.toSeq) {
        this.recordDropped(client, lost.fromSeq, lost.toSeq, lost.toSeq - Math.max(lost.fromSeq, client.lastSeq + 1) + 1);
        client.lastSeq = lost.toSeq;
      }
      const key = client.filter.key;
      let shared = frames.get(key);
      if (!shared) {
        shared = {
          events: client.filter.all ? batch : batch.filter((entry) => client.filter.matches(entry.type)),
          text: undefined,
        };
        frames.set(key, shared);
      }
      const last = batch[batch.length - 1];
      if (!last || last.seq <= client.lastSeq) continue;
      let events = shared.events;
      let text: string | undefined;
      if (events.length > 0 && (events[0]?.seq ?? 0) <= client.lastSeq) {
        events = events.filter((entry) => entry.seq > client.lastSeq); // joined mid-batch
        text = events.length > 0 ? frameOf(events) : undefined;
      } else if (events.length > 0) {
        shared.text ??= frameOf(events);
        text = shared.text;
      }
      this.deliver(client, events, text, last.seq);
    }
  }

  /** Sends one batch to one client, or counts it as dropped when the client is behind. */
  private deliver(client: StreamClient, events: BufferedEvent[], text: string | undefined, lastSeq: number): void {
    const first = events[0];
    if (client.ws.bufferedAmount > this.config.highWaterBytes) {
      if (first) this.recordDropped(client, first.seq, events[events.length - 1]?.seq ?? first.seq, events.length);
      client.lastSeq = lastSeq;
      const now = this.deps.clock.now();
      client.stalledSinceMs ??= now;
      if (now - client.stalledSinceMs >= this.config.stallTimeoutMs)
        client.ws.close(CLOSE_CODES.tryAgainLater, 'too slow: stayed behind too long');
      return;
    }
    client.stalledSinceMs = undefined;
    if (client.dropped > 0) {
      this.sendControl(client, {
        type: 'dropped',
        count: client.dropped,
        fromSeq: client.droppedFrom,
        toSeq: client.droppedTo,
      });
      client.dropped = 0;
    }
    if (text !== undefined) client.ws.send(text);
    client.lastSeq = lastSeq;
  }

  private recordDropped(client: StreamClient, fromSeq: number, toSeq: number, count: number): void {
    if (count <= 0) return;
    if (client.dropped === 0) client.droppedFrom = fromSeq;
    client.dropped += count;
    client.droppedTo = toSeq;
    this.droppedTotal += count;
    this.deps.onDropped?.(count);
  }

  private receive(client: StreamClient, data: RawData, isBinary: boolean): void {
    const outcome = parseClientFrame(data, isBinary);
    if ('error' in outcome) {
      this.refuse(client, outcome.error);
      return;
    }
    client.filter = new TypeFilter(outcome.types);
    this.sendControl(client, { type: 'subscribed', types: client.filter.types });
  }

  private refuse(client: StreamClient, frame: ErrorFrame): void {
    client.badFrames += 1;
    this.sendControl(client, frame);
    if (client.badFrames >= this.config.maxBadFrames) client.ws.close(CLOSE_CODES.policyViolation, 'too many bad frames');
  }

  private sendControl(client: StreamClient, frame: ServerFrame): void {
    if (client.ws.readyState === WebSocket.OPEN) client.ws.send(JSON.stringify(frame));
  }

  private scheduleHeartbeat(): void {
    this.heartbeat = this.deps.clock.setTimeout(() => {
      for (const client of this.clients) {
        if (!client.alive) {
          client.ws.terminate();
          this.clients.delete(client);
          continue;
        }
        client.alive = false;
        client.ws.ping();
      }
      this.scheduleHeartbeat();
    }, this.config.heartbeatMs);
  }
}

/** A client frame checked: the subscription it asks for, or the error frame to answer with. */
function parseClientFrame(data: RawData, isBinary: boolean): { types: string[] } | { error: ErrorFrame } {
  const bad = (code: ErrorFrame['code'], message: string) => ({ error: { type: 'error' as const, code, message } });
  if (isBinary) return bad('bad_frame', 'binary frames are not accepted; send JSON text');
  let frame: unknown;
  try {
    frame = JSON.parse(rawText(data));
  } catch {
    return bad('bad_frame', 'frame is not valid JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof (frame as { type?: unknown }).type !== 'string') {
    return bad('bad_frame', 'frame must be a JSON object with a string "type"');
  }
  const { type, types } = frame as { type: string; types?: unknown };
  if (type !== 'subscribe') {
    return bad('unknown_frame_type', `unknown frame type ${JSON.stringify(type).slice(0, 80)}; the only client frame is "subscribe"`);
  }
  const problem = TypeFilter.validate(types);
  return problem ? bad('bad_subscription', problem) : { types: types as string[] };
}

function frameOf(events: readonly BufferedEvent[]): string {
  let text = '[';
  for (let index = 0; index < events.length; index += 1) {
    if (index > 0) text += ',';
    text += (events[index] as BufferedEvent).json;
  }
  return `${text}]`;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
