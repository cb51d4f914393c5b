/**
 * The runtime process the soak SIGKILLs (process-kill.ts): runs the session's tree (boot.ts) on
 * the SQLite file with manual ticks on a ManualClock, prints every domain event it publishes,
 * and obeys one command per stdin line, answering when it is done, so the harness knows what was
 * acknowledged (written) when it kills the process:
 *
 *   (start)        prints `run <runId>` before the tree starts, `ready` once started
 *   tick           `ticked <n>` once `runtime.tick()` resolved (every change of it on disk)
 *   kill <domain>  `killed` once the domain is killed and `runtime.flush()` resolved
 *   hold <domain>  holds the domain's next activate and ticks: `held` once activate is pending
 *                  (the tick in flight), or `ticked <n>` if the domain did not activate
 *
 * and `event <json>` for each domain event, in publish order.
 *
 * @example
 * node --import tsx test/soak/child-runtime.ts /tmp/x/thunderline.db generated 100 42
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { type DomainEvent, ManualClock } from '../../index.ts';
import { bootSoakRuntime, DOMAIN_TOPICS, recordOf } from './boot.ts';
import { Control, generatedShape, type TreeKind } from './tree-gen.ts';

const print = (line: string): void => {
  // Pipes are written synchronously on Linux: a line printed before the kill is in the pipe.
  process.stdout.write(`${line}\n`);
};

export async function runChild(file: string, tree: TreeKind, domains: number, seed: number): Promise<void> {
  // An orphan (the harness died first) ends itself: nothing here should outlive a minute.
  setTimeout(() => process.exit(3), 60_000).unref();
  const control = new Control();
  const clock = new ManualClock();
  const { runtime } = await bootSoakRuntime({
    tree,
    file,
    clock,
    control,
    shape: tree === 'generated' ? generatedShape(seed, domains) : undefined,
    onRun: (runId, system) => {
      print(`run ${runId}`);
      const onDomain = (event: unknown): void => print(`event ${JSON.stringify(recordOf(event as DomainEvent))}`);
      for (const topic of DOMAIN_TOPICS) system.pubsub.subscribe(topic, onDomain);
    },
  });
  print('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, argument = ''] = line.trim().split(' ');
    if (command === 'tick') print(`ticked ${await runtime.tick()}`);
    else if (command === 'kill') {
      runtime.kill(argument, 'chaos: kill in the child');
      await runtime.flush();
      print('killed');
    } else if (command === 'hold') {
      const held = control.hold(`activate:${argument}`);
      const ticked = runtime.tick();
      await Promise.race([held.entered.promise, ticked]);
      print(held.caught ? 'held' : `ticked ${await ticked}`);
    }
  }
  await runtime.stop();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, tree, domains, seed] = process.argv.slice(2);
  if (!file || (tree !== 'generated' && tree !== 'thunderline'))
    throw new Error('usage: child-runtime.ts <db> generated|thunderline <domains> <seed>');
  await runChild(file, tree, Number(domains), Number(seed));
}
