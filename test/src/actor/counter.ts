/**
 * The test actor of the actor tests: a counter that can reply late, never reply, crash
 * synchronously or asynchronously, and records its terminate calls.
 */
import type { Behaviour } from '../../../src/actor/index.ts';

export type CounterMsg =
  | { type: 'add'; by: number }
  | { type: 'get' }
  | { type: 'slow' }
  | { type: 'defer' }
  | { type: 'release'; value: unknown }
  | { type: 'boom' }
  | { type: 'reject' }
  | { type: 'reply_twice' };

export interface CounterState {
  count: number;
  deferred: Array<(value: unknown) => void>;
}

/** Where the counter reports its terminate calls and what it throws. */
export interface CounterProbe {
  terminated: Array<{ count: number; reason: unknown }>;
  syncError: Error;
  asyncError: Error;
  terminateThrows?: boolean;
}

export function newProbe(): CounterProbe {
  return { terminated: [], syncError: new Error('sync boom'), asyncError: new Error('async boom') };
}

export function counter(probe: CounterProbe, start = 0): Behaviour<CounterState, CounterMsg, void> {
  return {
    name: 'counter',
    init: async () => ({ count: start, deferred: [] }),
    handle(state, message, ctx) {
      switch (message.type) {
        case 'add':
          return { ...state, count: state.count + message.by };
        case 'get':
          ctx.reply(state.count);
          return state;
        case 'slow':
          return state;
        case 'defer':
          return { ...state, deferred: [...state.deferred, ctx.reply] };
        case 'release':
          for (const reply of state.deferred) reply(message.value);
          return { ...state, deferred: [] };
        case 'boom':
          throw probe.syncError;
        case 'reject':
          return Promise.reject(probe.asyncError);
        case 'reply_twice':
          ctx.reply('first');
          ctx.reply('second');
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`unknown ${String(unreachable)}`);
        }
      }
    },
    async terminate(state, reason) {
      probe.terminated.push({ count: state.count, reason });
      if (probe.terminateThrows) throw new Error('terminate failed too');
    },
  };
}
