export { createApp, type AppDeps } from './app.ts';
export { loadApiConfig, type ApiConfig } from './config.ts';
export { startApi, type RunningApi, type StartApiOptions } from './start.ts';
