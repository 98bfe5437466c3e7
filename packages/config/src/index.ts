export { ConfigError } from './config-error.ts';
export { parseEnv } from './parse-env.ts';
export { listenError, StartupError } from './startup-error.ts';
export {
  byteSize,
  booleanFlag,
  duration,
  hostPortList,
  integer,
  logLevel,
  networkList,
  redisPrefix,
  seconds,
  url,
} from './fields.ts';
export {
  baseEnv,
  baseEnvSchema,
  type BaseConfig,
  baseConfig,
  redisTarget,
  outboundConfig,
  outboundEnv,
  type OutboundConfig,
  streamConfig,
  streamEnv,
  type StreamConfig,
} from './base.ts';
export {
  observabilityConfig,
  observabilityEnv,
  type ObservabilityConfig,
} from './observability.ts';
