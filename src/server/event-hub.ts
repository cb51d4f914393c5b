/**
 * The event hub: numbers every runtime event (`seq` 1, 2, 3, ... per run), serialises it once,
 * keeps it in the replay buffer, and hands the stream coalesced batches — every event of a few
 * ms in one batch, or sooner once a batch is full. It lives as long as the runtime, not the
 * server actor, so seqs and the replay buffer survive a server restart.
 *
 * @example
 * const hub = new EventHub(system.pubsub, { coalesceMs: 5 });
 * hub.attach((batch, lost) => console.log(batch.length, lost));
 * hub.close();
 */
import type { ThunderlineEvent } from '../events.ts';
import { ALL_TOPICS, type PubSub } from '../pubsub/index.ts';
import { type BufferedEvent, ReplayBuffer } from './replay-buffer.ts';

/** Events that left the replay buffer before they could be sent to anyone. */
export interface LostRange {
  fromSeq: number;
  toSeq: number;
}

/** Receives each coalesced batch, in seq order. */
export type BatchSink = (batch: BufferedEvent[], lost: LostRange | undefined) => void;

/** Options of {@link EventHub}. */
export interface EventHubOptions {
  /** Events kept for `?since=` resumes; default 10000. */
  replayBufferSize?: number;
  /** How long events are gathered into one frame, ms; default 5. */
  coalesceMs?: number;
  /** A batch this large is sent at once, without waiting; default 1000. */
  maxBatchEvents?: number;
}

/** Sequences, buffers and coalesces the runtime's events. */
export class EventHub {
  readonly buffer: ReplayBuffer;
  /** The seq of the latest event (0 before the first). */
  lastSeq = 0;
  /** The latest tick and how late it fired. */
  tick = 0;
  lateMs = 0;
  /** Events seen, by type (for `/metrics`). */
  readonly countsByType = new Map<string, number>();
  private readonly coalesceMs: number;
  private readonly maxBatchEvents: number;
  private readonly unsubscribe: () => void;
  private sink: BatchSink | undefined;
  /** The first seq not yet handed to the sink. */
  private nextToFlush = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(pubsub: PubSub<ThunderlineEvent>, options: EventHubOptions = {}) {
    this.buffer = new ReplayBuffer(options.replayBufferSize ?? 10_000);
    this.coalesceMs = options.coalesceMs ?? 5;
    this.maxBatchEvents = options.maxBatchEvents ?? 1000;
    this.unsubscribe = pubsub.subscribe(ALL_TOPICS, (event) => this.publish(event));
  }

  /** Adds one event; runs in the publisher's turn, so it only does O(1) work and a stringify. */
  publish(event: ThunderlineEvent): void {
    const seq = this.lastSeq + 1;
    this.lastSeq = seq;
    if (event.type === 'tick') {
      this.tick = event.tick;
      this.lateMs = event.lateMs;
    }
    this.countsByType.set(event.type, (this.countsByType.get(event.type) ?? 0) + 1);
    this.buffer.push({ seq, type: event.type, json: serialise(seq, event) });
    if (!this.sink) {
      this.nextToFlush = seq + 1;
      return;
    }
    if (seq - this.nextToFlush + 1 >= this.maxBatchEvents) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.coalesceMs);
      this.timer.unref();
    }
  }

  /** Starts handing batches to `sink` (the server's stream), from the next event on. */
  attach(sink: BatchSink): void {
    this.sink = sink;
    this.nextToFlush = this.lastSeq + 1;
  }

  /** Stops handing batches out (the server stopped); events are still numbered and buffered. */
  detach(sink: BatchSink): void {
    if (this.sink !== sink) return;
    this.sink = undefined;
    this.clearTimer();
  }

  /** Hands the pending batch to the sink now. */
  flush(): void {
    this.clearTimer();
    const sink = this.sink;
    if (!sink || this.nextToFlush > this.lastSeq) return;
    const from = this.nextToFlush;
    this.nextToFlush = this.lastSeq + 1;
    const { entries, missed } = this.buffer.since(from - 1);
    sink(entries, missed > 0 ? { fromSeq: from, toSeq: from + missed - 1 } : undefined);
  }

  /** Unsubscribes from the pubsub. */
  close(): void {
    this.clearTimer();
    this.sink = undefined;
    this.unsubscribe();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** `{"seq":N,...event}` without copying the event; an unserialisable custom event is replaced. */
function serialise(seq: number, event: ThunderlineEvent): string {
  let body: string;
  try {
    body = JSON.stringify(event);
  } catch (error) {
    body = JSON.stringify({
      type: event.type,
      time: event.time,
      error: `unserialisable event: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  return body.length > 2 ? `{"seq":${seq},${body.slice(1)}` : `{"seq":${seq}}`;
}
