/**
 * The HTTP + WebSocket server (`docs/protocol.md`): dashboard, `/health`, `/metrics`, the JSON API and
 * the `/events` stream, run as the `web_server` child of the application tree.
 *
 * @example
 * const runtime = await startRuntime({ domains, server: { port: 0 } });
 * runtime.serverUrl; // 'http://127.0.0.1:54321/'
 * // ws://127.0.0.1:54321/events → hello, then arrays of events with seq
 * await runtime.stop();
 */
export { AccessPolicy, type Refusal } from './access.ts';
export {
  type BatchSink,
  EventHub,
  type EventHubOptions,
  type LostRange,
} from './event-hub.ts';
export { EventServer, type EventServerDeps } from './event-server.ts';
export { type ClientStats, EventStream } from './event-stream.ts';
export {
  CLOSE_CODES,
  type ClientFrame,
  type DroppedFrame,
  type ErrorFrame,
  type GapFrame,
  type HelloFrame,
  type SequencedEvent,
  type ServerFrame,
  type SubscribedFrame,
  type SubscribeFrame,
} from './frames.ts';
export {
  type HealthBody,
  type HealthStatus,
  healthOf,
  MAX_HISTORY_LIMIT,
} from './http-routes.ts';
export { type BufferedEvent, ReplayBuffer } from './replay-buffer.ts';
export {
  type ServerChild,
  type ServerChildInput,
  serverChild,
  WEB_SERVER_ID,
  type WebServerMsg,
} from './server-actor.ts';
export {
  type EventServerOptions,
  isLoopbackHost,
  resolveServerConfig,
  SERVER_DEFAULTS,
  type ServerConfig,
} from './server-config.ts';
export { TypeFilter } from './type-filter.ts';
