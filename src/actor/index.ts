/**
 * Typed actors over nact: define a {@link Behaviour}, start it with {@link spawnActor}, talk to
 * it with `cast` and `call`.
 *
 * @example
 * const system = createActorSystem();
 * const ref = await spawnActor(system, { init: () => 0, handle: (n, m, ctx) => (ctx.reply(n), n + 1) }, undefined);
 * await ref.call({ type: 'bump' }); // 0
 * await ref.stop();
 */
export { type ActorRef, DEFAULT_CALL_TIMEOUT_MS, type SpawnOptions, spawnActor } from './actor-ref.ts';
export { ActorSystem, type ActorSystemOptions, createActorSystem } from './actor-system.ts';
export { type ActorContext, type Behaviour, type ExitSignal, isCleanExit, type Message } from './behaviour.ts';
export {
  cellOf,
  type DownMessage,
  demonitor,
  type ExitMessage,
  link,
  MonitorRef,
  monitor,
  unlink,
} from './exit-links.ts';
export { isViaName, type NameRegistrar, type ViaName } from './naming.ts';
