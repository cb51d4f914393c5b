/**
 * The automaton actor: a Life grid on a torus that advances one generation per tick it sees
 * (`system:domain_tick`), and every `trialEvery` generations asks cerebros for a trial through
 * the bridge.
 *
 * @example
 * const ref = await spawnAutomaton(system, { width: 16, height: 16 });
 * await ref.call<AutomatonSnapshot>({ type: 'snapshot' }); // { generation: 0, population: 5, ... }
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { TICK_TOPIC } from '../../src/events.ts';
import { requestTrial } from './cerebros-bridge.ts';
import { type Cell, GLIDER, type LifeGrid, liveCells, seedGrid, stepLife } from './life.ts';

/** Options of {@link spawnAutomaton}. */
export interface AutomatonOptions {
  /** Grid width; default 16. */
  width?: number;
  /** Grid height; default 16. */
  height?: number;
  /** Live cells at generation 0; default a glider in the top-left corner. */
  seed?: readonly Cell[];
  /** Ask cerebros for a trial every this many generations; default 8; 0 never. */
  trialEvery?: number;
}

/** Messages of the automaton. */
export type AutomatonMsg = { type: 'tick'; tick: number } | { type: 'snapshot' };

/** The automaton's state as a query answers it. */
export interface AutomatonSnapshot {
  width: number;
  height: number;
  generation: number;
  /** The last tick that advanced the grid (0 before the first). */
  tick: number;
  population: number;
  live: Cell[];
}

/** The automaton's state. */
export interface AutomatonState {
  grid: LifeGrid;
  generation: number;
  tick: number;
}

function automatonBehaviour(options: AutomatonOptions): Behaviour<AutomatonState, AutomatonMsg, undefined> {
  const trialEvery = options.trialEvery ?? 8;
  return {
    name: 'automaton',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(TICK_TOPIC, (event) => {
        if (event.type === 'tick') ctx.self.cast({ type: 'tick', tick: event.tick });
      });
      ctx.self.onExit(off);
      return { grid: seedGrid(options.width ?? 16, options.height ?? 16, options.seed ?? GLIDER), generation: 0, tick: 0 };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick': {
          const next = { grid: stepLife(state.grid), generation: state.generation + 1, tick: message.tick };
          if (trialEvery > 0 && next.generation % trialEvery === 0) {
            const population = next.grid.cells.reduce((sum, cell) => sum + cell, 0);
            requestTrial(ctx.system.pubsub, ctx.system.isoNow(), { requestedBy: 'thunderbolt', generation: next.generation, population });
          }
          return next;
        }
        case 'snapshot': {
          const live = liveCells(state.grid);
          ctx.reply({
            width: state.grid.width,
            height: state.grid.height,
            generation: state.generation,
            tick: state.tick,
            population: live.length,
            live,
          } satisfies AutomatonSnapshot);
          return state;
        }
        default: {
          const unreachable: never = message;
          throw new Error(`automaton: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the automaton at generation 0. */
export function spawnAutomaton(system: ActorSystem, options: AutomatonOptions = {}): Promise<ActorRef<AutomatonMsg>> {
  return spawnActor(system, automatonBehaviour(options), undefined, { name: 'thunderbolt.automaton' });
}
