/**
 * Thunderprism's dashboard panel: the decision trail as a small DAG, each new best linked from the
 * best it beat, the current best marked.
 *
 * @example
 * trailPanel(await domain.dag());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { DecisionDag } from './decision-trail.ts';

/** At most this many nodes are drawn: the improvements, then the latest others. */
const MAX_NODES = 24;

/** The panel of a decision DAG. */
export function trailPanel(dag: DecisionDag): DomainPanel {
  const best = new Set(Object.values(dag.best));
  const linked = new Set(dag.edges.flatMap((edge) => [edge.from, edge.to]));
  const shown = [...dag.nodes.filter((node) => linked.has(node.id) || best.has(node.id))];
  for (const node of [...dag.nodes].reverse()) {
    if (shown.length >= MAX_NODES) break;
    if (!shown.includes(node)) shown.push(node);
  }
  const kept = new Set(shown.slice(-MAX_NODES).map((node) => node.id));
  return {
    summary: `${dag.nodes.length} decisions, ${dag.edges.length} improvements`,
    views: [
      {
        kind: 'dag',
        title: 'decision trail (edges: improved on)',
        nodes: dag.nodes
          .filter((node) => kept.has(node.id))
          .map((node) => ({
            id: node.id,
            label: `#${node.trialNo} ${node.score.toFixed(3)}`,
            state: best.has(node.id) ? 'best' : linked.has(node.id) ? 'done' : 'tried',
          })),
        edges: dag.edges
          .filter((edge) => kept.has(edge.from) && kept.has(edge.to))
          .map((edge) => ({ from: edge.from, to: edge.to, label: `+${edge.delta.toFixed(3)}` })),
      },
    ],
  };
}
