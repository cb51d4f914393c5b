/**
 * The refusal ledger: Thundercrown's running view of its policy's refusals — counts per
 * domain and the domains still refused at the latest tick — built from the policy's backlog
 * at start and each refusal after.
 *
 * @example
 * const ref = await spawnRefusalLedger(system, policy);
 * await ref.call<LedgerSnapshot>({ type: 'ledger' }); // { total: 2, byDomain: { thundergrid: 2 }, ... }
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import type { ActivationPolicy, Refusal } from './activation-policy.ts';

/** Messages of the ledger. */
export type RefusalLedgerMsg = { type: 'refused'; refusal: Refusal } | { type: 'ledger' };

/** What the ledger answers. */
export interface LedgerSnapshot {
  /** Refusals counted by the ledger. */
  total: number;
  byDomain: Record<string, number>;
  /** The latest refusals, oldest first (the policy's `keep`). */
  recent: Refusal[];
  /** The domains refused at the latest tick with a refusal. */
  refusedAtLastTick: string[];
  lastTick: number;
}

interface LedgerState {
  byDomain: Map<string, number>;
  total: number;
  lastTick: number;
  refusedAtLastTick: Set<string>;
}

function add(state: LedgerState, refusal: Refusal): void {
  state.total += 1;
  state.byDomain.set(refusal.domain, (state.byDomain.get(refusal.domain) ?? 0) + 1);
  if (refusal.tick !== state.lastTick) {
    state.lastTick = refusal.tick;
    state.refusedAtLastTick = new Set();
  }
  state.refusedAtLastTick.add(refusal.domain);
}

function ledgerBehaviour(policy: ActivationPolicy): Behaviour<LedgerState, RefusalLedgerMsg, undefined> {
  return {
    name: 'thundercrown.refusal_ledger',
    init(_args, ctx) {
      const state: LedgerState = { byDomain: new Map(), total: 0, lastTick: 0, refusedAtLastTick: new Set() };
      for (const refusal of policy.refusals()) add(state, refusal);
      ctx.self.onExit(policy.onRefusal((refusal) => ctx.self.cast({ type: 'refused', refusal })));
      return state;
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'refused':
          add(state, message.refusal);
          return state;
        case 'ledger':
          ctx.reply({
            total: state.total,
            byDomain: Object.fromEntries(state.byDomain),
            recent: policy.refusals(),
            refusedAtLastTick: [...state.refusedAtLastTick],
            lastTick: state.lastTick,
          } satisfies LedgerSnapshot);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thundercrown.refusal_ledger: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the ledger over `policy`. */
export function spawnRefusalLedger(system: ActorSystem, policy: ActivationPolicy): Promise<ActorRef<RefusalLedgerMsg>> {
  return spawnActor(system, ledgerBehaviour(policy), undefined, { name: 'thundercrown.refusal_ledger' });
}
