import { MAX_POLL_WAIT_SECONDS } from '@ca/protocol';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = (min: number) => z.coerce.number().int().min(min);

/**
 * Every environment variable the service reads, with its default. Parsed once at start-up;
 * a bad value stops the process with a message naming the variable.
 */
export const configSchema = z
  .object({
    PORT: port.default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('./.data'),
    BOOTSTRAP_ACCESS_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9]{8,64}$/, 'must be 8-64 letters or digits')
      .optional(),
    BOOTSTRAP_ACCESS_KEY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Base64 of 32 bytes; encrypts access key secrets at rest. Generated into DATA_DIR when unset. */
    SECRET_ENCRYPTION_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be the Base64 of 32 bytes')
      .optional(),
    HOST_ID: z.string().min(1).default('cloud-assistant'),
    DELIVERY_TIMEOUT_SECONDS: seconds(1).default(60),
    MISFIRE_GRACE_SECONDS: seconds(0).default(60),
    MIN_INTERVAL_SECONDS: seconds(1).default(10),
    /** Requests per second per access key in each process (twice that as a burst); 0 turns the limit off. */
    RATE_LIMIT_PER_SECOND: seconds(0).default(100),
    /** The window the three limits below refill over (each refills its whole budget once per window). */
    AUTH_FAILURE_WINDOW_SECONDS: seconds(1).default(60),
    /** Failed authentications (RPC, REST, activation codes) per source address per window; 0 turns the limit off. */
    AUTH_FAILURES_PER_ADDRESS: seconds(0).default(20),
    /** Failed authentications per claimed access key id or activation id per window; 0 turns the limit off. */
    AUTH_FAILURES_PER_KEY: seconds(0).default(100),
    /** POST /agent/register attempts per source address per window, successful or not; 0 turns the limit off. */
    REGISTRATION_ATTEMPTS_PER_ADDRESS: seconds(0).default(120),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    /** One JSON object per line, or text for people; unset: JSON unless stdout is a terminal. */
    LOG_FORMAT: z.enum(['json', 'text']).optional(),
    /** When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Finished records and invocations older than this are deleted in the background; 0 keeps them forever. */
    RECORD_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
    /**
     * How long a client may take to send a whole request (headers and body). A long poll's hold
     * is time spent answering, not receiving, so this only has to be above it to leave a margin.
     */
    REQUEST_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .min(MAX_POLL_WAIT_SECONDS + 1, `must be more than the agents' long poll (${MAX_POLL_WAIT_SECONDS} s)`)
      .max(3600)
      .default(60),
    /** PEM certificate (chain) and private key: set both and the service speaks HTTPS only. */
    TLS_CERT_FILE: z.string().optional(),
    TLS_KEY_FILE: z.string().optional(),
  })
  .refine((c) => !c.BOOTSTRAP_ACCESS_KEY_ID === !c.BOOTSTRAP_ACCESS_KEY_SECRET, {
    message: 'BOOTSTRAP_ACCESS_KEY_ID and BOOTSTRAP_ACCESS_KEY_SECRET must be set together',
    path: ['BOOTSTRAP_ACCESS_KEY_ID'],
  })
  .superRefine(checkTls);

/** Both TLS files or neither, readable, and a key that belongs to the certificate. */
function checkTls(c: { TLS_CERT_FILE?: string; TLS_KEY_FILE?: string }, ctx: z.RefinementCtx): void {
  if (!c.TLS_CERT_FILE && !c.TLS_KEY_FILE) return;
  if (!c.TLS_CERT_FILE || !c.TLS_KEY_FILE) {
    const missing = c.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'TLS_CERT_FILE and TLS_KEY_FILE must be set together' });
    return;
  }
  const files: Record<string, Buffer> = {};
  for (const name of ['TLS_CERT_FILE', 'TLS_KEY_FILE'] as const) {
    try {
      files[name] = readFileSync(c[name]!);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [name], message: `cannot read ${c[name]}: ${(error as Error).message}` });
    }
  }
  if (!files.TLS_CERT_FILE || !files.TLS_KEY_FILE) return;
  try {
    createSecureContext({ cert: files.TLS_CERT_FILE, key: files.TLS_KEY_FILE });
  } catch (error) {
    ctx.addIssue({ code: 'custom', path: ['TLS_CERT_FILE'], message: `not a PEM certificate matching TLS_KEY_FILE: ${(error as Error).message}` });
  }
}

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** The scheme clients reach this service with. */
export function serviceScheme(config: Pick<AppConfig, 'TLS_CERT_FILE'>): 'http' | 'https' {
  return config.TLS_CERT_FILE ? 'https' : 'http';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const source = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = configSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
