// A webhook receiver for trying Hookrail out: `npm run receiver -- --fail 2 --secret whsec_...`
// It listens on 127.0.0.1 (port 9000 by default), answers the first --fail requests with 500
// and the rest with 200, verifies signatures with the standardwebhooks library when given the
// endpoint's secret, and prints one line per request.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    fail: { type: 'string', default: '0' },
    secret: { type: 'string' },
  },
});
const failFirst = Number(values.fail);
const verifier = values.secret === undefined ? undefined : new Webhook(values.secret);
let count = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    count += 1;
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => String(req.headers[name] ?? '');
    let verified = 'not checked (no --secret)';
    if (verifier !== undefined) {
      try {
        verifier.verify(body, {
          'webhook-id': header('webhook-id'),
          'webhook-timestamp': header('webhook-timestamp'),
          'webhook-signature': header('webhook-signature'),
        });
        verified = 'valid';
      } catch (error) {
        verified = `INVALID (${error instanceof Error ? error.message : String(error)})`;
      }
    }
    const status = count <= failFirst ? 500 : 200;
    process.stdout.write(
      `#${count} ${req.method ?? ''} ${req.url ?? ''} webhook-id=${header('webhook-id')} ` +
        `signature ${verified} -> ${status}\n  ${body}\n`,
    );
    res
      .writeHead(status, { 'content-type': 'text/plain' })
      .end(status === 200 ? 'ok' : 'failing on purpose');
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`receiver listening on http://127.0.0.1:${values.port}\n`);
});
