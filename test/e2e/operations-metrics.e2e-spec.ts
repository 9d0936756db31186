import { RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand, newInstance } from '../support/factories';
import { parseSamples, Sample, sampleValue } from '../support/prometheus-text';
import { startReplica } from '../support/server-processes';
import { startTestApp, TestApp } from '../support/test-app';

const SERVICE_METRICS = [
  'cloud_assistant_http_requests_total',
  'cloud_assistant_http_request_duration_seconds',
  'cloud_assistant_dispatch_latency_seconds',
  'cloud_assistant_schedule_fire_lag_seconds',
  'cloud_assistant_invocations_created_total',
  'cloud_assistant_invocations_finished_total',
  'cloud_assistant_invocation_records_finished_total',
  'cloud_assistant_invocations',
  'cloud_assistant_invocation_records',
  'cloud_assistant_queue_depth',
  'cloud_assistant_agents_online',
  'cloud_assistant_database_up',
];

/** Prometheus metrics at /metrics, moved by real work on a real agent. */
describe('GET /metrics', () => {
  let app: TestApp;
  let agent: RunningAgent;

  beforeAll(async () => {
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1' });
    agent = await startAgent(app);
  });
  afterAll(async () => {
    await agent?.stop();
    await app.close();
  });

  async function scrape(endpoint = app.endpoint, headers: Record<string, string> = {}): Promise<Sample[]> {
    const response = await fetch(`${endpoint}/metrics`, { headers });
    expect(response.status).toBe(200);
    return parseSamples(await response.text());
  }

  async function invocationFinished(invokeId: string): Promise<void> {
    await eventually(
      async () => {
        const body = await call(app, 'DescribeInvocations', { InvokeId: invokeId });
        expect(['Success', 'Failed']).toContain(body.Invocations.Invocation[0].InvocationStatus);
      },
      { description: `the invocation ${invokeId} finished` },
    );
  }

  it('serves the process metrics and every service metric, in the text format, without credentials', async () => {
    const response = await fetch(`${app.endpoint}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', ...SERVICE_METRICS]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sampleValue(parseSamples(text), 'cloud_assistant_database_up')).toBe(1);
  });

  it('counts an invocation run on a real agent: created, dispatched, finished, and its API call', async () => {
    const before = await scrape();
    const commandId = await newCommand(app, {}, 'echo metered');
    const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
    await invocationFinished(InvokeId as string);

    const after = await eventually(
      async () => {
        const samples = await scrape();
        expect(sampleValue(samples, 'cloud_assistant_invocation_records_finished_total', { status: 'Success' })).toBeGreaterThan(0);
        return samples;
      },
      { description: 'a finished record was counted' },
    );
    const delta = (name: string, labels: Record<string, string> = {}): number => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('cloud_assistant_invocations_created_total', { repeat_mode: 'Once' })).toBe(1);
    expect(delta('cloud_assistant_invocation_records_finished_total', { status: 'Success' })).toBe(1);
    expect(delta('cloud_assistant_invocations_finished_total', { status: 'Success' })).toBe(1);
    expect(delta('cloud_assistant_dispatch_latency_seconds_count')).toBe(1);
    expect(delta('cloud_assistant_http_requests_total', { action: 'InvokeCommand', code: 'Success', status: '200' })).toBe(1);
    expect(delta('cloud_assistant_http_request_duration_seconds_count', { action: 'InvokeCommand' })).toBe(1);
    expect(delta('cloud_assistant_http_requests_total', { action: 'AgentFinishTask', code: 'Success', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'cloud_assistant_agents_online')).toBe(1);
  });

  it('observes the fire lag of each fire of a timed invocation', async () => {
    const before = await scrape();
    const commandId = await newCommand(app, {}, 'echo tick');
    const { InvokeId } = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify([agent.instanceId]),
      Timed: 'true',
      Frequency: '*/2 * * * * ?',
    });
    try {
      const fires = (samples: Sample[]): number =>
        sampleValue(samples, 'cloud_assistant_schedule_fire_lag_seconds_count') - sampleValue(before, 'cloud_assistant_schedule_fire_lag_seconds_count');
      const after = await eventually(
        async () => {
          const samples = await scrape();
          expect(fires(samples)).toBeGreaterThanOrEqual(2);
          return samples;
        },
        { description: 'two fires were counted' },
      );
      const [{ runs }] = await app.sql<{ runs: number }>('SELECT count(*)::int AS runs FROM invocation_records WHERE invoke_id = $1', [InvokeId]);
      expect(fires(after)).toBeLessThanOrEqual(runs);
      expect(sampleValue(after, 'cloud_assistant_invocations_created_total', { repeat_mode: 'Period' })).toBe(1);
    } finally {
      await call(app, 'StopInvocation', { InvokeId });
    }
  });

  it('reads open work and queue depths from the database at scrape time', async () => {
    const offline = await newInstance(app); // registered, but no agent process polls for it
    const commandId = await newCommand(app);
    const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([offline]) });
    let samples = await scrape();
    expect(sampleValue(samples, 'cloud_assistant_invocation_records', { status: 'Pending' })).toBe(1);
    expect(sampleValue(samples, 'cloud_assistant_queue_depth', { stage: 'undelivered' })).toBe(1);
    expect(sampleValue(samples, 'cloud_assistant_invocations', { status: 'Pending' })).toBe(1);

    // As if an agent had been handed the run and its acknowledgement had not arrived yet.
    await app.sql(`UPDATE invocation_records SET status = 'Running', delivered_at = now(), start_time = now() WHERE invoke_id = $1`, [InvokeId]);
    samples = await scrape();
    expect(sampleValue(samples, 'cloud_assistant_invocation_records', { status: 'Running' })).toBe(1);
    expect(sampleValue(samples, 'cloud_assistant_queue_depth', { stage: 'undelivered' })).toBe(0);
    expect(sampleValue(samples, 'cloud_assistant_queue_depth', { stage: 'unacknowledged' })).toBe(1);

    await call(app, 'StopInvocation', { InvokeId });
    await app.sql(`UPDATE invocation_records SET status = 'Terminated', finished_time = now() WHERE invoke_id = $1`, [InvokeId]);
  });

  it('labels requests by RPC action; an unknown action is one label, never the name the client sent', async () => {
    await fetch(`${app.endpoint}/?Action=NoSuchAction${Date.now()}`);
    const samples = await scrape();
    expect(
      sampleValue(samples, 'cloud_assistant_http_requests_total', { action: 'UnknownAction', code: 'InvalidAction.NotFound', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(samples.filter((s) => s.labels.action?.startsWith('NoSuchAction'))).toEqual([]);
  });

  it('each process serves its own: a replica counts its own requests; with METRICS_TOKEN it wants the bearer token', async () => {
    const token = 'scrape-token-0123456789';
    const replica = await startReplica(app, { METRICS_TOKEN: token });
    try {
      const endpoint = `http://127.0.0.1:${replica.port}`;
      expect((await fetch(`${endpoint}/metrics`)).status).toBe(401);
      expect((await fetch(`${endpoint}/metrics`, { headers: { authorization: 'Bearer wrong-token-0000000000' } })).status).toBe(401);
      const samples = await scrape(endpoint, { authorization: `Bearer ${token}` });
      expect(sampleValue(samples, 'cloud_assistant_database_up')).toBe(1);
      // The InvokeCommand calls of the tests above went to the other process.
      expect(sampleValue(samples, 'cloud_assistant_http_requests_total', { action: 'InvokeCommand', code: 'Success', status: '200' })).toBe(0);
      expect(sampleValue(await scrape(), 'cloud_assistant_http_requests_total', { action: 'InvokeCommand', code: 'Success', status: '200' })).toBeGreaterThan(
        0,
      );
    } finally {
      await replica.kill();
    }
  });
});
