/**
 * Thundervine's dashboard panel: the workflow DAG, each step `done`, `running` (the next to run)
 * or `pending`.
 *
 * @example
 * workflowPanel(workflow, await domain.snapshot());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { Workflow } from './workflow.ts';
import type { WorkflowSnapshot } from './workflow-runner.ts';

/** The panel of a workflow run. */
export function workflowPanel(workflow: Workflow, snapshot: WorkflowSnapshot): DomainPanel {
  const done = new Map(snapshot.completed.map((step) => [step.step, step.tick]));
  // The runner takes the first ready pending step in list order on the next tick.
  const next = snapshot.pending.find((id) =>
    (workflow.steps.find((step) => step.id === id)?.dependsOn ?? []).every((dependency) => done.has(dependency)),
  );
  return {
    summary: `workflow ${snapshot.workflow}, run ${snapshot.run}: ${done.size}/${workflow.steps.length} steps done; ${snapshot.finishedRuns} runs finished`,
    views: [
      {
        kind: 'dag',
        title: `${snapshot.workflow} run ${snapshot.run}`,
        nodes: workflow.steps.map((step) => ({
          id: step.id,
          label: done.has(step.id) ? `${step.id} @${done.get(step.id)}` : step.id,
          state: done.has(step.id) ? 'done' : step.id === next ? 'running' : 'pending',
        })),
        edges: workflow.steps.flatMap((step) => (step.dependsOn ?? []).map((from) => ({ from, to: step.id }))),
      },
    ],
  };
}
