/**
 * Thunderbolt's dashboard panel: the automaton's grid, live cells drawn on a canvas.
 *
 * @example
 * automatonPanel(await domain.snapshot()); // { summary: 'generation 4, 5 live cells', views: [{ kind: 'grid', ... }] }
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { AutomatonSnapshot } from './automaton.ts';

/** The panel of an automaton snapshot. */
export function automatonPanel(snapshot: AutomatonSnapshot): DomainPanel {
  return {
    summary: `Life on a ${snapshot.width}×${snapshot.height} torus: generation ${snapshot.generation}, ${snapshot.population} live cells`,
    views: [
      {
        kind: 'grid',
        title: `generation ${snapshot.generation} (tick ${snapshot.tick})`,
        width: snapshot.width,
        height: snapshot.height,
        cells: snapshot.live.map(([x, y]) => [x, y] as const),
      },
    ],
  };
}
