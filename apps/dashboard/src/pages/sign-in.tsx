import { useState, type SyntheticEvent } from 'react';
import { ApiError, request, type Session } from '../api.ts';

/** Operator sign-in: the API key is sent once and exchanged for a session cookie. */
export function SignIn(props: { onSignedIn: (session: Session) => void; ended: boolean }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await request<Session>('/api/v1/dashboard/session', {
        method: 'POST',
        headers: { authorization: `Bearer ${key.trim()}` },
      });
      setKey('');
      props.onSignedIn(session);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'That API key is unknown or has been revoked.'
          : String(caught instanceof Error ? caught.message : caught),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Hookrail</h1>
      <form onSubmit={(event) => void submit(event)}>
        <h2>Sign in</h2>
        {props.ended && <p>Your session has ended. Sign in again to continue.</p>}
        <label htmlFor="api-key">Tenant API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="hrk_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
          autoFocus
        />
        <p className="hint">
          The key is exchanged for a session of 8 hours; this page does not keep it.
        </p>
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
