#!/usr/bin/env node
// hookrail: the command-line client. `hookrail tail` prints deliveries as they happen.
import { parseArgs } from 'node:util';
import { tail } from './tail.ts';

const usage = `usage: hookrail tail [--app <id or uid>] [--msg <id or eventId>] [--url <url>] [--key <api key>]

Prints the status stream's events as they come. The API's URL and key default to
HOOKRAIL_URL (http://localhost:8080) and HOOKRAIL_API_KEY.`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    app: { type: 'string' },
    msg: { type: 'string' },
    url: { type: 'string' },
    key: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const key = values.key ?? process.env.HOOKRAIL_API_KEY;
if (values.help === true || positionals[0] !== 'tail' || key === undefined) {
  process.stderr.write(`${usage}\n`);
  process.exit(values.help === true ? 0 : 64);
}
process.exitCode = await tail({
  url: (values.url ?? process.env.HOOKRAIL_URL ?? 'http://localhost:8080').replace(/\/+$/, ''),
  key,
  app: values.app,
  msg: values.msg,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
