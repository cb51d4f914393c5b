import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { workflowPanel } from './panel.ts';
import { DEFAULT_WORKFLOW, validateWorkflow, type Workflow } from './workflow.ts';
import { spawnWorkflowRunner, type WorkflowRunnerMsg, type WorkflowSnapshot } from './workflow-runner.ts';

export { DEFAULT_WORKFLOW, nextReadyStep, validateWorkflow, type Workflow, type WorkflowStep } from './workflow.ts';
export { type CompletedStep, STEP_COMPLETED, WORKFLOW_COMPLETED, type WorkflowSnapshot } from './workflow-runner.ts';

/** Options of {@link thundervineDomain}. */
export interface ThundervineOptions {
  /** Default {@link DEFAULT_WORKFLOW}. */
  workflow?: Workflow;
  /** Start again after each finished run; default true. */
  repeat?: boolean;
}

/** The thundervine domain, with a query of its runner. */
export interface ThundervineDomain extends DomainDefinition {
  /** The current run's completed and pending steps; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  snapshot(): Promise<WorkflowSnapshot>;
}

/**
 * Defines the thundervine domain.
 * @throws ThunderlineError `ERR_INVALID_OPTION` for a workflow with duplicate or unknown steps or a cycle
 */
export function thundervineDomain(options: ThundervineOptions = {}): ThundervineDomain {
  const workflow = validateWorkflow(options.workflow ?? DEFAULT_WORKFLOW);
  const runner = trackedChild<WorkflowRunnerMsg>('thundervine', 'workflow_runner', 'the workflow runner', ({ system }) =>
    spawnWorkflowRunner(system, { workflow, repeat: options.repeat ?? true }),
  );
  const definition = defineDomain({
    name: 'thundervine',
    children: [runner.spec],
    inspect: async () => workflowPanel(workflow, await runner.running().call<WorkflowSnapshot>({ type: 'snapshot' })),
  });
  return {
    ...definition,
    snapshot: async () => runner.running().call<WorkflowSnapshot>({ type: 'snapshot' }),
  };
}
