import { crc32 } from 'node:zlib';
import { hashTag } from './redis.ts';

/**
 * The `deliver` queue is split into `count` partitions (`HOOKRAIL_QUEUE_PARTITIONS`), each
 * a BullMQ queue under a hash tag of its own, so that a Redis Cluster spreads them over its
 * masters: with one tag, every queue operation lands on one slot, and a cluster adds nothing.
 *
 * An endpoint's jobs all go to one partition, `crc32(endpoint id) mod count`, so each
 * partition holds whole endpoints. Partition 0 is the queue as it was before partitions
 * (`{prefix}`), so a deployment with the default of 1 changes nothing; partition k > 0 is
 * `{prefix#k}` ('#' cannot occur in a prefix, so no other prefix's tag can be one of these).
 * Everything that is not a `deliver` queue (the status stream, fair-share counts, endpoint
 * gates, the task queue, caches' channel) stays under `{prefix}`.
 */
export function partitionOf(endpointId: string, count: number): number {
  return count <= 1 ? 0 : crc32(endpointId) % count;
}

/** The hash tag of partition `index`: the BullMQ prefix of its `deliver` queue. */
export function partitionTag(prefix: string, index: number): string {
  return index === 0 ? hashTag(prefix) : hashTag(`${prefix}#${index}`);
}

/** 0, 1, ..., count - 1. */
export function partitionIndexes(count: number): number[] {
  return Array.from({ length: Math.max(1, count) }, (_, i) => i);
}
