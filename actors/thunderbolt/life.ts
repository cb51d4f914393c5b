/**
 * Conway's Life on a torus: the pure rules the automaton actor runs, one generation per call.
 *
 * @example
 * let grid = seedGrid(16, 16, GLIDER);
 * grid = stepLife(grid);
 * liveCells(grid); // [[2, 1], [0, 2], ...]
 */

/** A cell as `[x, y]`, 0-based, x to the right and y downwards. */
export type Cell = readonly [x: number, y: number];

/** A Life grid: `cells[y * width + x]` is 1 for a live cell. */
export interface LifeGrid {
  readonly width: number;
  readonly height: number;
  readonly cells: Uint8Array;
}

/** The glider, heading down and to the right (+1, +1 every 4 generations). */
export const GLIDER: readonly Cell[] = [
  [1, 0],
  [2, 1],
  [0, 2],
  [1, 2],
  [2, 2],
];

/** A grid with `live` cells set (wrapped onto the torus). */
export function seedGrid(width: number, height: number, live: readonly Cell[]): LifeGrid {
  const cells = new Uint8Array(width * height);
  for (const [x, y] of live) cells[mod(y, height) * width + mod(x, width)] = 1;
  return { width, height, cells };
}

/** The next generation: B3/S23, edges wrapping around. */
export function stepLife(grid: LifeGrid): LifeGrid {
  const { width, height, cells } = grid;
  const next = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let neighbours = 0;
      for (let dy = -1; dy <= 1; dy += 1) {
        for (let dx = -1; dx <= 1; dx += 1) {
          if (dx !== 0 || dy !== 0) neighbours += cells[mod(y + dy, height) * width + mod(x + dx, width)] ?? 0;
        }
      }
      const alive = cells[y * width + x] === 1;
      next[y * width + x] = neighbours === 3 || (alive && neighbours === 2) ? 1 : 0;
    }
  }
  return { width, height, cells: next };
}

/** The live cells, in row-major order. */
export function liveCells(grid: LifeGrid): Cell[] {
  const live: Cell[] = [];
  grid.cells.forEach((value, index) => {
    if (value === 1) live.push([index % grid.width, Math.floor(index / grid.width)]);
  });
  return live;
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
