// Live updates from the status stream (GET /api/v1/status-stream, a WebSocket). A browser
// cannot set headers on a WebSocket, so the page first asks the REST API, with its session,
// for a short-lived stream token and passes it in the query string. The subscriber portal
// passes its portal token there instead (the stream accepts it, for its application only;
// the API never logs query strings).
import { useEffect, useRef, useState } from 'react';
import { bearerToken, request } from './api.ts';

export interface StreamEvent {
  id?: string;
  type: string;
  data?: { msgId?: string; appId?: string; endpointId?: string; status?: string };
}

/** A frame from the stream: an event, a batch of them, or a control message. */
interface StreamFrame extends StreamEvent {
  events?: StreamEvent[];
}

export interface StreamFilter {
  appId?: string;
  endpointId?: string;
  msgId?: string;
  eventTypes?: string[];
  types?: string[];
}

const reconnectMs = 2000;
/** Events arriving together cause one call. */
const burstMs = 250;

/**
 * Calls `onChange` after events through `filter` arrive (once per burst), for as long as the
 * component is mounted. After a dropped connection it reconnects and resumes from the last
 * event seen; a `gap` (events lost meanwhile) is a change like any other, so the page reloads.
 */
export function useStatusStream(
  key: string,
  filter: StreamFilter,
  onChange: () => void,
): 'connecting' | 'live' {
  const handler = useRef(onChange);
  handler.current = onChange;
  const [state, setState] = useState<'connecting' | 'live'>('connecting');
  useEffect(() => {
    setState('connecting');
    let socket: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let burst: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let lastEventId: string | undefined;

    const connect = async () => {
      let token = bearerToken();
      try {
        token ??= (
          await request<{ token: string }>('/api/v1/auth/stream-token', {
            method: 'POST',
            body: { ttlSeconds: 3600 },
          })
        ).token;
      } catch {
        retry();
        return;
      }
      if (stopped) return;
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const url = `${scheme}//${location.host}/api/v1/status-stream?token=${encodeURIComponent(token)}`;
      const ws = new WebSocket(url);
      socket = ws;
      ws.onopen = () => {
        if (stopped) {
          ws.close();
          return;
        }
        // After a drop, one resume with the filter: the missed events come first, in order.
        // Batched: the events ready together arrive in one frame, parsed once.
        ws.send(
          JSON.stringify(
            lastEventId === undefined
              ? { type: 'subscribe', ...filter, batch: true }
              : { type: 'resume', lastEventId, ...filter, batch: true },
          ),
        );
      };
      ws.onmessage = (message) => {
        if (typeof message.data !== 'string') return;
        const frame = JSON.parse(message.data) as StreamFrame;
        if (frame.type === 'subscribed') setState('live');
        if (frame.type === 'subscribed' || frame.type === 'error') return;
        for (const event of frame.type === 'batch' ? (frame.events ?? []) : [frame]) {
          if (event.id !== undefined) lastEventId = event.id;
        }
        burst ??= setTimeout(() => {
          burst = undefined;
          handler.current();
        }, burstMs);
      };
      ws.onclose = (close) => {
        if (!stopped) setState('connecting');
        // 4401: the credentials ended (the session too, most likely): do not hammer.
        if (!stopped && close.code !== 4401) retry();
      };
    };
    const retry = () => {
      if (!stopped) timer = setTimeout(() => void connect(), reconnectMs);
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(burst);
      // Closing a socket that is still connecting makes the browser log an error.
      if (socket?.readyState === WebSocket.CONNECTING) socket.onopen = () => socket?.close();
      else socket?.close();
    };
    // `filter` is described by `key`; the handler is read through a ref.
  }, [key]);
  return state;
}
