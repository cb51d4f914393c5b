/**
 * A domain incarnation's tick slot (its one pending tick, see docs/architecture.md,
 * "Backpressure") and the `activateTimeout` bound on `activate`.
 *
 * @example
 * const slot = new TickSlot(ctx.self, tickBus);
 * tickBus.subscribe(slot);
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { TickBus, TickDelivery, TickReceiver, TickRound } from './tick-bus.ts';

/**
 * A domain incarnation's tick slot: the one tick message it can have in its mailbox. A tick that
 * arrives while the previous one is still undelivered replaces it (the older round is left and
 * the skip counted), so a slow domain never piles rounds up.
 */
export class TickSlot implements TickReceiver {
  readonly type = 'tick';
  /** The delivery waiting in the mailbox, if any. */
  delivery: TickDelivery | undefined;
  /** The round being handled (an activation in progress), left once handled or at exit. */
  handling: TickRound | undefined;

  constructor(
    private readonly self: { cast(message: TickSlot): void },
    private readonly bus: TickBus,
  ) {}

  deliver(delivery: TickDelivery): void {
    delivery.round.join();
    const older = this.delivery;
    this.delivery = delivery;
    if (older) {
      this.bus.skipped += 1;
      older.round.leave();
      return;
    }
    this.self.cast(this);
  }

  /** Takes the waiting delivery out of the slot (the handler got the slot message). */
  take(): TickDelivery | undefined {
    const delivery = this.delivery;
    this.delivery = undefined;
    return delivery;
  }

  /** The incarnation ended: every round it holds is left, once. */
  release(): void {
    this.bus.unsubscribe(this);
    const waiting = this.take();
    waiting?.round.leave();
    const handling = this.handling;
    this.handling = undefined;
    handling?.leave();
  }
}

/**
 * Resolves as `work` does, or rejects with `timeoutError()` after `ms` on the clock. The timer is
 * kept on the incarnation's state, so its exit clears it.
 */
export function within(
  state: { system: { clock: Clock }; activateTimer: TimerHandle | undefined },
  work: Promise<void>,
  ms: number,
  timeoutError: () => Error,
): Promise<void> {
  const { clock } = state.system;
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(timeoutError()), ms);
    state.activateTimer = timer;
    const settle = (): void => {
      clock.clearTimeout(timer);
      if (state.activateTimer === timer) state.activateTimer = undefined;
    };
    work.then(
      () => {
        settle();
        resolve();
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
