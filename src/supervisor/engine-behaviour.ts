/**
 * The actor behaviour of every supervisor whose state is an engine (engine-base.ts): its children
 * die with it however it exits, it starts its initial children (if it has any) in `init`, handles
 * the messages its engine sends itself, answers every request with an `Outcome` (outcome.ts), and
 * shuts its children down in `terminate`.
 *
 * @example
 * const behaviour = engineBehaviour<DynamicEngine, DynamicControlMsg, DynamicRequest>('dynamic_supervisor', answer);
 */
import type { Behaviour, Message } from '../actor/behaviour.ts';
import type { Outcome } from './outcome.ts';

/**
 * What the behaviour needs of its engine.
 *
 * @example
 * const engine: ControlledEngine<SupervisorControlMsg> = new SupervisorEngine(options, system, cell);
 */
export interface ControlledEngine<C extends Message> {
  handleControl(message: C): Promise<void>;
  shutdownAll(): Promise<void>;
  killAll(): void;
}

/**
 * A supervisor behaviour named `name`: `answer` replies to each request (a message that is not a
 * `child_exit` or `restart` of the engine's own), and `startChildren`, if given, runs in `init`.
 *
 * @example
 * const supervisorBehaviour = engineBehaviour('supervisor', answer, (engine) => engine.startAll());
 */
export function engineBehaviour<E extends ControlledEngine<C>, C extends Message, R extends Message>(
  name: string,
  answer: (engine: E, request: R) => Promise<Outcome>,
  startChildren?: (engine: E) => Promise<void>,
): Behaviour<E, C | R, E> {
  return {
    name,
    init(engine, ctx) {
      // Children are linked to their supervisor: however it exits, nothing is left orphaned.
      ctx.self.onExit(() => engine.killAll());
      return startChildren ? startChildren(engine).then(() => engine) : engine;
    },
    async handle(engine, message, ctx) {
      if (message.type === 'child_exit' || message.type === 'restart') await engine.handleControl(message as C);
      else ctx.reply(await answer(engine, message as R));
      return engine;
    },
    async terminate(engine) {
      await engine.shutdownAll();
    },
  };
}
