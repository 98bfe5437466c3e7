import type { z } from 'zod';
import { ConfigError } from './config-error.ts';

type Env = Record<string, string | undefined>;

/**
 * Parses the environment once, at boot. The schema's keys are the variable names, so every
 * problem is reported against the variable an operator has to change. Empty strings count
 * as unset, the way shells and compose files usually mean them.
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
      const raw = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
      return `${variable}: ${issue.message}${raw === undefined ? '' : ` (got "${raw}")`}`;
    }),
  );
}
