// `npm run bench`: Hookrail against its references, measured in the same run. See
// docs/benchmarks.md for what each scenario does and the latest figures.
import { mkdirSync } from 'node:fs';
import { createContext, type ScenarioResult, type Context } from './context.ts';
import { parseOptions, type ScenarioName } from './options.ts';
import { logDir } from './process.ts';
import { Receivers } from './receiver.ts';
import { runInfo, writeResults } from './report.ts';
import { backlog } from './scenarios/backlog.ts';
import { drain } from './scenarios/drain.ts';
import { fairness } from './scenarios/fairness.ts';
import { fanout } from './scenarios/fanout.ts';
import { ingest } from './scenarios/ingest.ts';
import { latency } from './scenarios/latency.ts';
import { mixed } from './scenarios/mixed.ts';
import { roundtrips } from './scenarios/roundtrips.ts';
import { stream } from './scenarios/stream.ts';
import { workers } from './scenarios/workers.ts';
import { BenchDatabase, BenchRedis } from './services.ts';

const scenarios: Record<ScenarioName, (ctx: Context) => Promise<ScenarioResult>> = {
  ingest,
  drain,
  latency,
  fanout,
  mixed,
  backlog,
  roundtrips,
  fairness,
  stream,
  workers,
};

const options = parseOptions(process.argv.slice(2));
const started = Date.now();
mkdirSync(logDir, { recursive: true });
const db = new BenchDatabase(options.postgresUrl);
const redis = new BenchRedis();
let receivers: Receivers | undefined;
try {
  await redis.start();
  await db.prepareTemplate();
  receivers = await Receivers.start();
  const ctx = createContext(options, db, redis, receivers);
  ctx.say(
    `${options.quick ? 'quick' : 'full'} run, ${options.split ? 'split' : 'all-in-one'}: ${options.only.join(', ')}`,
  );
  const postgres = await db.serverVersion();
  for (const name of options.only) {
    ctx.say(`${name}…`);
    ctx.earlier.set(name, await scenarios[name](ctx));
    // Written after every scenario, so that an interrupted run keeps what it measured.
    const info = runInfo(options, postgres, started);
    const file = await writeResults(info, options, ctx.earlier);
    ctx.say(`${name} done; ${info.minutes} min so far: ${file} and docs/benchmarks.md`);
  }
} finally {
  await receivers?.stop();
  await db.dropAll().catch(() => undefined);
  await redis.stop();
}
