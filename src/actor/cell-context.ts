/**
 * What a handler sees (`ActorContext`): one object per cell for casts, one per call, which
 * carries that call's reply.
 *
 * @example
 * const context = new CellContext(cell, (value) => settle(pending, value));
 */
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem } from './actor-system.ts';
import type { ActorContext, Message } from './behaviour.ts';

/** The cell, as its context reads it. */
export interface ContextOwner<M extends Message> extends ActorRef<M> {
  readonly system: ActorSystem;
  readonly exiting: boolean;
  abortSignal(): AbortSignal;
}

/** An `ActorContext` over a cell. */
export class CellContext<M extends Message> implements ActorContext<M> {
  constructor(
    private readonly cell: ContextOwner<M>,
    readonly reply: (value: unknown) => void,
  ) {}
  get self(): ActorRef<M> {
    return this.cell;
  }
  get system(): ActorSystem {
    return this.cell.system;
  }
  get signal(): AbortSignal {
    return this.cell.abortSignal();
  }
  get exiting(): boolean {
    return this.cell.exiting;
  }
}
