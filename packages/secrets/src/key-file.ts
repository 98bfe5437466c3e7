import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultError } from './vault.ts';

export const keyFileName = 'encryption.key';

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new VaultError(`${where} must hold 32 bytes, base64 encoded`);
  return key;
}

/**
 * The encryption key kept in `dir`, created on first use. Creation is atomic: the key is
 * written to a private temporary file (mode 0600) and hard-linked into place, which fails if
 * another process got there first; then everyone reads the one file that won. Processes
 * starting together therefore agree on one key, and nobody reads a half-written file.
 */
export async function loadOrCreateKeyFile(
  dir: string,
): Promise<{ key: Buffer; file: string; created: boolean }> {
  const file = join(dir, keyFileName);
  try {
    return { key: decodeKey(await readFile(file, 'utf8'), file), file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${keyFileName}.${process.pid}.${randomBytes(6).toString('hex')}`);
  await writeFile(temporary, `${randomBytes(32).toString('base64')}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  let created = false;
  try {
    await link(temporary, file);
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  return { key: decodeKey(await readFile(file, 'utf8'), file), file, created };
}

export { decodeKey };
