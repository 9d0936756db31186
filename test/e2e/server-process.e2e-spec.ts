import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { exited, runNode, startNode } from '../support/processes';
import { freePort, startEmbeddedPostgres } from '../../apps/server/src/database/embedded-postgres';

const SERVER = 'apps/server/src/main.js';
const CLI = 'apps/cli/src/main.js';

/**
 * `npm start` as a new user runs it: no DATABASE_URL, so an embedded PostgreSQL under DATA_DIR
 * (as root here, like CI), a generated admin key in DATA_DIR/credentials.json, and the CLI
 * using that key with no further setup. Data survives a restart.
 */
describe('the server process', () => {
  const baseEnv = (dataDir: string, port: number): Record<string, string> => ({
    DATA_DIR: dataDir,
    PORT: String(port),
    DATABASE_URL: '',
    BOOTSTRAP_ACCESS_KEY_ID: '',
    BOOTSTRAP_ACCESS_KEY_SECRET: '',
  });

  it('serves on an embedded PostgreSQL, generates a key the CLI uses, keeps data across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ca-server-'));
    const port = await freePort();
    const env = baseEnv(dataDir, port);
    let server = await startNode(SERVER, [], { env, ready: /API listening on http:\/\/127\.0\.0\.1:\d+/ });
    try {
      const credentialsFile = join(dataDir, 'credentials.json');
      expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
      const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
      expect(server.output()).toContain(credentials.accessKeyId);
      expect(server.output()).not.toContain(credentials.accessKeySecret);

      const cli = { env: { DATA_DIR: dataDir, CLOUD_ASSISTANT_ENDPOINT: `http://127.0.0.1:${port}` } };
      const regions = await runNode(CLI, ['DescribeRegions'], cli);
      expect(regions.code).toBe(0);
      expect(JSON.parse(regions.stdout).Regions.Region.length).toBeGreaterThan(20);
      const created = await runNode(
        CLI,
        [
          'CreateCommand',
          '--RegionId',
          'cn-hangzhou',
          '--Name',
          'kept',
          '--Type',
          'RunShellScript',
          '--CommandContent',
          Buffer.from('true').toString('base64'),
        ],
        cli,
      );
      expect(created.code).toBe(0);
      const commandId = JSON.parse(created.stdout).CommandId as string;

      server.child.kill('SIGTERM');
      await expect(exited(server.child)).resolves.toBe(0);
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

      server = await startNode(SERVER, [], { env, ready: /API listening on/ });
      const described = await runNode(CLI, ['DescribeCommands', '--RegionId', 'cn-hangzhou', '--CommandId', commandId], cli);
      expect(described).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(described.stdout).Commands.Command[0].Name).toBe('kept');
      const failed = await runNode(CLI, ['DescribeCommands'], cli);
      expect(failed.code).toBe(1);
      expect(JSON.parse(failed.stderr).Code).toBe('MissingParameter.RegionId');
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  });

  it('reuses an embedded PostgreSQL left running by a process killed with SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ca-server-'));
    const env = baseEnv(dataDir, await freePort());
    const first = await startNode(SERVER, [], { env, ready: /API listening on/ });
    first.child.kill('SIGKILL');
    await exited(first.child);
    const second = await startNode(SERVER, [], { env, ready: /API listening on/ });
    try {
      expect(second.output()).toContain('already running');
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
      // The server stops only a database it started; the orphan it adopted is the test's to stop.
      const postmasterPid = join(dataDir, 'postgres', 'postmaster.pid');
      if (existsSync(postmasterPid)) process.kill(Number(readFileSync(postmasterPid, 'utf8').split('\n')[0]), 'SIGTERM');
    }
  });

  it('refuses to start, changing nothing, when the postgres user cannot reach DATA_DIR through a private parent', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ca-private-'));
    chmodSync(parent, 0o700);
    const dataDir = join(parent, 'data');
    const result = await runNode(SERVER, [], { env: baseEnv(dataDir, await freePort()) });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(`cannot reach DATA_DIR ${dataDir}: ${parent} (mode 0700)`);
    expect(result.stdout + result.stderr).toContain(`chmod o+x ${parent}, or set DATA_DIR to a directory the postgres user can reach`);
    expect(statSync(parent).mode & 0o7777).toBe(0o700);
    expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
  });

  it('starts on a DATA_DIR below a traversable parent without touching the parent', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ca-traversable-'));
    chmodSync(parent, 0o711);
    const dataDir = join(parent, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const server = await startNode(SERVER, [], { env: baseEnv(dataDir, await freePort()), ready: /API listening on/ });
    try {
      expect(statSync(parent).mode & 0o7777).toBe(0o711);
      // DATA_DIR itself is the service's: it gains traversal (not listing) for the postgres user.
      expect(statSync(dataDir).mode & 0o7777).toBe(0o701);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  });

  it('waits for a database that is not up yet instead of exiting', async () => {
    const pgDir = mkdtempSync(join(tmpdir(), 'ca-late-pg-'));
    let postgres = await startEmbeddedPostgres(pgDir);
    const { url, port } = postgres;
    await postgres.stop();
    const dataDir = mkdtempSync(join(tmpdir(), 'ca-server-'));
    // Start the database only once the server has found it missing, however slowly it loads.
    const apiPort = await freePort();
    const server = await startNode(SERVER, [], { env: { ...baseEnv(dataDir, apiPort), DATABASE_URL: url }, ready: /database not reachable yet/ });
    postgres = await startEmbeddedPostgres(pgDir, () => {}, { port });
    await eventually(
      () => {
        expect(server.child.exitCode).toBeNull();
        expect(server.output()).toMatch(/API listening on/);
      },
      { timeoutMs: 60_000, description: 'the server came up on the late database' },
    );
    try {
      // It did not exit: it came up on the late database and serves from it.
      expect((await fetch(`http://127.0.0.1:${apiPort}/health/ready`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
      await postgres.stop();
    }
  });

  it.each([
    ['PORT', 'eighty'],
    ['DELIVERY_TIMEOUT_SECONDS', '-1'],
    ['DATABASE_URL', 'mysql://nope'],
    ['REQUEST_TIMEOUT_SECONDS', '30'],
  ])('refuses a bad %s at start-up with a message naming it', async (name, value) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ca-server-'));
    const result = await runNode(SERVER, [], { env: { ...baseEnv(dataDir, 1), [name]: value } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(name);
  });
});
