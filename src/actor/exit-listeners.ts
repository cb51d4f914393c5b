/**
 * Exit listeners of an actor cell (the links and monitors supervisors are built on): each is
 * called once with the exit signal, at once if the actor has already exited. A base class of the
 * cell, so it costs no object of its own.
 *
 * @example
 * const off = ref.onExit((signal) => console.log(signal.reason));
 */
import type { ExitSignal } from './behaviour.ts';
import { Mailbox } from './mailbox.ts';

const nothing = (): void => {};

/** The mailbox plus the exit signal and who waits for it. */
export class ExitListeners extends Mailbox {
  /** Set once, when the actor exits. */
  protected exitSignal: ExitSignal | undefined;
  private listeners: Array<(signal: ExitSignal) => void> | undefined;

  /** Calls `listener` once when the actor exits (at once if it already has); returns the unlink. */
  onExit(listener: (signal: ExitSignal) => void): () => void {
    if (this.exitSignal) {
      listener(this.exitSignal);
      return nothing;
    }
    this.listeners ??= [];
    this.listeners.push(listener);
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.listeners?.splice(index, 1);
    };
  }

  /** Resolves with the exit signal once the actor has exited. */
  whenExited(): Promise<ExitSignal> {
    return new Promise((resolve) => this.onExit(resolve));
  }

  /** A listener threw: the subclass reports it (the actor cell publishes `subscriber_failed`). */
  protected listenerFailed(_error: unknown): void {}

  /** Records `signal` and calls every listener once; a listener that throws goes to {@link listenerFailed}. */
  protected notifyExit(signal: ExitSignal): void {
    this.exitSignal = signal;
    const listeners = this.listeners;
    if (listeners === undefined) return;
    this.listeners = undefined;
    for (const listener of listeners) {
      try {
        listener(signal);
      } catch (error) {
        this.listenerFailed(error);
      }
    }
  }
}
