import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { formatEvent, type StreamEvent } from './format.ts';

export interface TailOptions {
  url: string;
  key: string;
  /** Application id or uid. */
  app?: string | undefined;
  /** Message id, or its eventId (with `app`). */
  msg?: string | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Close codes after which reconnecting and resuming is the right thing to do. */
const resumable = new Set([1001, 1006, 4429]);

async function getJson(options: TailOptions, path: string): Promise<{ id: string }> {
  const res = await fetch(`${options.url}${path}`, {
    headers: { authorization: `Bearer ${options.key}` },
  });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/** The subscription: uids and eventIds are turned into ids through the REST API. */
async function filterOf(options: TailOptions): Promise<Record<string, string>> {
  const filter: Record<string, string> = {};
  if (options.app !== undefined) {
    filter.appId = (await getJson(options, `/api/v1/app/${encodeURIComponent(options.app)}`)).id;
  }
  if (options.msg !== undefined) {
    if (options.msg.startsWith('msg_')) filter.msgId = options.msg;
    else if (filter.appId === undefined) throw new Error('--msg with an eventId needs --app');
    else {
      const path = `/api/v1/app/${filter.appId}/msg/${encodeURIComponent(options.msg)}?with_content=false`;
      filter.msgId = (await getJson(options, path)).id;
    }
  }
  return filter;
}

/**
 * Prints events until interrupted. Reconnects (and resumes from the last event seen) when the
 * server goes away or closes it as too slow; gives up on refused credentials. Resolves with
 * the process's exit code.
 */
export async function tail(options: TailOptions): Promise<number> {
  let filter: Record<string, string>;
  try {
    filter = await filterOf(options);
  } catch (error) {
    options.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
  let lastEventId: string | undefined;
  for (let failures = 0; ;) {
    const socket = new WebSocket(`${options.url.replace(/^http/, 'ws')}/api/v1/status-stream`, {
      headers: { authorization: `Bearer ${options.key}` },
    });
    const outcome = await new Promise<{ code: number; refused?: number }>((resolve) => {
      socket.on('unexpected-response', (_req, res) =>
        resolve({ code: 0, refused: res.statusCode }),
      );
      socket.on('open', () => {
        failures = 0;
        // After a drop, one resume with the filter: the missed events come first, in order.
        // Batched: the events ready together arrive in one frame.
        socket.send(
          JSON.stringify(
            lastEventId === undefined
              ? { type: 'subscribe', ...filter, batch: true }
              : { type: 'resume', lastEventId, ...filter, batch: true },
          ),
        );
      });
      socket.on('message', (data: Buffer) => {
        const event = JSON.parse(data.toString('utf8')) as StreamEvent;
        if (event.type === 'subscribed') {
          options.err(`watching ${options.url} ${JSON.stringify(filter)}`);
          return;
        }
        if (event.type === 'error') {
          options.err(`error: ${event.code ?? ''} ${event.detail ?? ''}`);
          return;
        }
        for (const one of event.type === 'batch' ? (event.events ?? []) : [event]) {
          if (one.id !== undefined) lastEventId = one.id;
          options.out(formatEvent(one));
        }
      });
      socket.on('close', (code) => resolve({ code }));
      socket.on('error', () => undefined); // 'close' follows
    });
    if (outcome.refused !== undefined) {
      options.err(`the server refused the connection (${outcome.refused}): check the key and URL`);
      return 1;
    }
    if (outcome.code === 4401) {
      options.err('the credentials expired or were revoked');
      return 1;
    }
    if (!resumable.has(outcome.code)) return outcome.code === 1000 ? 0 : 1;
    failures += 1;
    options.err(`disconnected (${outcome.code}); reconnecting`);
    await sleep(Math.min(250 * 2 ** failures, 10_000));
  }
}
