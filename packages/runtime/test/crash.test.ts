import { describe, expect, it } from 'vitest';
import { runProcess } from '../../../test/support/process.ts';

describe('a process that crashes', () => {
  it.each([
    ['throw', 'uncaughtException'],
    ['reject', 'unhandledRejection'],
  ])(
    'on %s exits 1 with one log line, without the password its error quotes, and nothing from Node',
    async (how, origin) => {
      const p = runProcess('packages/runtime/test/fixtures/crash.ts', {}, [how]);
      expect(await p.exited).toBe(1);
      const output = p.output();
      expect(output).not.toContain('secret');
      // Every line is the logger's: Node printed neither the error nor its stack.
      const lines = output
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      // In either order: the line before was still being written when the process exited (the
      // thread pool finishes it), while the crash's line was written at exit.
      expect(lines).toHaveLength(2);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'info', msg: 'about to crash' }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'fatal',
          msg: 'uncaught error; exiting',
          origin,
          err: expect.objectContaining({
            type: 'Error',
            message: 'lost postgres://u:***@127.0.0.1/db while starting',
          }),
        }),
      );
    },
  );
});
