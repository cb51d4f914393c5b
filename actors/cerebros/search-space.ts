/**
 * The NAS search space, the seeded random search over it, and the synthetic objective a trial
 * is scored with: a deterministic formula (best near 3 layers, 64 units, lr 1e-3, gelu) plus
 * a little seeded noise, so a run is reproducible from its seed.
 *
 * @example
 * const random = seededRandom(7);
 * const params = sampleParams(random);      // { layers: 2, units: 64, learningRate: 0.001, activation: 'relu' }
 * scoreParams(params, random);              // 0.87...
 */

/** The hyperparameters a trial tries. */
export interface TrialParams {
  layers: number;
  units: number;
  learningRate: number;
  activation: 'relu' | 'tanh' | 'gelu';
}

/** The choices of each hyperparameter. */
export const SEARCH_SPACE = {
  layers: [1, 2, 3, 4, 5],
  units: [16, 32, 64, 128, 256],
  learningRate: [0.0001, 0.0003, 0.001, 0.003, 0.01],
  activation: ['relu', 'tanh', 'gelu'],
} as const;

/** Noise amplitude of the objective. */
const NOISE = 0.02;

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(choices: readonly T[], random: () => number): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

/** One random point of the search space. */
export function sampleParams(random: () => number): TrialParams {
  return {
    layers: pick(SEARCH_SPACE.layers, random),
    units: pick(SEARCH_SPACE.units, random),
    learningRate: pick(SEARCH_SPACE.learningRate, random),
    activation: pick(SEARCH_SPACE.activation, random),
  };
}

/** The synthetic objective, higher is better, about 0..1. */
export function scoreParams(params: TrialParams, random: () => number): number {
  const activationBonus = { gelu: 0.05, relu: 0.03, tanh: 0 }[params.activation];
  const score =
    0.9 -
    0.08 * Math.abs(params.layers - 3) -
    0.05 * Math.abs(Math.log2(params.units) - 6) -
    0.1 * Math.abs(Math.log10(params.learningRate) + 3) +
    activationBonus +
    (random() - 0.5) * 2 * NOISE;
  return Math.round(score * 1e6) / 1e6;
}
