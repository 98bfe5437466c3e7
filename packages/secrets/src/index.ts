export { keyId, Vault, VaultError } from './vault.ts';
export { keyFileName, loadOrCreateKeyFile } from './key-file.ts';
export { loadVault, warnGeneratedKey, type VaultSettings } from './load.ts';
export { keyCheck, openAtStartup, type KeyCheck } from './startup.ts';
