import { WebSocket } from 'ws';

/** Status stream clients that watch a whole tenant, counting the events they receive. */
export interface Subscribers {
  /** Events received so far, per client. */
  received(): number[];
  close(): void;
}

/**
 * Opens `count` status stream connections to `origin` with the tenant's API key, each
 * subscribed to everything (in batch frames), and resolves once every subscription is in
 * effect.
 */
export async function watchEverything(
  origin: string,
  apiKey: string,
  count: number,
): Promise<Subscribers> {
  const url = `${origin.replace(/^http/, 'ws')}/api/v1/status-stream`;
  const counts = Array.from({ length: count }, () => 0);
  const sockets = await Promise.all(
    counts.map(
      (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` } });
          socket.once('error', reject);
          socket.once('unexpected-response', (_req, res) =>
            reject(new Error(`status stream upgrade answered ${res.statusCode}`)),
          );
          // Batched, as the dashboard and hookrail tail ask: the events ready together come
          // in one frame.
          socket.once('open', () =>
            socket.send(JSON.stringify({ type: 'subscribe', batch: true })),
          );
          socket.on('message', (data: Buffer) => {
            const message = JSON.parse(data.toString('utf8')) as {
              id?: string;
              type: string;
              events?: { id?: string }[];
            };
            if (message.type === 'subscribed') resolve(socket);
            else if (message.type === 'batch')
              counts[i] = (counts[i] ?? 0) + (message.events?.length ?? 0);
            else if (message.id !== undefined) counts[i] = (counts[i] ?? 0) + 1;
          });
        }),
    ),
  );
  return {
    received: () => [...counts],
    close() {
      for (const socket of sockets) socket.terminate();
    },
  };
}
