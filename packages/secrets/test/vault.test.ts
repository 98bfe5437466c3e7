import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyId, loadOrCreateKeyFile, loadVault, Vault, VaultError } from '../src/index.ts';

describe('the vault', () => {
  const key = randomBytes(32);

  it('seals with a fresh IV every time and opens what it sealed', () => {
    const vault = new Vault(key);
    const secret = Buffer.from('whsec key material');
    const a = vault.seal(secret);
    const b = vault.seal(secret);
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^enc:v1:${keyId(key)}:`));
    expect(a).not.toContain(secret.toString('base64'));
    expect(vault.open(a)).toEqual(secret);
    expect(vault.openText(vault.seal('text'))).toBe('text');
  });

  it('opens values sealed with a previous key, and knows they are stale', () => {
    const old = new Vault(key);
    const sealed = old.seal('rotate me');
    const next = new Vault(randomBytes(32), [key]);
    expect(next.openText(sealed)).toBe('rotate me');
    expect(next.isStale(sealed)).toBe(true);
    expect(next.isStale(next.seal('x'))).toBe(false);
    expect(() => new Vault(randomBytes(32)).open(sealed)).toThrow(VaultError);
  });

  it('refuses a tampered value and a key of the wrong size', () => {
    const vault = new Vault(key);
    const sealed = vault.seal('intact');
    const tampered = `${sealed.slice(0, -4)}${sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(() => vault.open(tampered)).toThrow(/integrity/);
    expect(() => new Vault(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('reads values stored before encryption as they were', () => {
    const vault = new Vault(key);
    expect(vault.open(Buffer.from('legacy').toString('base64'))).toEqual(Buffer.from('legacy'));
    expect(vault.openText('{"plain": "json"}')).toBe('{"plain": "json"}');
    expect(vault.isStale('bGVnYWN5')).toBe(true);
  });
});

describe('the key file', () => {
  it('is created once, readable by its owner only, and agreed on by processes racing to create it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hookrail-key-'));
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => loadOrCreateKeyFile(join(dir, 'data'))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.key.toString('hex'))).size).toBe(1);
      const file = results[0]?.file ?? '';
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toHaveLength(32);
      // Later loads find it.
      expect(
        (await loadVault({ key: undefined, previousKeys: [], dataDir: join(dir, 'data') })).vault
          .currentKeyId,
      ).toBe(keyId(results[0]?.key ?? Buffer.alloc(0)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is not used when a key is configured', async () => {
    const configured = randomBytes(32);
    const { vault, generatedKeyFile } = await loadVault({
      key: configured.toString('base64'),
      previousKeys: [],
      dataDir: '/nonexistent',
    });
    expect(vault.currentKeyId).toBe(keyId(configured));
    expect(generatedKeyFile).toBeUndefined();
    await expect(loadVault({ key: 'c2hvcnQ=', previousKeys: [], dataDir: '/x' })).rejects.toThrow(
      /32 bytes/,
    );
  });
});
