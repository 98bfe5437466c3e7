// `npm run test:cluster`: the delivery tests against a Redis Cluster of three masters on free
// loopback ports, with the delivery queue in several partitions. Starts the cluster in a
// temporary directory, runs the tests (extra arguments go to vitest), stops the cluster.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { RedisCluster } from '../test/support/redis-cluster.ts';

/** The tests that deliver: they run unchanged on the cluster. */
const deliveryTests = [
  'test/delivery.test.ts',
  'test/claims.test.ts',
  'test/fairness.test.ts',
  'test/throttle.test.ts',
  'test/circuit-breaker.test.ts',
  'test/retry-after.test.ts',
  'test/bulk-retry.test.ts',
  'test/endpoint-state-delivery.test.ts',
  'test/slow-endpoints.test.ts',
  'test/redis-cluster.test.ts',
];

const partitions = process.env.TEST_QUEUE_PARTITIONS ?? '8';
const cluster = new RedisCluster(3);
/** vitest's exit code; null when it was ended by a signal. */
async function run(): Promise<number | null> {
  await cluster.start();
  process.stdout.write(`redis cluster on ${cluster.nodes}; ${partitions} queue partitions\n`);
  const args = process.argv.slice(2);
  const vitest = spawn(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', ...(args.length > 0 ? args : deliveryTests)],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        TEST_REDIS_URL: cluster.url,
        TEST_REDIS_CLUSTER_NODES: cluster.nodes,
        TEST_QUEUE_PARTITIONS: partitions,
      },
    },
  );
  const stop = () => vitest.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const [code] = (await once(vitest, 'exit')) as [number | null];
  return code;
}

try {
  process.exitCode = (await run()) ?? 1;
} finally {
  await cluster.stop();
}
