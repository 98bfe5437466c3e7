import { describe, expect, it } from 'vitest';
import { createLogger, hidePasswords, throttledWarnings, withLogContext } from '../src/index.ts';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'test',
    destination: { write: (line: string) => lines.push(line) },
  });
  return { logger, lines };
}

describe('the logger', () => {
  it("logs a failed query's error without its parameters, down the cause chain", () => {
    const { logger, lines } = capture();
    // The shape of drizzle's DrizzleQueryError: parameters in a field, the message and the stack.
    const driver = Object.assign(new Error('connection terminated'), { code: '57P01' });
    const failed = Object.assign(
      new Error(
        'Failed query: insert into endpoints (url, headers) values ($1, $2)\nparams: https://example.com/hook?token=abc123,{"authorization":"Bearer s3cret"}',
      ),
      {
        params: ['https://example.com/hook?token=abc123', '{"authorization":"Bearer s3cret"}'],
        cause: driver,
      },
    );
    const wrapped = new Error('could not record', { cause: failed });
    logger.warn({ err: failed }, 'database unavailable');
    logger.warn({ err: wrapped }, 'wrapped');

    for (const line of lines) {
      expect(line).not.toContain('abc123');
      expect(line).not.toContain('s3cret');
    }
    const [first] = lines.map((line) => JSON.parse(line) as { err: Record<string, unknown> });
    expect(first?.err.message).toBe(
      'Failed query: insert into endpoints (url, headers) values ($1, $2)\nparams: [redacted]',
    );
    expect(first?.err.stack).toContain('\nparams: [redacted]\n    at ');
    expect(first?.err.stack).toContain('caused by: Error: connection terminated');
  });

  it('logs an error quoting a connection URL without its password, in any field and its cause', () => {
    const { logger, lines } = capture();
    // As Node's invalid-URL error carries it: in a field of its own.
    const invalid = Object.assign(new TypeError('Invalid URL'), {
      input: 'postgres://hookrail:pw-in-input@db:bad/hookrail',
    });
    const wrapped = new Error('cannot reach redis://:pw-in-message@127.0.0.1:6379', {
      cause: new Error('refused by postgres://u:pw-in-cause@db/hookrail'),
    });
    logger.error({ err: invalid }, 'start-up failed');
    logger.error({ err: wrapped }, 'start-up failed');
    for (const line of lines) {
      for (const password of ['pw-in-input', 'pw-in-message', 'pw-in-cause']) {
        expect(line).not.toContain(password);
      }
    }
    const [first, second] = lines.map(
      (line) => JSON.parse(line) as { err: Record<string, unknown> },
    );
    expect(first?.err.input).toBe('postgres://hookrail:***@db:bad/hookrail');
    expect(second?.err.message).toContain('cannot reach redis://:***@127.0.0.1:6379');
    expect(second?.err.stack).toContain('refused by postgres://u:***@db/hookrail');
  });

  it('logs a string thrown in place of an error without the password it quotes', () => {
    const { logger, lines } = capture();
    logger.fatal({ err: 'cannot reach postgres://u:pw-in-string@db/hookrail' }, 'crashed');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      err: 'cannot reach postgres://u:***@db/hookrail',
    });
  });

  it("logs a refused Redis command's error without the command's arguments", () => {
    const { logger, lines } = capture();
    // As ioredis reports a refused AUTH: the command and its arguments on the error.
    const refused = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['redis-password-77'] },
    });
    logger.warn({ err: refused }, 'redis connection error');
    expect(lines[0]).not.toContain('redis-password-77');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      err: { command: { name: 'auth', args: '[redacted]' } },
    });
  });

  it('leaves other errors as they are', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('boom') }, 'failed');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ err: { message: 'boom', type: 'Error' } });
  });
});

describe('log context and throttled warnings', () => {
  it('every line written inside withLogContext carries its fields, across awaits', async () => {
    const { logger, lines } = capture();
    await withLogContext({ requestId: 'req_abc' }, async () => {
      logger.info('before');
      await new Promise((resolve) => setImmediate(resolve));
      logger.child({ role: 'api' }).warn('after');
    });
    logger.info('outside');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => line.requestId)).toEqual(['req_abc', 'req_abc', undefined]);
  });

  it('a context opened inside another adds its fields to the outer ones, until it ends', () => {
    const { logger, lines } = capture();
    withLogContext({ requestId: 'req_abc' }, () => {
      withLogContext({ traceId: 't1', spanId: 's1' }, () => logger.info('inner'));
      logger.info('outer');
    });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      parsed.map(({ requestId, traceId, spanId }) => ({ requestId, traceId, spanId })),
    ).toEqual([
      { requestId: 'req_abc', traceId: 't1', spanId: 's1' },
      { requestId: 'req_abc', traceId: undefined, spanId: undefined },
    ]);
  });

  it('a warning of one kind is written once per interval, the next one counting the rest', () => {
    const { logger, lines } = capture();
    let now = 0;
    const warn = throttledWarnings(logger, { everyMs: 10_000, now: () => now });
    for (let i = 0; i < 50; i++) warn('redis', { n: i }, 'redis connection error');
    warn('postgres', {}, 'postgres away');
    now = 10_000;
    warn('redis', { n: 50 }, 'redis connection error');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map(({ msg, n, suppressed }) => ({ msg, n, suppressed }))).toEqual([
      { msg: 'redis connection error', n: 0, suppressed: undefined },
      { msg: 'postgres away', n: undefined, suppressed: undefined },
      { msg: 'redis connection error', n: 50, suppressed: 49 },
    ]);
  });
});

describe('hidePasswords', () => {
  it('hides the password of URLs and user:password@host pairs, and nothing else', () => {
    expect(hidePasswords('postgres://user:pass@db.internal:5432/hookrail')).toBe(
      'postgres://user:***@db.internal:5432/hookrail',
    );
    expect(hidePasswords('at redis://:pass@127.0.0.1:6379 and rediss://u:p@h')).toBe(
      'at redis://:***@127.0.0.1:6379 and rediss://u:***@h',
    );
    // Characters its writer did not percent-encode: all of it goes, not part.
    expect(hidePasswords('(got "postgres://u:p@ss/w:rd@host/db")')).toBe(
      '(got "postgres://u:***@host/db")',
    );
    expect(hidePasswords('admin:pw@10.0.0.1:7000,admin:pw@10.0.0.2:7000')).toBe(
      'admin:***@10.0.0.2:7000',
    );
    for (const plain of [
      'postgres://postgres@127.0.0.1:5432/hookrail',
      'connect ECONNREFUSED 127.0.0.1:5432',
      '    at file:///work/node_modules/@hookrail/db/src/migrate.ts:12:5',
    ]) {
      expect(hidePasswords(plain)).toBe(plain);
    }
  });
});
