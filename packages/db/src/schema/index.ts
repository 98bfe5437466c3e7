export * from './tenants.ts';
export * from './api-keys.ts';
export * from './applications.ts';
export * from './event-types.ts';
export * from './endpoints.ts';
export * from './endpoint-secrets.ts';
export * from './settings.ts';
