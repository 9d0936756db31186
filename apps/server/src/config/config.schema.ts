import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = (min: number) => z.coerce.number().int().min(min);

/**
 * Every environment variable the service reads, with its default. Parsed once at start-up;
 * a bad value stops the process with a message naming the variable (SPEC §1).
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
  })
  .refine((c) => !c.BOOTSTRAP_ACCESS_KEY_ID === !c.BOOTSTRAP_ACCESS_KEY_SECRET, {
    message: 'BOOTSTRAP_ACCESS_KEY_ID and BOOTSTRAP_ACCESS_KEY_SECRET must be set together',
    path: ['BOOTSTRAP_ACCESS_KEY_ID'],
  });

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const source = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = configSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
