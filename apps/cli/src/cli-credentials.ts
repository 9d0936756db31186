import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface CliProfile {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/**
 * Where the CLI finds its key, first match wins: Alibaba's own environment variables
 * (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET), then the key the server generated at first start
 * (DATA_DIR/credentials.json). The endpoint: CLOUD_ASSISTANT_ENDPOINT, the credentials file's,
 * or http://127.0.0.1:8080.
 */
export function resolveProfile(env: NodeJS.ProcessEnv = process.env): CliProfile {
  const file = join(resolve(env.DATA_DIR || './.data'), 'credentials.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<CliProfile>) : {};
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID || stored.accessKeyId;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || stored.accessKeySecret;
  if (!accessKeyId || !accessKeySecret) {
    throw new Error(`no access key: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or start the server once so it writes ${file}`);
  }
  return {
    endpoint: env.CLOUD_ASSISTANT_ENDPOINT || stored.endpoint || 'http://127.0.0.1:8080',
    accessKeyId,
    accessKeySecret,
  };
}
