/**
 * The WebSocket protocol's frames, both directions (`docs/protocol.md`). Server
 * frames are JSON text: a control object (`hello`, `gap`, `dropped`, `subscribed`, `error`) or
 * a JSON array of events, each with its `seq`, in `seq` order.
 *
 * @example
 * const frame = JSON.parse(data) as ServerFrame | SequencedEvent[];
 * if (Array.isArray(frame)) for (const event of frame) console.log(event.seq, event.type);
 */
import type { ClusterHealth } from '../cluster/node.ts';
import type { ThunderlineEvent } from '../events.ts';
import type { DomainStatus } from '../runtime/registry-view.ts';
import type { SupervisorTree } from '../supervisor/supervisor-ref.ts';

/** An event as the stream carries it: the runtime event plus its `seq` (1, 2, 3, ... per run). */
export type SequencedEvent = ThunderlineEvent & { seq: number };

/** The first frame on every connection: a snapshot to draw the dashboard from. */
export interface HelloFrame {
  type: 'hello';
  runId: string;
  version: string;
  /** The current tick (0 before the first). */
  tick: number;
  /** How late the latest tick fired, ms. */
  lateMs: number;
  tickInterval: number | 'manual';
  /** The seq of the latest event published before this snapshot (0 if none). */
  seq: number;
  /** The oldest seq still in the replay buffer (`seq + 1` when it is empty). */
  oldestSeq: number;
  domains: DomainStatus[];
  /** The supervision tree with each supervisor's restart budget; null while the tree starts. */
  tree: SupervisorTree | null;
  /** Cluster mode only: this node, the live members, the tick leader and the shards this node holds. */
  cluster?: ClusterHealth;
}

/** Sent after `hello` when `?since=` asked for events the replay buffer no longer holds. */
export interface GapFrame {
  type: 'gap';
  /** The `since` the client asked for. */
  since: number;
  /** The first seq the server can still send. */
  oldestSeq: number;
  /** Events lost for good: `oldestSeq - since - 1`, or null when `since` is from another run. */
  missed: number | null;
  reason: 'evicted' | 'unknown_seq';
}

/** This client fell behind (its send queue was full) and these events were not sent to it. */
export interface DroppedFrame {
  type: 'dropped';
  count: number;
  /** The first and last seq that were dropped. */
  fromSeq: number;
  toSeq: number;
}

/** Acknowledges a `subscribe`: from now on only these types are sent (`null` = all). */
export interface SubscribedFrame {
  type: 'subscribed';
  types: string[] | null;
}

/** A client frame was refused; the connection stays open until too many in a row. */
export interface ErrorFrame {
  type: 'error';
  code: 'bad_frame' | 'unknown_frame_type' | 'bad_subscription';
  message: string;
}

/** Every control frame the server sends. */
export type ServerFrame = HelloFrame | GapFrame | DroppedFrame | SubscribedFrame | ErrorFrame;

/**
 * The only frame a client may send: `types` lists event types (exact, or a prefix ending in
 * `*`, e.g. `domain_*`); an empty list or `['*']` means every event.
 */
export interface SubscribeFrame {
  type: 'subscribe';
  types: string[];
}

/** Every frame a client may send. Nothing a client sends can change the runtime. */
export type ClientFrame = SubscribeFrame;

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** Runtime stopping. */
  goingAway: 1001,
  /** Repeated bad frames. */
  policyViolation: 1008,
  /** A frame over `maxPayload` (sent by `ws` itself). */
  messageTooBig: 1009,
  /** The client stayed too slow for too long. */
  tryAgainLater: 1013,
} as const;
