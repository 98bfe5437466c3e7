import { describe, expect, it } from 'vitest';
import { createLogger, throttledWarnings, withLogContext } from '../src/index.ts';

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
