import { AgentActions, AgentCredentials } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registeredAgentState } from '../support/agents';
import { eventually } from '../support/eventually';
import { newCommand, newInstance, REGION } from '../support/factories';
import { runNode } from '../support/processes';
import { ServerProcess, startReplica } from '../support/server-processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, TestApp } from '../support/test-app';

type LogLine = Record<string, unknown>;

/**
 * Structured logs. The service runs as its own process, as in production, and the
 * test reads what it writes to stdout.
 */
describe('logs', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function withServer(env: Record<string, string>, work: (server: ServerProcess, endpoint: string) => Promise<void>): Promise<void> {
    const server = await startReplica(app, env);
    try {
      await work(server, `http://127.0.0.1:${server.port}`);
    } finally {
      await server.kill();
    }
  }

  async function invokeOn(endpoint: string): Promise<{ requestId: string; invokeId: string }> {
    const admin = new RpcClient({ endpoint, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET });
    const instanceId = await newInstance(app);
    const commandId = await newCommand(app);
    const answer = await admin.call('InvokeCommand', { RegionId: REGION, CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) });
    expect(answer.status).toBe(200);
    return { requestId: answer.body.RequestId as string, invokeId: answer.body.InvokeId as string };
  }

  async function agentHeartbeat(endpoint: string): Promise<string> {
    const { credentials } = await registeredAgentState(app);
    const agent = new RpcClient({ endpoint, accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret });
    const answer = await agent.call(AgentActions.heartbeat, { AgentVersion: 'test' });
    expect(answer.status).toBe(200);
    return answer.body.RequestId as string;
  }

  it('LOG_FORMAT=json: every line is one JSON object; the InvokeCommand access line carries its RequestId and InvokeId', async () => {
    await withServer({ LOG_FORMAT: 'json', LOG_LEVEL: 'log' }, async (server, endpoint) => {
      const { requestId, invokeId } = await invokeOn(endpoint);
      const heartbeatRequestId = await agentHeartbeat(endpoint);
      const lines = await eventually(
        () => {
          const parsed = jsonLines(server.output());
          expect(parsed.map((line) => line.requestId)).toContain(requestId);
          return parsed;
        },
        { description: 'the request was logged' },
      );
      const access = lines.filter((line) => line.requestId === requestId);
      expect(access).toEqual([
        expect.objectContaining({
          level: 'log',
          context: 'Access',
          requestId,
          invokeId,
          action: 'InvokeCommand',
          status: 200,
          code: 'Success',
          accessKeyId: ADMIN_KEY_ID,
          ms: expect.any(Number),
        }),
      ]);
      // Agents' calls are logged at debug, below LOG_LEVEL=log: none of their lines is written.
      expect(lines.filter((line) => line.requestId === heartbeatRequestId)).toEqual([]);
    });
  });

  it('LOG_FORMAT=text with LOG_LEVEL=debug: readable lines that still carry the RequestId, agents included', async () => {
    await withServer({ LOG_FORMAT: 'text', LOG_LEVEL: 'debug' }, async (server, endpoint) => {
      const { requestId, invokeId } = await invokeOn(endpoint);
      const heartbeatRequestId = await agentHeartbeat(endpoint);
      const output = await eventually(
        () => {
          const text = server.output();
          expect(text).toContain(`RequestId=${heartbeatRequestId}`);
          return text;
        },
        { description: 'the heartbeat was logged' },
      );
      const invokeLine = output.split('\n').find((line) => line.includes(`RequestId=${requestId}`));
      expect(invokeLine).toMatch(/LOG \[Access\] RequestId=\S+ InvokeId=t-[0-9a-f]{32} InvokeCommand 200 Success [\d.]+ ms accessKeyId=\S+$/);
      expect(invokeLine).toContain(`InvokeId=${invokeId}`);
      expect(invokeLine).toContain(`accessKeyId=${ADMIN_KEY_ID}`);
      expect(() => JSON.parse(invokeLine!)).toThrow();
      const heartbeatLine = output.split('\n').find((line) => line.includes(`RequestId=${heartbeatRequestId}`));
      expect(heartbeatLine).toMatch(/DEBUG \[Access\] .*AgentHeartbeat 200 Success/);
    });
  });

  it('LOG_LEVEL=debug: no secret the service hands out or receives appears in its output', async () => {
    await withServer({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' }, async (server, endpoint) => {
      const admin = new RpcClient({ endpoint, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET });
      const key = await admin.call('CreateAccessKey', { Role: 'readonly' });
      expect(key.status).toBe(200);
      const activation = await admin.call('CreateActivation', { RegionId: REGION, InstanceCount: '1' });
      expect(activation.status).toBe(200);
      // The real `agent register`, whose request carries the ActivationCode and whose answer the agent's secret.
      const stateDir = mkdtempSync(join(tmpdir(), 'ca-agent-'));
      const registered = await runNode('apps/agent/src/main.js', [
        'register',
        '--server',
        endpoint,
        '--region',
        REGION,
        '--activation-id',
        activation.body.ActivationId as string,
        '--activation-code',
        activation.body.ActivationCode as string,
        '--state-dir',
        stateDir,
      ]);
      expect(registered.code).toBe(0);
      const credentials = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8')) as AgentCredentials;
      // Each new secret is also used once, so that its signed requests pass through the debug logs too.
      const reader = new RpcClient({ endpoint, accessKeyId: key.body.AccessKeyId as string, accessKeySecret: key.body.AccessKeySecret as string });
      expect((await reader.call('DescribeRegions')).status).toBe(200);
      const agent = new RpcClient({ endpoint, accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret });
      const heartbeat = await agent.call(AgentActions.heartbeat, { AgentVersion: 'test' });
      expect(heartbeat.status).toBe(200);
      const output = await eventually(
        () => {
          const text = server.output();
          expect(text).toContain(heartbeat.body.RequestId as string);
          return text;
        },
        { description: 'the heartbeat was logged' },
      );
      // The test would prove nothing if the debug lines were not there at all.
      expect(output).toContain(activation.body.RequestId as string);
      const secrets = {
        accessKeySecret: key.body.AccessKeySecret as string,
        activationCode: activation.body.ActivationCode as string,
        agentSecret: credentials.accessKeySecret,
        bootstrapSecret: ADMIN_KEY_SECRET,
      };
      for (const [name, secret] of Object.entries(secrets)) {
        expect(secret.length).toBeGreaterThanOrEqual(16);
        expect({ name, logged: output.includes(secret) }).toEqual({ name, logged: false });
      }
    });
  });
});

/** The complete lines written so far (the last one may still be arriving). */
function jsonLines(output: string): LogLine[] {
  return output
    .slice(0, output.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}
