/**
 * Delta debugging over a failing step list: the steps after the failing one go first, then
 * chunks of halving size (ddmin), then single steps, keeping a candidate only when it fails with
 * the same invariant. Any sub-list is a valid list (steps.ts), so the result is the shortest list
 * this search finds that still fails, each step of it needed.
 */

/** Shrinks `steps`; `stillFails` runs a candidate (true: the same invariant fails). */
export async function shrinkSteps<T>(
  steps: readonly T[],
  stillFails: (candidate: readonly T[]) => Promise<boolean>,
  options: { deadline?: number; log?: (line: string) => void } = {},
): Promise<T[]> {
  let current = [...steps];
  const timeLeft = () => options.deadline === undefined || Date.now() < options.deadline;
  let granularity = 2;
  while (current.length >= 2 && timeLeft()) {
    const size = Math.ceil(current.length / granularity);
    let reduced = false;
    for (let start = 0; start < current.length && timeLeft(); start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      if (candidate.length === 0) continue;
      if (await stillFails(candidate)) {
        options.log?.(`shrink: ${current.length} -> ${candidate.length} steps`);
        current = candidate;
        granularity = Math.max(granularity - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (size <= 1) break;
    granularity = Math.min(granularity * 2, current.length);
  }
  return current;
}
