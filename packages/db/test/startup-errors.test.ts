// The one-line start-up errors, for the cases the test Postgres (trust authentication) cannot
// produce end to end; test/startup-errors.test.ts runs the others through the real processes.
import { StartupError } from '@hookrail/config';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startupError } from '../src/startup-errors.ts';

/** The error pg raises for a server's ErrorResponse with this SQLSTATE and message. */
function serverError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

describe('startupError', () => {
  it('names a wrong password without repeating it, and says where to correct it', () => {
    const cause = serverError('28P01', 'password authentication failed for user "hookrail"');
    const error = startupError(cause, 'postgres://hookrail:s3cret-pw@db.internal:6432/hookrail');
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).message).toBe(
      'Postgres at db.internal:6432 refused the password of user "hookrail": correct the password in DATABASE_URL',
    );
    expect((error as StartupError).cause).toBe(cause);
  });

  it('leaves an error no person can fix in the settings as it is', () => {
    const cause = serverError('XX000', 'internal error');
    expect(startupError(cause, 'postgres://hookrail@127.0.0.1/hookrail')).toBe(cause);
  });
});
