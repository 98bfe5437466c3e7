export { createApp, type AppDeps, type HookrailApp } from './app.ts';
export { apiEnvVariables, loadApiConfig, type ApiConfig } from './config.ts';
export { startApi, type RunningApi, type StartApiOptions } from './start.ts';
