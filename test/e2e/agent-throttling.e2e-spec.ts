import { writeFileSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { registeredAgentState, RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A 429 is the service (or a limit in front of it) asking the agent to come back later, never a
 * refusal of what it reports: an outcome report answered 429 is sent again after Retry-After,
 * and the run's result lands. A proxy between agent and service answers the first outcome
 * report 429 and passes everything else through, unchanged (the V1 signature covers the body).
 */
describe('agent: throttled requests are retried, never dropped', () => {
  let app: TestApp;
  let proxy: Server;
  let agent: RunningAgent;
  const finishAttempts: number[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    proxy = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        if (new URLSearchParams(body.toString()).get('Action') === 'AgentFinishTask') {
          finishAttempts.push(Date.now());
          if (finishAttempts.length === 1) {
            outgoing.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
            outgoing.end(JSON.stringify({ RequestId: 'PROXY', HostId: 'proxy', Code: 'Throttling', Message: 'Request was denied due to request throttling.' }));
            return;
          }
        }
        const forwarded = request({ host: '127.0.0.1', port: app.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        });
        forwarded.on('error', () => outgoing.destroy());
        forwarded.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const state = await registeredAgentState(app);
    state.credentials.server = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    writeFileSync(join(state.stateDir, 'credentials.json'), JSON.stringify(state.credentials), { mode: 0o600 });
    agent = await startAgent(app, state);
  });
  afterAll(async () => {
    await agent?.stop();
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await app.close();
  });

  it('an outcome report answered 429 is sent again after Retry-After, and the run ends Success with its output', async () => {
    const commandId = await newCommand(app, {}, 'echo through-the-throttle');
    const { InvokeId: invokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
    const [result] = await eventually(
      async () => {
        const rows = (await call(app, 'DescribeInvocationResults', { InvokeId: invokeId })).Invocation.InvocationResults.InvocationResult as Array<
          Record<string, any>
        >;
        expect(rows.map((r) => r.InvocationStatus)).toEqual([expect.not.stringMatching(/^(Pending|Running)$/)]);
        return rows;
      },
      { description: 'the run ended' },
    );
    expect(result).toMatchObject({ InvocationStatus: 'Success', ExitCode: 0 });
    expect(Buffer.from(result.Output as string, 'base64').toString()).toBe('through-the-throttle\n');
    expect(finishAttempts.length).toBe(2);
    // Not before the Retry-After second had passed.
    expect(finishAttempts[1] - finishAttempts[0]).toBeGreaterThanOrEqual(900);
    expect(agent.output()).not.toMatch(/refused/);
  });
});
