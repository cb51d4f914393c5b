/**
 * The cell's internal messages: `init`, `call`, `stop` and a nact `query`, each in an envelope
 * with what it needs to answer. User messages travel bare, so a cast costs no extra allocation.
 *
 * @example
 * mailbox.push(new Envelope('stop', 'shutdown'));
 */
import type { Ref } from 'nact';
import type { Clock, TimerHandle } from '../clock.ts';

/** A caller waiting for an answer: a `call`, or the start waiting for `init`. */
export interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: TimerHandle | undefined;
  messageType: string;
}

/** What an envelope carries. */
export type EnvelopeKind = 'init' | 'call' | 'stop' | 'nact_query';

/** An internal message in an actor's mailbox. */
export class Envelope {
  constructor(
    readonly kind: EnvelopeKind,
    readonly payload: unknown,
    readonly pending?: PendingCall,
    readonly sender?: Ref<unknown>,
  ) {}
}

/** The `reply` of a cast: answers nobody. */
export const noReply = (): void => {};

/** Rejects every caller still waiting on an incarnation that ended (and clears their timers). */
export function rejectPending(calls: Set<PendingCall> | undefined, clock: Clock, errorFor: (call: PendingCall) => unknown): void {
  if (!calls) return;
  const waiting = [...calls];
  calls.clear();
  for (const call of waiting) {
    clock.clearTimeout(call.timer);
    call.reject(errorFor(call));
  }
}
