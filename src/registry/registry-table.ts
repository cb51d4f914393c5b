/**
 * The registry's table (src/registry/registry.ts): one node per registration, linked into its
 * actor's list and (in a duplicate registry) its key's list, so registering and unregistering
 * allocate only the node; and the validation of a registry's options.
 *
 * @example
 * const holder = new Holder(cell, ref);
 * holder.append(new Slot('lobby', undefined, holder, cell, ref));
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Message } from '../actor/behaviour.ts';
import type { ExitLinks } from '../actor/exit-links.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import type { RegistryKeys, RegistryOptions } from './registry-types.ts';

/**
 * One registration: the key, the value, and the actor's cell and public ref. It is a node of two
 * doubly linked lists, its actor's and (in a duplicate registry) its key's, so registering and
 * unregistering allocate nothing beyond the slot. A removed slot keeps its `next` links, so a
 * walk that is standing on it when it goes carries on.
 */
export class Slot {
  prevOfActor: Slot | undefined = undefined;
  nextOfActor: Slot | undefined = undefined;
  prevOfKey: Slot | undefined = undefined;
  nextOfKey: Slot | undefined = undefined;
  removed = false;

  constructor(
    readonly key: unknown,
    public value: unknown,
    readonly holder: Holder,
    readonly cell: ExitLinks,
    readonly ref: ActorRef<Message>,
  ) {}
}

/** One actor in one registry: its registrations, in registration order. */
export class Holder {
  first: Slot | undefined = undefined;
  last: Slot | undefined = undefined;
  size = 0;

  constructor(
    readonly cell: ExitLinks,
    readonly ref: ActorRef<Message>,
  ) {}

  append(slot: Slot): void {
    slot.prevOfActor = this.last;
    if (this.last === undefined) this.first = slot;
    else this.last.nextOfActor = slot;
    this.last = slot;
    this.size += 1;
  }

  unlink(slot: Slot): void {
    if (slot.prevOfActor === undefined) this.first = slot.nextOfActor;
    else slot.prevOfActor.nextOfActor = slot.nextOfActor;
    if (slot.nextOfActor === undefined) this.last = slot.prevOfActor;
    else slot.nextOfActor.prevOfActor = slot.prevOfActor;
    this.size -= 1;
  }
}

/** The registrations under one key of a duplicate registry, in registration order. */
export class Group {
  first: Slot | undefined = undefined;
  last: Slot | undefined = undefined;
  size = 0;

  append(slot: Slot): void {
    slot.prevOfKey = this.last;
    if (this.last === undefined) this.first = slot;
    else this.last.nextOfKey = slot;
    this.last = slot;
    this.size += 1;
  }

  unlink(slot: Slot): void {
    if (slot.prevOfKey === undefined) this.first = slot.nextOfKey;
    else slot.prevOfKey.nextOfKey = slot.nextOfKey;
    if (slot.nextOfKey === undefined) this.last = slot.prevOfKey;
    else slot.nextOfKey.prevOfKey = slot.prevOfKey;
    this.size -= 1;
  }
}

/** Keys compare as `Map` keys do (SameValueZero): NaN is NaN, 0 is -0. */
export function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

const OPTION_NAMES = new Set(['keys', 'name']);
let registries = 0;

export function validateOptions(options: RegistryOptions): { keys: RegistryKeys; name: string } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ThunderlineError(
      'ERR_INVALID_OPTION',
      `registry options must be an object such as { keys: "unique" }, got ${describeValue(options)}`,
    );
  }
  const { keys, name } = options;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new ThunderlineError('ERR_INVALID_OPTION', `registry name must be a non-empty string, got ${describeValue(name)}`);
  }
  registries += 1;
  const label = name ?? `registry#${registries}`;
  if (keys !== 'unique' && keys !== 'duplicate') {
    throw new ThunderlineError(
      'ERR_INVALID_OPTION',
      `registry "${label}": keys must be "unique" or "duplicate", got ${describeValue(keys)}`,
    );
  }
  for (const option of Object.keys(options)) {
    if (!OPTION_NAMES.has(option)) {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${label}": unknown option ${describeValue(option)}; the options are keys and name`,
      );
    }
  }
  return { keys, name: label };
}
