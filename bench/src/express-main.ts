// Reference for ingest: what a bare express 5 server does with the same request, parse the
// JSON body and answer 202, with nothing stored. Hookrail's ingest is measured as a ratio to it.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/api/v1/app/:app/msg', (req, res) => {
  res.status(202).json({ id: randomUUID(), ...(req.body as object) });
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
