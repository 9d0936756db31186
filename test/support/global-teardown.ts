import type { EmbeddedPostgresHandle } from '../../apps/server/src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const postgres = (globalThis as Record<string, unknown>).__EMBEDDED_POSTGRES__ as EmbeddedPostgresHandle | undefined;
  await postgres?.stop();
}
