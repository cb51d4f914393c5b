/**
 * Gates for driving races deterministically: a promise the test opens by hand, and a wait for a
 * condition that looks after each turn of the event loop (never on a timer).
 *
 * @example
 * const held = gate();
 * const domain = defineDomain({ name: 'slow', activate: () => held.promise });
 * held.open();
 */

/** A promise the test resolves by hand with `open()`. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

/** A new closed {@link Gate}. */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once `condition` holds, looking after each turn of the event loop. Bound it with `within`. */
export function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = (): void => {
      if (condition()) resolve();
      else setImmediate(look);
    };
    look();
  });
}
