/**
 * Embedding Thunderline in an app (`docs/api.md`): one domain of your own, manual ticks, an in-memory
 * registry. The domain waits, activates on the first tick, crashes, comes back on the next tick,
 * and every step is in the registry.
 *
 * @example
 * node --import tsx examples/embedding.ts
 *
 * import { main } from './examples/embedding.ts';
 * const summary = await main({ log: () => {} });
 */
import { pathToFileURL } from 'node:url';
// In your app: import { defineDomain, startRuntime } from 'thunderline';
import { type DomainEvent, defineDomain, startRuntime } from '../index.ts';

/** Options of {@link main}. */
export interface EmbeddingOptions {
  /** Where the example prints; default `console.log`. */
  log?: (line: string) => void;
}

/** What the example observed, for its test. */
export interface EmbeddingSummary {
  activeAfterFirstTick: string[];
  activations: number[];
  statusWhileWaiting: string | undefined;
  statusAfterRestart: string | undefined;
  restarts: number | undefined;
  history: string[];
  activatedEvents: number;
  exit: { reason: string; clean: boolean };
}

/** Runs the example and returns what it saw. */
export async function main(options: EmbeddingOptions = {}): Promise<EmbeddingSummary> {
  const log = options.log ?? console.log;
  const activations: number[] = [];

  const billing = defineDomain({
    name: 'billing',
    async activate(tick, meta) {
      // Start work here; children listed in `children` are already running under meta.supervisor.
      activations.push(tick);
      meta.publish('ready', { tick });
    },
    async deactivate(reason) {
      log(`billing: deactivated (${String(reason)})`);
    },
  });

  const runtime = await startRuntime({
    domains: [billing], // only these; the Thunderline domains are not implied
    tickInterval: 'manual', // or ms, default 1000
    database: ':memory:', // or a file path, default './thunderline.db'
    activationTimeout: 30_000,
    server: false,
  });

  let activatedEvents = 0;
  const off = runtime.subscribe('system:domain_activated', (event) => {
    activatedEvents += 1;
    log(`event: ${(event as DomainEvent).domain} activated at tick ${(event as DomainEvent).tick}`);
  });

  log(`before the first tick: ${runtime.registry.domainStatus('billing')?.status}`);
  await runtime.tick(); // resolves when every domain has handled it
  log(`tick ${runtime.currentTick()}: active ${JSON.stringify(runtime.registry.activeDomains())} (${runtime.registry.activeCount()})`);
  const activeAfterFirstTick = runtime.registry.activeDomains();

  // Crash the domain as a fault would; the domains supervisor restarts it, waiting for the next tick.
  const waitingAgain = new Promise<void>((resolve) => {
    const stop = runtime.subscribe('system:domain_waiting', () => {
      stop();
      resolve();
    });
  });
  runtime.kill('billing', 'simulated fault'); // an exit signal: handled asynchronously, as in Erlang
  await waitingAgain;
  await runtime.flush(); // the registry has applied (and written) every change published so far
  const statusWhileWaiting = runtime.registry.domainStatus('billing')?.status;
  log(`restarted: ${statusWhileWaiting}`);
  await runtime.tick();
  const status = runtime.registry.domainStatus('billing');
  log(`tick ${runtime.currentTick()}: billing ${status?.status}, restarts ${status?.restarts}`);

  const history = runtime.registry
    .history({ domain: 'billing', limit: 10 }) // newest first
    .reverse()
    .map((entry) => `${entry.event}@${entry.tick}`);
  log(`history: ${history.join(' → ')}`);
  off();

  const exit = await runtime.stop(); // graceful, reverse start order
  log(`stopped: ${exit.reason}`);
  return {
    activeAfterFirstTick,
    activations,
    statusWhileWaiting,
    statusAfterRestart: status?.status,
    restarts: status?.restarts,
    history,
    activatedEvents,
    exit,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
