import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../config/config.schema';

/**
 * The key that seals access key secrets: SECRET_ENCRYPTION_KEY when set (replicas on different
 * machines must share it), otherwise one generated once into DATA_DIR/secret.key (mode 0600).
 */
export function loadEncryptionKey(config: AppConfig): Buffer {
  if (config.SECRET_ENCRYPTION_KEY) return Buffer.from(config.SECRET_ENCRYPTION_KEY, 'base64');
  const dir = resolve(config.DATA_DIR);
  const file = join(dir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process on the same DATA_DIR won the race; use its key.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
