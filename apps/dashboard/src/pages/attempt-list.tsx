import type { Attempt } from '../api.ts';
import { Time } from '../components/time.tsx';

/** A delivery's attempts, newest first: what was sent, and what came back. */
export function AttemptList(props: { attempts: Attempt[] }) {
  if (props.attempts.length === 0) return <p className="state empty">No attempt yet.</p>;
  return (
    <ol className="attempts">
      {props.attempts.map((attempt) => (
        <li key={attempt.id} className={attempt.statusText}>
          <p className="attempt-summary">
            <strong>
              Attempt {attempt.attemptNumber}
              {attempt.triggerType === 1 ? ' (manual)' : ''}
            </strong>{' '}
            · <Time value={attempt.timestamp} /> ·{' '}
            <span className="outcome">
              {attempt.responseStatusCode === 0
                ? 'no response'
                : `HTTP ${attempt.responseStatusCode}`}
            </span>{' '}
            · {attempt.responseDurationMs} ms
          </p>
          {attempt.error !== null && <p className="attempt-error">{attempt.error}</p>}
          {attempt.response !== '' && (
            <pre className="response" tabIndex={0} aria-label="Response excerpt">
              {attempt.response}
            </pre>
          )}
          <details>
            <summary>Request headers</summary>
            <table className="headers">
              <tbody>
                {Object.entries(attempt.requestHeaders).map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>
                      <code>{value}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </li>
      ))}
    </ol>
  );
}
