/**
 * Stopping one child the OTP way (erlang `shutdown/1`): ask it to stop, wait up to its
 * `shutdown` time, then kill it; `brutal_kill` kills at once, `infinity` waits as long as it takes.
 *
 * @example
 * const signal = await shutdownChild(ref, 5000, system.clock); // signal.reason: 'shutdown' or 'killed'
 */
import type { ExitSignal } from '../actor/behaviour.ts';
import type { Clock } from '../clock.ts';
import type { AnyActorRef, ShutdownValue } from './spec.ts';

/** Stops `ref` within its `shutdown` budget and resolves with its exit signal. */
export function shutdownChild(ref: AnyActorRef, shutdown: ShutdownValue, clock: Clock, reason: unknown = 'shutdown'): Promise<ExitSignal> {
  if (shutdown === 'brutal_kill') {
    ref.kill('killed');
    return ref.whenExited();
  }
  const exited = ref.stop(reason);
  if (shutdown === 'infinity') return exited;
  // The timer reads the runtime clock, so tests advance it instead of sleeping.
  const timer = clock.setTimeout(() => ref.kill('killed'), shutdown);
  return exited.then((signal) => {
    clock.clearTimeout(timer);
    return signal;
  });
}
