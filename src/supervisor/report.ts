/**
 * Supervisor reports: one event (`child_started`, `child_restarted`, `child_exited`,
 * `supervisor_escalated`) published on the system's pubsub under `system:<type>` and emitted on
 * the telemetry channel of the same name. Every kind of supervisor reports through here, so the
 * dashboard and the history see one shape whichever kind sent it.
 *
 * @example
 * reportSupervisorEvent(system, 'child_started', 'jobs', 'worker#12', 'start', 0);
 */
import type { ActorSystem } from '../actor/actor-system.ts';
import { type SupervisorEvent, type SupervisorEventType, topicOf } from '../events.ts';
import { emitTelemetry } from '../telemetry/index.ts';

/**
 * Publishes one supervisor report: `supervisor` names the supervisor, `child` the child (its id,
 * or for a dynamic supervisor its actor id), `restarts` the restarts in the intensity window now.
 *
 * @example
 * reportSupervisorEvent(system, 'child_exited', 'app', 'db', 'shutdown', 1);
 */
export function reportSupervisorEvent(
  system: ActorSystem,
  type: SupervisorEventType,
  supervisor: string,
  child: string,
  reason: string,
  restarts: number,
): void {
  const event = { type, supervisor, child, time: system.isoNow(), reason, restarts } satisfies SupervisorEvent;
  emitTelemetry(type, event);
  system.pubsub.publish(topicOf(event), event);
}
