/**
 * Workflow definitions (thundervine's DAG management; `docs/domains.md`): steps with
 * dependencies, validated as a DAG, and the rule that picks the next ready step.
 *
 * @example
 * const workflow = validateWorkflow(DEFAULT_WORKFLOW);
 * nextReadyStep(workflow, new Set(['fetch'])); // 'parse'
 */
import { describeValue, ThunderlineError } from '../../src/errors.ts';

/** One step and the steps it waits for. */
export interface WorkflowStep {
  id: string;
  dependsOn?: readonly string[];
}

/** A named DAG of steps; a ready step runs in list order among the ready ones. */
export interface Workflow {
  name: string;
  steps: readonly WorkflowStep[];
}

/** fetch → parse → [index, summarize] → publish. */
export const DEFAULT_WORKFLOW: Workflow = {
  name: 'ingest',
  steps: [
    { id: 'fetch' },
    { id: 'parse', dependsOn: ['fetch'] },
    { id: 'index', dependsOn: ['parse'] },
    { id: 'summarize', dependsOn: ['parse'] },
    { id: 'publish', dependsOn: ['index', 'summarize'] },
  ],
};

function invalid(path: string, rule: string, got: unknown): ThunderlineError {
  return new ThunderlineError('ERR_INVALID_OPTION', `thundervine: ${path} ${rule}, got ${describeValue(got)}`);
}

/** Checks ids are unique, dependencies exist and there is no cycle; throws `ERR_INVALID_OPTION`. */
export function validateWorkflow(workflow: Workflow): Workflow {
  if (!Array.isArray(workflow.steps) || workflow.steps.length === 0)
    throw invalid('workflow.steps', 'must be a non-empty array', workflow.steps);
  const ids = new Set<string>();
  workflow.steps.forEach((step, i) => {
    if (typeof step.id !== 'string' || step.id === '') throw invalid(`workflow.steps[${i}].id`, 'must be a non-empty string', step.id);
    if (ids.has(step.id)) throw invalid(`workflow.steps[${i}].id`, 'must be unique', step.id);
    ids.add(step.id);
  });
  workflow.steps.forEach((step, i) => {
    for (const dep of step.dependsOn ?? []) {
      if (!ids.has(dep)) throw invalid(`workflow.steps[${i}].dependsOn`, `must name steps of the workflow (${[...ids].join(', ')})`, dep);
    }
  });
  const done = new Set<string>();
  while (done.size < ids.size) {
    const next = nextReadyStep(workflow, done);
    if (next === undefined) {
      const left = workflow.steps.filter((step) => !done.has(step.id)).map((step) => step.id);
      throw invalid('workflow.steps', 'must not have a dependency cycle', left.join(' ↔ '));
    }
    done.add(next);
  }
  return workflow;
}

/** The first step, in list order, not done whose dependencies are all done. */
export function nextReadyStep(workflow: Workflow, done: ReadonlySet<string>): string | undefined {
  return workflow.steps.find((step) => !done.has(step.id) && (step.dependsOn ?? []).every((dep) => done.has(dep)))?.id;
}
