export { loadStandaloneConfig, standaloneEnvVariables } from './config.ts';
