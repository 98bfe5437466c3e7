import { hidePasswords } from '@hookrail/logger';
import type { z } from 'zod';
import { ConfigError } from './config-error.ts';

type Env = Record<string, string | undefined>;

/** Variables whose values may be credentials: an error names them without quoting the value. */
const secretName = /(TOKEN|SECRET|KEYS?|PASSWORD|HEADERS)$/;

/**
 * Parses the environment once, at boot. The schema's keys are the variable names, so every
 * problem is reported against the variable an operator has to change. Empty strings count
 * as unset, the way shells and compose files usually mean them. The value a variable had is
 * quoted unless its name says it may be a credential (`..._TOKEN`, `..._KEY`, `..._HEADERS`...),
 * and a password in it (`postgres://user:pass@host`, `redis://:pass@host`, `user:pass@host:port`)
 * is quoted as `***`.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || 'environment';
      const name = issue.path[0];
      const raw = typeof name === 'string' ? cleaned[name] : undefined;
      if (raw === undefined) return `${variable}: ${issue.message}`;
      if (secretName.test(variable)) return `${variable}: ${issue.message} (value not shown)`;
      return `${variable}: ${issue.message} (got "${hidePasswords(raw)}")`;
    }),
  );
}
