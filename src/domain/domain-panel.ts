/**
 * What a domain shows of its work on the dashboard: a one-line summary and a few views, each of a
 * kind the dashboard knows how to draw (a cell grid, plotted series, a DAG, bars, a table, facts).
 * A domain opts in with `defineDomain({ inspect })`; the runtime serves it as
 * `runtime.inspectDomain(name)` and `GET /api/panels/<name>` (docs/dashboard.md, "Domain panels").
 *
 * @example
 * const counter = defineDomain({
 *   name: 'counter',
 *   inspect: () => ({ summary: `${count} so far`, views: [{ kind: 'facts', title: 'Counter', facts: [{ label: 'count', value: count }] }] }),
 * });
 */

/** A live cell grid, drawn on a canvas: `cells` are the `[x, y]` of the live ones. */
export interface GridView {
  kind: 'grid';
  title: string;
  width: number;
  height: number;
  cells: Array<readonly [number, number]>;
}

/** Lines (or points) over x, drawn on a canvas with axes. */
export interface SeriesView {
  kind: 'series';
  title: string;
  xLabel: string;
  yLabel: string;
  series: Array<{ name: string; points: Array<readonly [number, number]>; style?: 'line' | 'points' | 'step' }>;
}

/**
 * A directed acyclic graph, drawn in layers from its sources; `state` colours a node and is shown as
 * text too (any word; the dashboard knows `done`, `running`, `pending`, `failed`, `best`).
 */
export interface DagView {
  kind: 'dag';
  title: string;
  nodes: Array<{ id: string; label: string; state: string }>;
  edges: Array<{ from: string; to: string; label?: string }>;
}

/** Horizontal bars of `value` out of `max`, each with its label and a text. */
export interface BarsView {
  kind: 'bars';
  title: string;
  bars: Array<{ label: string; value: number; max: number; text: string }>;
}

/** A small table: at most 50 rows are shown. */
export interface TableView {
  kind: 'table';
  title: string;
  columns: string[];
  rows: Array<Array<string | number | null>>;
}

/** Labelled values. */
export interface FactsView {
  kind: 'facts';
  title: string;
  facts: Array<{ label: string; value: string | number }>;
}

/** One view of a {@link DomainPanel}. */
export type PanelView = GridView | SeriesView | DagView | BarsView | TableView | FactsView;

/** A domain's panel: what `inspect` returns. Must be JSON-safe. */
export interface DomainPanel {
  /** One line a person reads first, e.g. `generation 42, 5 live cells`. */
  summary: string;
  views: PanelView[];
}
