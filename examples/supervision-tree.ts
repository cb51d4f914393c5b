/**
 * A supervision tree, run for real: a root supervisor with a worker and a nested `rest_for_one`
 * supervisor holding a job queue and a job runner. The queue crashes; its supervisor restarts it
 * and the runner started after it, the rest of the tree is untouched. Prints every supervisor
 * event and the tree, then shuts everything down in reverse start order.
 *
 * @example
 * node --import tsx examples/supervision-tree.ts
 *
 * import { main } from './examples/supervision-tree.ts';
 * const summary = await main({ print: () => {} });
 */
import { pathToFileURL } from 'node:url';
// In your app: import { ... } from 'thunderline';
import {
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  createActorSystem,
  type SupervisorEvent,
  SupervisorRef,
  type SupervisorTree,
  spawnActor,
  startSupervisor,
  supervisorSpec,
  type ThunderlineEvent,
} from '../index.ts';

/** The messages of the example's workers: a counter that can be told to fail. */
export type CounterMsg = { type: 'increment' } | { type: 'get' } | { type: 'fail'; reason: string };

const counter: Behaviour<number, CounterMsg> = {
  init: () => 0,
  handle(count, message, ctx) {
    switch (message.type) {
      case 'increment':
        return count + 1;
      case 'get':
        ctx.reply(count);
        return count;
      case 'fail':
        // A crash is not caught here: the supervisor sees it and decides.
        throw new Error(message.reason);
      default: {
        const unreachable: never = message;
        throw new Error(`unknown message ${String(unreachable)}`);
      }
    }
  },
};

/** A child spec for one counter worker. */
function counterSpec(id: string): ChildSpec {
  return { id, start: ({ system }) => spawnActor(system, counter, undefined, { name: id }) };
}

/** Options of {@link main}. */
export interface SupervisionTreeOptions {
  /** Where the example prints; default `console.log`. */
  print?: (line: string) => void;
}

/** What the example observed, for its test. */
export interface SupervisionTreeSummary {
  /** Every supervisor event, `type supervisor/child (reason)`, in publish order. */
  events: string[];
  /** The queue's count before the crash and after the restart (fresh state). */
  queueCount: { beforeCrash: number; afterRestart: number };
  /** The metrics worker kept its ref and state through the crash elsewhere. */
  metricsUntouched: boolean;
  /** The tree just after the restart. */
  tree: SupervisorTree;
}

/** Renders a tree as indented text lines. */
export function renderTree(tree: SupervisorTree, indent = ''): string[] {
  const { restarts, maxRestarts, maxSeconds } = tree.budget;
  const lines = [`${indent}${tree.name} (${tree.strategy}, ${restarts}/${maxRestarts} restarts in ${maxSeconds} s)`];
  for (const child of tree.children) {
    if (child.tree) lines.push(...renderTree(child.tree, `${indent}  `));
    else lines.push(`${indent}  ${child.id}: ${child.type} ${child.status}, restarted ${child.restarts}x`);
  }
  return lines;
}

function isSupervisorEvent(event: ThunderlineEvent): event is SupervisorEvent {
  return ['child_started', 'child_exited', 'child_restarted', 'supervisor_escalated'].includes(event.type);
}

/** Runs the example and returns what it saw. */
export async function main(options: SupervisionTreeOptions = {}): Promise<SupervisionTreeSummary> {
  const print = options.print ?? console.log;
  const system = createActorSystem(); // the real clock
  const events: string[] = [];
  const offEvents = system.pubsub.subscribe('*', (event) => {
    if (!isSupervisorEvent(event)) return;
    const line = `${event.type} ${event.supervisor}/${event.child} (${event.reason})`;
    events.push(line);
    print(line);
  });

  const app = await startSupervisor(system, {
    name: 'app',
    strategy: 'one_for_one',
    children: [
      counterSpec('metrics'),
      supervisorSpec('jobs', { strategy: 'rest_for_one', children: [counterSpec('queue'), counterSpec('runner')] }),
    ],
  });
  try {
    const child = (sup: SupervisorRef, id: string) => sup.whichChildren().find((row) => row.id === id)?.ref;
    const jobs = child(app, 'jobs');
    if (!(jobs instanceof SupervisorRef)) throw new Error('jobs is not running');
    const metrics = child(app, 'metrics') as ActorRef<CounterMsg>;
    const queue = child(jobs, 'queue') as ActorRef<CounterMsg>;

    metrics.cast({ type: 'increment' });
    queue.cast({ type: 'increment' });
    queue.cast({ type: 'increment' });
    const beforeCrash = await queue.call<number>({ type: 'get' });

    // Driven by events, not by time: resolve when the runner (the last one rest_for_one restarts) is back.
    const runnerBack = new Promise<void>((resolve) => {
      const off = system.pubsub.subscribe('system:child_restarted', (event) => {
        if (event.type === 'child_restarted' && event.child === 'runner') {
          off();
          resolve();
        }
      });
    });
    queue.cast({ type: 'fail', reason: 'queue lost its broker connection' });
    await runnerBack;

    const afterRestart = await (child(jobs, 'queue') as ActorRef<CounterMsg>).call<number>({ type: 'get' });
    const metricsUntouched = child(app, 'metrics') === metrics && (await metrics.call<number>({ type: 'get' })) === 1;
    const tree = app.tree();
    for (const line of renderTree(tree)) print(line);
    return { events, queueCount: { beforeCrash, afterRestart }, metricsUntouched, tree };
  } finally {
    await app.stop();
    offEvents();
    system.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
