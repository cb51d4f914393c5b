/**
 * Telemetry on `node:diagnostics_channel`, one channel per event name (`thunderline:<name>`),
 * the Node analogue of Erlang's `:telemetry`. Publishing costs a few ns when nobody listens.
 *
 * @example
 * import diagnostics from 'node:diagnostics_channel';
 * diagnostics.subscribe('thunderline:tick', (message) => console.log(message));
 */
import diagnostics from 'node:diagnostics_channel';

const channels = new Map<string, diagnostics.Channel>();

/** The diagnostics channel for a telemetry event name, e.g. `tick` → `thunderline:tick`. */
export function telemetryChannel(name: string): diagnostics.Channel {
  let channel = channels.get(name);
  if (!channel) {
    channel = diagnostics.channel(`thunderline:${name}`);
    channels.set(name, channel);
  }
  return channel;
}

/** Publishes `payload` on `thunderline:<name>` if anyone subscribes; a no-op otherwise. */
export function emitTelemetry(name: string, payload: Record<string, unknown>): void {
  const channel = telemetryChannel(name);
  if (channel.hasSubscribers) channel.publish(payload);
}
