/**
 * The bridge from thunderbolt to cerebros (`docs/domains.md`, "How domains talk"): thunderbolt asks for a
 * NAS trial by publishing an event, and never imports the cerebros domain. Cerebros listens on
 * {@link TRIAL_REQUESTED_TOPIC}; when it is disabled the request simply has no listener.
 *
 * @example
 * requestTrial(system.pubsub, system.isoNow(), { requestedBy: 'thunderbolt', generation: 8, population: 5 });
 */
import type { ThunderlineEvent } from '../../src/events.ts';
import { topicOf } from '../../src/events.ts';
import type { PubSub } from '../../src/pubsub/index.ts';

/** The event type of a trial request: the contract between thunderbolt and cerebros. */
export const TRIAL_REQUESTED = 'custom:cerebros.trial_requested';
/** The pubsub topic it is published on. */
export const TRIAL_REQUESTED_TOPIC = topicOf({ type: TRIAL_REQUESTED });

/** What a trial request carries besides `type` and `time`. */
export interface TrialRequest {
  /** Who asked, e.g. `'thunderbolt'`. */
  requestedBy: string;
  /** The automaton generation that triggered the request. */
  generation: number;
  /** Live cells at that generation. */
  population: number;
}

/** Publishes a trial request for cerebros. */
export function requestTrial(pubsub: PubSub<ThunderlineEvent>, time: string, request: TrialRequest): void {
  pubsub.publish(TRIAL_REQUESTED_TOPIC, { ...request, type: TRIAL_REQUESTED, time });
}
