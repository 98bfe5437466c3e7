import { withoutLogContext } from '@hookrail/logger';

/**
 * Group commit for the worker's round trips. Jobs running at once each ask for one item (a
 * claim, a result to record, a gate call); the batcher sends what has gathered as one call,
 * and, while that call is out, gathers the next. Alone, an item goes at once; under load the
 * batches grow by themselves, so a round trip serves many deliveries. A batch runs outside
 * any log context: its lines are no one job's (nor its trace's).
 */
export interface Batcher<I, O> {
  run(item: I): Promise<O>;
}

export function createBatcher<I, O>(options: {
  /** Does the work for a batch; returns one output per item, in order. */
  flush: (items: I[]) => Promise<O[]>;
  /** Items per call, at most. */
  maxBatch: number;
  /** Calls out at once, at most. @defaultValue 1 */
  maxInFlight?: number;
}): Batcher<I, O> {
  const waiting: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  let inFlight = 0;
  let scheduled = false;

  const drain = () => {
    scheduled = false;
    while (waiting.length > 0 && inFlight < (options.maxInFlight ?? 1)) {
      const batch = waiting.splice(0, options.maxBatch);
      inFlight += 1;
      options
        .flush(batch.map((entry) => entry.item))
        .then(
          (outputs) => {
            if (outputs.length !== batch.length) {
              const error = new Error(`a batch of ${batch.length} answered ${outputs.length}`);
              for (const entry of batch) entry.reject(error);
              return;
            }
            // One output per item, checked above; O itself may include undefined.
            batch.forEach((entry, i) => entry.resolve(outputs[i] as O));
          },
          (error: unknown) => {
            for (const entry of batch) entry.reject(error);
          },
        )
        .finally(() => {
          inFlight -= 1;
          drain();
        });
    }
  };

  return {
    run(item) {
      return new Promise<O>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        // Items arriving in the same turn of the event loop go together.
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => withoutLogContext(drain));
        }
      });
    },
  };
}
