/**
 * Thunderline: an OTP-style actor runtime for Node.js. The package entry: the kernel (`src/`)
 * and `startRuntime`, which puts the kernel, the actors and the supervision trees together
 * (`supervisors/runtime.ts`).
 *
 * @example
 * import { startRuntime, defineDomain } from 'thunderline';
 * const billing = defineDomain({ name: 'billing', async activate(tick) {} });
 * const runtime = await startRuntime({ domains: [billing], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick();
 * await runtime.stop();
 * @module
 */
export * from './src/index.ts';
export { type InfrastructureContext, type RuntimeExtras, startRuntime } from './supervisors/runtime.ts';
