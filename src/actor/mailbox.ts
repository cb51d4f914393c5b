/**
 * An actor's mailbox, the base of every actor cell: a slot for the oldest message, then an array
 * with a head index for the later ones. Most cells hold one message at a time (a tick, a call),
 * so the common case never touches the array: no allocation, no truncation, no `shift()`.
 *
 * @example
 * class Cell extends Mailbox { run() { const m = this.takeMessage(); if (m !== EMPTY) handle(m); } }
 */

/** What {@link Mailbox.takeMessage} returns when there is nothing (a message may be `undefined`). */
export const EMPTY: unique symbol = Symbol('empty');

/** FIFO of messages; subclassed by the actor cell so it costs no object of its own. */
export class Mailbox {
  /** The oldest waiting message, or {@link EMPTY}; the array holds only later ones. */
  private first: unknown = EMPTY;
  private rest: unknown[] = [];
  private head = 0;

  /** Appends `message`. */
  protected putMessage(message: unknown): void {
    if (this.first === EMPTY && this.head >= this.rest.length) this.first = message;
    else this.rest.push(message);
  }

  /** Removes and returns the oldest message, or {@link EMPTY}. */
  protected takeMessage(): unknown {
    const first = this.first;
    if (first !== EMPTY) {
      this.first = EMPTY;
      return first;
    }
    if (this.head >= this.rest.length) return EMPTY;
    return this.takeFromRest();
  }

  /** True while a message waits. */
  protected hasMessages(): boolean {
    return this.first !== EMPTY || this.head < this.rest.length;
  }

  /** Messages waiting. */
  protected queuedMessages(): number {
    return (this.first === EMPTY ? 0 : 1) + this.rest.length - this.head;
  }

  /** Removes the oldest waiting message that `matches` (a flushed `DOWN`); true if one was found. */
  protected removeMessage(matches: (message: unknown) => boolean): boolean {
    if (this.first !== EMPTY && matches(this.first)) {
      // The slot must hold the oldest message: the array's head moves up into it.
      this.first = this.head < this.rest.length ? this.takeFromRest() : EMPTY;
      return true;
    }
    for (let index = this.head; index < this.rest.length; index += 1) {
      if (!matches(this.rest[index])) continue;
      this.rest.splice(index, 1);
      return true;
    }
    return false;
  }

  private takeFromRest(): unknown {
    const message = this.rest[this.head];
    this.rest[this.head] = undefined;
    this.head += 1;
    if (this.head === this.rest.length) {
      this.rest.length = 0;
      this.head = 0;
    }
    return message;
  }

  /** Drops every waiting message. */
  protected clearMessages(): void {
    this.first = EMPTY;
    // Emptied in place: an exit (most cells hold nothing then) allocates no new array.
    if (this.rest.length > 0) this.rest.length = 0;
    this.head = 0;
  }
}
