export { ConfigError } from './config-error.ts';
export { parseEnv } from './parse-env.ts';
export { byteSize, booleanFlag, integer, logLevel, redisPrefix, url } from './fields.ts';
export { baseEnv, baseEnvSchema, type BaseConfig, baseConfig } from './base.ts';
