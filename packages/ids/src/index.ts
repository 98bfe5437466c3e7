import { randomBytes } from 'node:crypto';

/**
 * Prefixed, time-sortable identifiers: `<prefix>_<10 chars of time><16 chars of randomness>`
 * in lowercase Crockford base32 (the ULID layout). Ids of one kind sort by creation time as
 * plain byte strings (the id columns use the "C" collation), so a cursor over ids is a
 * cursor over time, and a time bound is an id bound (see `idFloor`).
 */
export const prefixes = {
  tenant: 'tnt',
  apiKey: 'key',
  application: 'app',
  endpoint: 'ep',
  endpointSecret: 'esec',
  message: 'msg',
  delivery: 'dlv',
  attempt: 'atmpt',
  task: 'task',
} as const;

export type IdKind = keyof typeof prefixes;
export type Id<K extends IdKind> = `${(typeof prefixes)[K]}_${string}`;

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const timeChars = 10;
const randomChars = 16;
const maxTime = 2 ** 48 - 1;
const bodyPattern = new RegExp(`^[${alphabet}]{${timeChars + randomChars}}$`);

function encode(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = alphabet.charAt(Number(rest & 31n)) + out;
    rest >>= 5n;
  }
  return out;
}

// Monotonic within a process: ids made in the same millisecond increment the random part,
// so resources created back to back list in the order they were created. Ids of the system
// clock and ids of clocks given by callers keep a sequence each, so that writing history
// with an earlier clock neither moves nor is held by the ids being made now.
interface Sequence {
  time: number;
  random: bigint;
}
const systemSequence: Sequence = { time: -1, random: 0n };
const givenSequence: Sequence = { time: -1, random: 0n };
const randomMask = (1n << 80n) - 1n;

export interface IdSource {
  /**
   * Milliseconds since the epoch. A clock given here makes ids of its times (monotonic among
   * themselves), also earlier than ids already made: history written as it was, in tests.
   * @defaultValue Date.now
   */
  now?: () => number;
}

export function newId<K extends IdKind>(kind: K, source: IdSource = {}): Id<K> {
  let time = (source.now ?? Date.now)();
  if (time < 0 || time > maxTime) throw new RangeError(`time ${time} cannot be encoded in an id`);
  const last = source.now === undefined ? systemSequence : givenSequence;
  // The system clock going back is held at the last time; a given clock is taken at its word.
  if (time === last.time || (source.now === undefined && time < last.time)) {
    time = last.time;
    last.random = (last.random + 1n) & randomMask;
  } else {
    last.time = time;
    last.random = BigInt(`0x${randomBytes(10).toString('hex')}`);
  }
  return `${prefixes[kind]}_${encode(BigInt(time), timeChars)}${encode(last.random, randomChars)}`;
}

/** True when `value` has the shape of an id of `kind` (it may still not exist). */
export function isId<K extends IdKind>(kind: K, value: string): value is Id<K> {
  const prefix = `${prefixes[kind]}_`;
  return value.startsWith(prefix) && bodyPattern.test(value.slice(prefix.length));
}

/** The creation time encoded in an id. */
export function idTime(id: string): Date {
  const body = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 1 + timeChars);
  let ms = 0;
  for (const char of body) ms = ms * 32 + alphabet.indexOf(char);
  return new Date(ms);
}

/**
 * The smallest id of `kind` created at or after `time`: `id >= idFloor(kind, t)` selects
 * exactly the ids created at or after `t` (millisecond resolution).
 */
export function idFloor<K extends IdKind>(kind: K, time: Date): Id<K> {
  const ms = Math.min(Math.max(time.getTime(), 0), maxTime);
  return `${prefixes[kind]}_${encode(BigInt(ms), timeChars)}${'0'.repeat(randomChars)}`;
}
