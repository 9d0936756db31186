import { ChildProcess } from 'node:child_process';
import { exited, startNode } from './processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, TestApp } from './test-app';
import { freePort } from '../../apps/server/src/database/embedded-postgres';
export { freePort };

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Another replica of the service, as its own process, on the test app's database and key. */
export async function startReplica(app: TestApp, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const { child, output } = await startNode('apps/server/src/main.js', [], {
    ready: /API listening on/,
    env: {
      DATABASE_URL: app.database.url,
      DATA_DIR: app.config.DATA_DIR, // shares the generated encryption key
      PORT: String(port),
      BOOTSTRAP_ACCESS_KEY_ID: ADMIN_KEY_ID,
      BOOTSTRAP_ACCESS_KEY_SECRET: ADMIN_KEY_SECRET,
      MIN_INTERVAL_SECONDS: String(app.config.MIN_INTERVAL_SECONDS),
      MISFIRE_GRACE_SECONDS: String(app.config.MISFIRE_GRACE_SECONDS),
      ...env,
    },
  });
  return {
    child,
    port,
    output,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
}
