// The receivers, in a process of their own: every webhook of a benchmark lands here. The
// first path segment says how to answer: /ok/... 200, /fail/... 500, /hang/... never (the
// sender's timeout ends it). Each request is recorded as (kind, webhook-id, time of arrival);
// the harness reads the records over /__receipts and clears them with /__reset.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nowMs } from './stats.ts';

type Kind = 'ok' | 'fail' | 'hang';
const kinds: Kind[] = ['ok', 'fail', 'hang'];

let ids: Record<Kind, string[]> = { ok: [], fail: [], hang: [] };
let times: Record<Kind, number[]> = { ok: [], fail: [], hang: [] };
const hanging = new Set<ServerResponse>();

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/__')) {
    if (url === '/__reset') {
      ids = { ok: [], fail: [], hang: [] };
      times = { ok: [], fail: [], hang: [] };
      reply(res, 200, '{}');
    } else if (url === '/__count') {
      reply(
        res,
        200,
        JSON.stringify({ ok: ids.ok.length, fail: ids.fail.length, hang: ids.hang.length }),
      );
    } else if (url.startsWith('/__receipts')) {
      const kind = (new URL(url, 'http://x').searchParams.get('kind') ?? 'ok') as Kind;
      reply(res, 200, JSON.stringify({ ids: ids[kind], times: times[kind] }));
    } else {
      reply(res, 404, '{}');
    }
    return;
  }
  const kind = kinds.find((k) => url.startsWith(`/${k}/`)) ?? 'ok';
  req.resume(); // read the body, as a real receiver would, without keeping it
  req.on('end', () => {
    ids[kind].push(String(req.headers['webhook-id'] ?? ''));
    times[kind].push(nowMs());
    if (kind === 'ok') reply(res, 200, 'ok');
    else if (kind === 'fail') reply(res, 500, 'failing on purpose');
    else {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  for (const res of hanging) res.destroy();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
