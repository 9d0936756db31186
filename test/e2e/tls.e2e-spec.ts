import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { call, newActivation, newCommand, newInstance, REGION } from '../support/factories';
import { exited, runNode, startNode } from '../support/processes';
import { freePort, ServerProcess, startReplica } from '../support/server-processes';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, tableSnapshot, TestApp } from '../support/test-app';
import { makeTestPki, TestPki } from '../support/tls-certs';

const AGENT = 'apps/agent/src/main.js';
const SERVER = 'apps/server/src/main.js';
const CLI = 'apps/cli/src/main.js';

/**
 * The agent runs what its server sends as root: over HTTPS it runs only what a server holding a
 * certificate it trusts sends, and it will not talk plain HTTP to another machine unless told to.
 */
describe('TLS between agents and the service', () => {
  let app: TestApp;
  let pki: TestPki;
  let tlsServer: ServerProcess;
  let httpsEndpoint: string;

  beforeAll(async () => {
    pki = makeTestPki();
    app = await startTestApp();
    tlsServer = await startReplica(app, { TLS_CERT_FILE: pki.certFile, TLS_KEY_FILE: pki.keyFile });
    httpsEndpoint = `https://127.0.0.1:${tlsServer.port}`;
  });
  afterAll(async () => {
    await tlsServer?.kill();
    await app?.close();
  });

  const registerArgs = async (server: string, stateDir: string): Promise<string[]> => {
    const instanceId = await newInstance(app, { withClient: false });
    const activation = await newActivation(app);
    return [
      'register',
      '--server',
      server,
      '--region',
      REGION,
      '--activation-id',
      activation.activationId,
      '--activation-code',
      activation.activationCode,
      '--instance-id',
      instanceId,
      '--state-dir',
      stateDir,
    ];
  };

  it('serves HTTPS only, and says so in its log', async () => {
    expect(tlsServer.output()).toContain(`API listening on ${httpsEndpoint}`);
    await expect(fetch(`http://127.0.0.1:${tlsServer.port}/health/live`)).rejects.toThrow();
  });

  it('an agent pinning the CA registers over HTTPS, keeps the CA, and runs a command as root with Success', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'ca-agent-'));
    const registered = await runNode(AGENT, [...(await registerArgs(httpsEndpoint, stateDir)), '--ca-file', pki.caFile]);
    expect(registered).toMatchObject({ code: 0, stderr: '' });
    const stored = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8'));
    expect(stored).toMatchObject({ server: httpsEndpoint, ca: readFileSync(pki.caFile, 'utf8') });

    // No --ca-file here: `run` uses the CA stored at registration.
    const agent = await startNode(AGENT, ['run', '--state-dir', stateDir], { ready: /agent .* for /, timeoutMs: 20_000 });
    try {
      const commandId = await newCommand(app, {}, 'echo over-tls; whoami');
      const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([stored.instanceId]) });
      const [result] = await eventually(
        async () => {
          const rows: Array<Record<string, string>> = (await call(app, 'DescribeInvocationResults', { InvokeId })).Invocation.InvocationResults
            .InvocationResult;
          expect(rows.map((r) => r.InvocationStatus)).toEqual([expect.not.stringMatching(/^(Pending|Running)$/)]);
          return rows;
        },
        { description: 'the run ended' },
      );
      expect(result).toMatchObject({ InvocationStatus: 'Success', ExitCode: 0 });
      expect(Buffer.from(result.Output, 'base64').toString()).toBe('over-tls\nroot\n');
    } finally {
      agent.child.kill('SIGKILL');
    }
  });

  it.each([
    ['a CA that did not issue the server certificate', (p: TestPki) => ['--ca-file', p.otherCaFile]],
    ['the system CA store', () => []],
  ])('an agent trusting %s refuses the server: registration fails with a certificate error, nothing is registered', async (_title, extra) => {
    const stateDir = mkdtempSync(join(tmpdir(), 'ca-agent-'));
    const args = [...(await registerArgs(httpsEndpoint, stateDir)), ...extra(pki)];
    const before = await tableSnapshot(app);
    const refused = await runNode(AGENT, args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /TLS certificate check failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\)/,
    );
    expect(existsSync(join(stateDir, 'credentials.json'))).toBe(false);
    await expect(tableSnapshot(app)).resolves.toEqual(before);
  });

  it('an agent refuses plain http:// to another machine before connecting, unless --insecure-http', async () => {
    // 192.0.2.1 (TEST-NET-1) is never contacted: the URL is checked before any request is built.
    const stateDir = mkdtempSync(join(tmpdir(), 'ca-agent-'));
    const refused = await runNode(AGENT, await registerArgs('http://192.0.2.1:8080', stateDir));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing plain http:// to 192.0.2.1:8080');
    expect(refused.stderr).toContain('--insecure-http');
    expect(existsSync(join(stateDir, 'credentials.json'))).toBe(false);

    // Credentials naming such a server (written before this check existed) are refused by `run` too.
    writeFileSync(
      join(stateDir, 'credentials.json'),
      JSON.stringify({ server: 'http://192.0.2.1:8080', regionId: REGION, instanceId: 'i-x', accessKeyId: 'k', accessKeySecret: 's' }),
    );
    const run = await runNode(AGENT, ['run', '--state-dir', stateDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--insecure-http');
  });

  it('a first start with TLS writes an https endpoint to credentials.json, which the CLI uses with NODE_EXTRA_CA_CERTS', async () => {
    const database = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'ca-server-'));
    const port = await freePort();
    const server = await startNode(SERVER, [], {
      env: {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        PORT: String(port),
        BOOTSTRAP_ACCESS_KEY_ID: '',
        BOOTSTRAP_ACCESS_KEY_SECRET: '',
        TLS_CERT_FILE: pki.certFile,
        TLS_KEY_FILE: pki.keyFile,
      },
      ready: /API listening on/,
    });
    try {
      expect(JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')).endpoint).toBe(`https://127.0.0.1:${port}`);
      const cli = await runNode(CLI, ['DescribeRegions'], { env: { DATA_DIR: dataDir, CLOUD_ASSISTANT_ENDPOINT: '', NODE_EXTRA_CA_CERTS: pki.caFile } });
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.stdout).Regions.Region.length).toBeGreaterThan(20);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
      await database.drop();
    }
  });

  it.each([
    ['TLS_CERT_FILE', (p: TestPki) => ({ TLS_CERT_FILE: join(p.dir, 'missing.pem'), TLS_KEY_FILE: p.keyFile })],
    ['TLS_KEY_FILE', (p: TestPki) => ({ TLS_CERT_FILE: p.certFile })],
    ['TLS_CERT_FILE', (p: TestPki) => ({ TLS_CERT_FILE: p.certFile, TLS_KEY_FILE: join(p.dir, 'other-ca.key') })],
  ])('refuses to start on bad TLS files, naming %s', async (name, env) => {
    const result = await runNode(SERVER, [], { env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'ca-server-')), PORT: '1', ...env(pki) } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${name}:`);
  });
});
