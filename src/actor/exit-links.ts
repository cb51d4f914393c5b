/**
 * Monitors and links (Erlang's `monitor/2`, `link/1`): the part of an actor cell that other
 * actors' exits reach. A monitor puts one `DOWN` message in the watcher's mailbox when the target
 * exits; a link carries an exit signal both ways: an abnormal exit kills the peer with the same
 * reason, unless the peer traps exits, which then gets an `EXIT` message instead. Both happen in
 * the same synchronous step as the exit itself (the target is already dead, its pending calls
 * rejected), so no `DOWN` comes early and none is lost.
 *
 * @example
 * const m = monitor(watcher, target);
 * target.kill('boom'); // watcher's mailbox now holds { type: 'DOWN', monitor: m, target, reason: 'boom' }
 * link(a, b); a.kill('boom'); // b exits with 'boom' too, or gets { type: 'EXIT', from: a, reason: 'boom' } if it traps exits
 */
import { describeValue, formatReason, ThunderlineError } from '../errors.ts';
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem } from './actor-system.ts';
import type { Message } from './behaviour.ts';
import { ExitListeners } from './exit-listeners.ts';

/** The message a monitor delivers to its watcher when the target exits. */
export interface DownMessage extends Message {
  readonly type: 'DOWN';
  readonly monitor: MonitorRef;
  /** The monitored actor, as it was passed to {@link monitor}. */
  readonly target: ActorRef<never>;
  /** The target's exit reason; `'noproc'` when it was already dead when monitored. */
  readonly reason: unknown;
}

/** The message an actor that traps exits gets when a linked actor exits. */
export interface ExitMessage extends Message {
  readonly type: 'EXIT';
  readonly from: ActorRef<never>;
  readonly reason: unknown;
}

/** A monitor, as {@link monitor} returns it; pass it to {@link demonitor}. */
export class MonitorRef {
  /** @internal false once its `DOWN` was sent or it was demonitored */
  active = true;
  /** @internal */
  constructor(
    readonly watcher: ActorRef<never>,
    readonly target: ActorRef<never>,
    /** @internal */ readonly watcherCell: ExitLinks,
    /** @internal */ readonly targetCell: ExitLinks,
  ) {}
}

/**
 * @internal a name registry holding names of an actor: told first when the actor exits, before
 * any `DOWN`, `EXIT` or exit listener, so no one ever finds a dead actor under a name.
 */
export interface NameBook {
  readonly name: string;
  actorExited(cell: ExitLinks): void;
  keysOf(cell: ExitLinks): readonly unknown[];
}

/** A way to reach the cell behind a ref that wraps one (a supervisor's ref, say). */
export const CELL: unique symbol = Symbol('thunderline.cell');

/** Exit signals waiting to be delivered: propagated in a loop, never by recursion (long link chains). */
const signals: Array<{ to: ExitLinks; from: ActorRef<never>; reason: unknown }> = [];
let delivering = false;

function deliverSignals(): void {
  if (delivering) return;
  delivering = true;
  try {
    for (let index = 0; index < signals.length; index += 1) {
      const signal = signals[index] as (typeof signals)[number];
      signal.to.receiveExitSignal(signal.from, signal.reason);
    }
  } finally {
    signals.length = 0;
    delivering = false;
  }
}

/** The cell's exit-facing half: exit listeners, monitors both ways, links and `trapExits`. */
export abstract class ExitLinks extends ExitListeners {
  /** Exit signals from linked actors arrive as `EXIT` messages instead of exiting this actor. */
  trapExits = false;
  /** @internal the ref users hold for this cell, when it is not the cell itself (a supervisor's) */
  facade: ActorRef<never> | undefined;
  private linked: Set<ExitLinks> | undefined;
  /** Registries holding names of this actor. */
  private nameBooks: Set<NameBook> | undefined;
  /** Monitors whose target is this actor. */
  private watchedBy: Set<MonitorRef> | undefined;
  /** Monitors this actor holds on others: dropped when it exits. */
  private watching: Set<MonitorRef> | undefined;

  /** The actor system this actor runs in. */
  abstract readonly system: ActorSystem;
  abstract get alive(): boolean;
  abstract kill(reason?: unknown): void;
  /** Puts a system message (`DOWN`, `EXIT`) in the mailbox unless this incarnation is exiting. */
  protected abstract deliverSignal(message: Message): void;
  /** Removes the first waiting message that `matches`; true if one was removed. */
  protected abstract removeQueued(matches: (message: unknown) => boolean): boolean;

  /** @internal the ref that `DOWN` and `EXIT` messages name for this actor */
  get publicRef(): ActorRef<never> {
    return this.facade ?? (this as unknown as ActorRef<never>);
  }

  /** @internal a linked actor exited with `reason` */
  receiveExitSignal(from: ActorRef<never>, reason: unknown): void {
    if (!this.alive) return;
    if (this.trapExits) this.deliverSignal({ type: 'EXIT', from, reason } as ExitMessage);
    else if (reason !== 'normal') this.kill(reason);
  }

  /** @internal a registry now holds names of this actor (see {@link NameBook}) */
  addNameBook(book: NameBook): void {
    this.nameBooks ??= new Set();
    this.nameBooks.add(book);
  }

  /** @internal */
  removeNameBook(book: NameBook): void {
    this.nameBooks?.delete(book);
  }

  /** The names this actor is registered under, as `registry:key`, for the dashboard and `tree()`. */
  registeredNames(): string[] {
    if (!this.nameBooks) return [];
    const names: string[] = [];
    for (const book of this.nameBooks) {
      for (const key of book.keysOf(this)) names.push(`${book.name}:${typeof key === 'string' ? key : formatReason(key)}`);
    }
    return names;
  }

  /**
   * @internal called by the cell at its death, before its exit listeners run: its names go first,
   * then monitors fire and links carry the exit.
   */
  protected propagateExit(reason: unknown): void {
    if (this.nameBooks) {
      const books = this.nameBooks;
      this.nameBooks = undefined;
      for (const book of books) book.actorExited(this);
    }
    if (this.watching) {
      for (const held of this.watching) {
        held.active = false;
        held.targetCell.watchedBy?.delete(held);
      }
      this.watching = undefined;
    }
    if (this.watchedBy) {
      const monitors = this.watchedBy;
      this.watchedBy = undefined;
      for (const held of monitors) {
        held.active = false;
        held.watcherCell.watching?.delete(held);
        held.watcherCell.deliverSignal({ type: 'DOWN', monitor: held, target: held.target, reason } as DownMessage);
      }
    }
    if (this.linked) {
      const from = this.publicRef;
      for (const peer of this.linked) {
        peer.linked?.delete(this);
        signals.push({ to: peer, from, reason });
      }
      this.linked = undefined;
      deliverSignals();
    }
  }

  /** @internal */
  addMonitor(watcher: ExitLinks, watcherRef: ActorRef<never>, targetRef: ActorRef<never>): MonitorRef {
    const held = new MonitorRef(watcherRef, targetRef, watcher, this);
    if (!watcher.alive) {
      held.active = false; // a dead watcher holds nothing
      return held;
    }
    if (!this.alive) {
      held.active = false;
      watcher.deliverSignal({ type: 'DOWN', monitor: held, target: targetRef, reason: 'noproc' } as DownMessage);
      return held;
    }
    this.watchedBy ??= new Set();
    this.watchedBy.add(held);
    watcher.watching ??= new Set();
    watcher.watching.add(held);
    return held;
  }

  /** @internal */
  static removeMonitor(held: MonitorRef, flush: boolean): boolean {
    const wasActive = held.active;
    if (wasActive) {
      held.active = false;
      held.targetCell.watchedBy?.delete(held);
      held.watcherCell.watching?.delete(held);
    } else if (flush) {
      held.watcherCell.removeQueued(
        (message) => typeof message === 'object' && message !== null && (message as Partial<DownMessage>).monitor === held,
      );
    }
    return wasActive;
  }

  /** @internal `a` links itself to `b` */
  static addLink(a: ExitLinks, b: ExitLinks): void {
    if (a === b || !a.alive) return; // a dead caller changes nothing: its kill was final
    if (!b.alive) {
      // Erlang: linking to a process that does not exist sends the caller an exit signal `noproc`.
      a.receiveExitSignal(b.publicRef, 'noproc');
      return;
    }
    a.linked ??= new Set();
    a.linked.add(b);
    b.linked ??= new Set();
    b.linked.add(a);
  }

  /** @internal */
  static removeLink(a: ExitLinks, b: ExitLinks): void {
    a.linked?.delete(b);
    b.linked?.delete(a);
  }

  /** @internal live links, for tests and the dashboard */
  get linkCount(): number {
    return this.linked?.size ?? 0;
  }

  /** @internal monitors held on this actor */
  get monitorCount(): number {
    return this.watchedBy?.size ?? 0;
  }
}

/** The cell behind any actor ref; throws for something that is not one. */
export function cellOf(ref: ActorRef<never>, what = 'actor ref'): ExitLinks {
  if (ref instanceof ExitLinks) return ref;
  const inner = (ref as unknown as { [CELL]?: ExitLinks } | null)?.[CELL];
  if (inner instanceof ExitLinks) return inner;
  throw new ThunderlineError(
    'ERR_INVALID_OPTION',
    `${what} must be an actor ref (from spawnActor or startSupervisor), got ${describeValue(ref)}`,
  );
}

/**
 * Monitors `target` on behalf of `watcher` (Erlang's `monitor(process, Pid)`): when `target`
 * exits, `watcher` gets one {@link DownMessage} in its mailbox, ordered with its other messages;
 * at once, with reason `'noproc'`, if `target` is already dead. The monitor goes when either
 * exits. Monitoring twice gives two monitors and two `DOWN` messages, as in Erlang.
 */
export function monitor(watcher: ActorRef<never>, target: ActorRef<never>): MonitorRef {
  const watcherCell = cellOf(watcher, 'monitor: watcher');
  return cellOf(target, 'monitor: target').addMonitor(watcherCell, watcher, target);
}

/**
 * Removes a monitor (Erlang's `demonitor/2` with `info`). Returns true if it was active: no `DOWN`
 * has been or will be delivered for it. With `flush`, a `DOWN` already in the watcher's mailbox is
 * removed too.
 */
export function demonitor(held: MonitorRef, options: { flush?: boolean } = {}): boolean {
  if (!(held instanceof MonitorRef)) {
    throw new ThunderlineError('ERR_INVALID_OPTION', `demonitor: expected a monitor from monitor(), got ${describeValue(held)}`);
  }
  return ExitLinks.removeMonitor(held, options.flush === true);
}

/**
 * Links `a` to `b` (Erlang's `link/1` called by `a`; the link works both ways): when one exits
 * with a reason other than `'normal'`, the other exits with the same reason (no `terminate`, as in
 * Erlang), unless it traps exits, which then gets an {@link ExitMessage} (for `'normal'` too).
 * Linking to a dead `b` sends `a` an exit signal `'noproc'`; a dead `a` links nothing and signals
 * nobody (so a late continuation of a killed actor cannot kill a live one). Linking twice is one link.
 */
export function link(a: ActorRef<never>, b: ActorRef<never>): void {
  ExitLinks.addLink(cellOf(a, 'link: first actor'), cellOf(b, 'link: second actor'));
}

/** Removes the link between `a` and `b`, if any. */
export function unlink(a: ActorRef<never>, b: ActorRef<never>): void {
  ExitLinks.removeLink(cellOf(a, 'unlink: first actor'), cellOf(b, 'unlink: second actor'));
}
