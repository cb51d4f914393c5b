/**
 * The workflow runner: runs one ready step of its workflow per tick, in dependency order, and
 * publishes `custom:thundervine.step_completed` per step and `custom:thundervine.workflow_completed`
 * per finished run; with `repeat` (default) the next run starts on the following tick.
 *
 * @example
 * const ref = await spawnWorkflowRunner(system, { workflow: DEFAULT_WORKFLOW });
 * await ref.call<WorkflowSnapshot>({ type: 'snapshot' }); // { run: 1, completed: [], ... }
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { TICK_TOPIC, topicOf } from '../../src/events.ts';
import { nextReadyStep, type Workflow } from './workflow.ts';

/** Event types the runner publishes. */
export const STEP_COMPLETED = 'custom:thundervine.step_completed';
export const WORKFLOW_COMPLETED = 'custom:thundervine.workflow_completed';

/** Options of {@link spawnWorkflowRunner}. */
export interface WorkflowRunnerOptions {
  /** A validated workflow. */
  workflow: Workflow;
  /** Start a new run after each finished one; default true. */
  repeat?: boolean;
}

/** One completed step. */
export interface CompletedStep {
  step: string;
  tick: number;
}

/** The runner's state as the query answers it. */
export interface WorkflowSnapshot {
  workflow: string;
  /** 1, 2, ... */
  run: number;
  /** This run's steps so far, in the order they ran. */
  completed: CompletedStep[];
  /** Steps of this run not yet run. */
  pending: string[];
  /** Runs finished. */
  finishedRuns: number;
}

/** Messages of the workflow runner. */
export type WorkflowRunnerMsg = { type: 'tick'; tick: number } | { type: 'snapshot' };

interface RunnerState {
  run: number;
  completed: CompletedStep[];
  finishedRuns: number;
}

function runnerBehaviour(options: WorkflowRunnerOptions): Behaviour<RunnerState, WorkflowRunnerMsg, undefined> {
  const { workflow } = options;
  const repeat = options.repeat ?? true;
  return {
    name: 'thundervine.workflow_runner',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(TICK_TOPIC, (event) => {
        if (event.type === 'tick') ctx.self.cast({ type: 'tick', tick: event.tick });
      });
      ctx.self.onExit(off);
      return { run: 1, completed: [], finishedRuns: 0 };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick': {
          if (state.completed.length === workflow.steps.length) {
            if (!repeat) return state;
            state.run += 1;
            state.completed = [];
          }
          const done = new Set(state.completed.map((entry) => entry.step));
          const step = nextReadyStep(workflow, done);
          // validateWorkflow guarantees a ready step while any is left.
          if (step === undefined) return state;
          state.completed.push({ step, tick: message.tick });
          const event = {
            type: STEP_COMPLETED,
            time: ctx.system.isoNow(),
            workflow: workflow.name,
            run: state.run,
            step,
            tick: message.tick,
          } as const;
          ctx.system.pubsub.publish(topicOf(event), event);
          if (state.completed.length === workflow.steps.length) {
            state.finishedRuns += 1;
            const finished = {
              type: WORKFLOW_COMPLETED,
              time: ctx.system.isoNow(),
              workflow: workflow.name,
              run: state.run,
              tick: message.tick,
            } as const;
            ctx.system.pubsub.publish(topicOf(finished), finished);
          }
          return state;
        }
        case 'snapshot': {
          const done = new Set(state.completed.map((entry) => entry.step));
          ctx.reply({
            workflow: workflow.name,
            run: state.run,
            completed: [...state.completed],
            pending: workflow.steps.filter((step) => !done.has(step.id)).map((step) => step.id),
            finishedRuns: state.finishedRuns,
          } satisfies WorkflowSnapshot);
          return state;
        }
        default: {
          const unreachable: never = message;
          throw new Error(`thundervine.workflow_runner: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the workflow runner on run 1 with nothing done. */
export function spawnWorkflowRunner(system: ActorSystem, options: WorkflowRunnerOptions): Promise<ActorRef<WorkflowRunnerMsg>> {
  return spawnActor(system, runnerBehaviour(options), undefined, { name: 'thundervine.workflow_runner' });
}
