/**
 * Cerebros' dashboard panel: each trial's score and the best so far, plotted by trial number.
 *
 * @example
 * trialsPanel(await domain.summary(), await domain.trials());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { CerebrosTrialRow } from './cerebros-store.ts';
import type { CerebrosSummary } from './trial-runner.ts';

/** The panel of the current run's trials. */
export function trialsPanel(summary: CerebrosSummary, trials: readonly CerebrosTrialRow[]): DomainPanel {
  const ordered = [...trials].sort((a, b) => a.trialNo - b.trialNo);
  let best = Number.NEGATIVE_INFINITY;
  const bestSoFar = ordered.map((trial) => {
    best = Math.max(best, trial.score);
    return [trial.trialNo, best] as const;
  });
  const top = summary.best;
  return {
    summary: top
      ? `${summary.trials} trials; best #${top.trialNo} scored ${top.score.toFixed(4)} (${JSON.stringify(top.params)})`
      : `${summary.trials} trials so far`,
    views: [
      {
        kind: 'series',
        title: 'score per trial, and the best so far',
        xLabel: 'trial',
        yLabel: 'score',
        series: [
          { name: 'score', style: 'points', points: ordered.map((trial) => [trial.trialNo, trial.score] as const) },
          { name: 'best so far', style: 'step', points: bestSoFar },
        ],
      },
    ],
  };
}
