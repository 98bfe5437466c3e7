export { keyId, Vault, VaultError } from './vault.ts';
export { keyFileName, loadOrCreateKeyFile } from './key-file.ts';
export { loadVault, warnGeneratedKey, type VaultSettings } from './load.ts';
export { openAtStartup } from './startup.ts';
