import { formatV1Timestamp, percentEncode, signV1 } from '@ca/signing';
import { randomUUID } from 'node:crypto';
import { call, newCommand, newInstance, REGION } from '../support/factories';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, tableCounts, TestApp } from '../support/test-app';

type Params = Record<string, string>;
type Answer = { status: number; body: Record<string, string> };

/**
 * One-shot InvokeCommands are group-committed (several requests, one statement): each request
 * still gets its own verdict, a refused one writes nothing but its nonce, and a nonce is spent
 * exactly once however many copies of a signed request arrive together.
 */
describe('InvokeCommand group commit', () => {
  let app: TestApp;
  let commandId: string;
  let ready: string[];
  let stopped: string;

  beforeAll(async () => {
    app = await startTestApp();
    commandId = await newCommand(app);
    ready = await Promise.all([newInstance(app), newInstance(app), newInstance(app)]);
    stopped = await newInstance(app, { status: 'Stopped' });
  });
  afterAll(async () => {
    await app.close();
  });

  /** A signed InvokeCommand body: the same string sent twice is a replay. */
  function signedInvoke(extra: Params): string {
    const params: Params = {
      Action: 'InvokeCommand',
      Format: 'JSON',
      Version: '2014-05-26',
      AccessKeyId: ADMIN_KEY_ID,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: formatV1Timestamp(new Date()),
      RegionId: REGION,
      ...extra,
    };
    params.Signature = signV1('POST', params, ADMIN_KEY_SECRET);
    return Object.entries(params)
      .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
      .join('&');
  }

  async function post(body: string): Promise<Answer> {
    const response = await fetch(app.endpoint + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function recordsOf(invokeId: string): Promise<string[]> {
    const rows = await app.sql<{ instance_id: string }>('SELECT instance_id FROM invocation_records WHERE invoke_id = $1 ORDER BY instance_id', [invokeId]);
    return rows.map((r) => r.instance_id);
  }

  it('answers each of many concurrent requests on its own: the good ones committed with their records, the refused ones write nothing', async () => {
    const kinds = ['ok', 'unknownInstance', 'stopped', 'unknownCommand', 'okTwoInstances'] as const;
    const requests = Array.from({ length: 40 }, (_, i) => kinds[i % kinds.length]);
    const paramsOf = (kind: (typeof kinds)[number], i: number): Params => {
      const instance = ready[i % ready.length];
      switch (kind) {
        case 'ok':
          return { CommandId: commandId, InstanceIds: JSON.stringify([instance]) };
        case 'okTwoInstances':
          return { CommandId: commandId, InstanceIds: JSON.stringify([ready[0], ready[1]]), WorkingDir: '/tmp', Timeout: '70' };
        case 'unknownInstance':
          return { CommandId: commandId, InstanceIds: JSON.stringify([instance, 'i-nosuchinstance']) };
        case 'stopped':
          return { CommandId: commandId, InstanceIds: JSON.stringify([instance, stopped]) };
        case 'unknownCommand':
          return { CommandId: 'c-00000000000000000000000000000000', InstanceIds: JSON.stringify([instance]) };
      }
    };
    const invocationsBefore = (await tableCounts(app)).invocations;
    const answers = await Promise.all(requests.map((kind, i) => post(signedInvoke(paramsOf(kind, i)))));

    const expected: Record<(typeof kinds)[number], { status: number; code?: string }> = {
      ok: { status: 200 },
      okTwoInstances: { status: 200 },
      unknownInstance: { status: 404, code: 'InvalidInstance.NotFound' },
      stopped: { status: 400, code: 'InvalidInstanceStatus' },
      unknownCommand: { status: 404, code: 'InvalidCmdId.NotFound' },
    };
    answers.forEach((answer, i) => {
      const { status, code } = expected[requests[i]];
      expect({ kind: requests[i], status: answer.status, code: answer.body.Code }).toEqual({ kind: requests[i], status, code });
    });
    const committed = answers.filter((a) => a.status === 200);
    expect((await tableCounts(app)).invocations).toBe(invocationsBefore + committed.length);
    for (const [i, answer] of answers.entries()) {
      if (answer.status !== 200) continue;
      const instanceIds = JSON.parse(paramsOf(requests[i], i).InstanceIds) as string[];
      await expect(recordsOf(answer.body.InvokeId)).resolves.toEqual([...instanceIds].sort());
    }
    const two = answers.find((_, i) => requests[i] === 'okTwoInstances')!;
    const [row] = await app.sql('SELECT instance_ids, working_dir, timeout, status, repeat_mode FROM invocations WHERE invoke_id = $1', [two.body.InvokeId]);
    expect(row).toEqual({ instance_ids: [ready[0], ready[1]], working_dir: '/tmp', timeout: 70, status: 'Pending', repeat_mode: 'Once' });
  });

  it('runs a signed request sent ten times at once exactly once; the copies get SignatureNonceUsed', async () => {
    const body = signedInvoke({ CommandId: commandId, InstanceIds: JSON.stringify([ready[0]]) });
    const before = await tableCounts(app);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400 && a.body.Code === 'SignatureNonceUsed')).toHaveLength(9);
    const after = await tableCounts(app);
    expect(after.invocations).toBe(before.invocations + 1);
    expect(after.invocation_records).toBe(before.invocation_records + 1);
  });

  it('spends the nonce of a refused request: its replay is SignatureNonceUsed, not the same refusal again', async () => {
    const body = signedInvoke({ CommandId: commandId, InstanceIds: JSON.stringify(['i-nosuchinstance']) });
    await expect(post(body)).resolves.toMatchObject({ status: 404, body: { Code: 'InvalidInstance.NotFound' } });
    await expect(post(body)).resolves.toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
  });

  it('spends the nonce of a request refused before any database check', async () => {
    const body = signedInvoke({ InstanceIds: JSON.stringify([ready[0]]) });
    await expect(post(body)).resolves.toMatchObject({ status: 400, body: { Code: 'MissingParameter.CommandId' } });
    await expect(post(body)).resolves.toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
  });

  it('a command with parameters enabled is invoked through the transactional path, and its nonce is spent once', async () => {
    const parameterized = await newCommand(app, { EnableParameter: 'true' }, 'echo plain');
    const body = signedInvoke({ CommandId: parameterized, InstanceIds: JSON.stringify([ready[1]]) });
    const first = await post(body);
    expect(first).toMatchObject({ status: 200 });
    await expect(recordsOf(first.body.InvokeId)).resolves.toEqual([ready[1]]);
    await expect(post(body)).resolves.toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
  });

  it('still takes ClientToken and Parameters requests, which the transactional path handles', async () => {
    const parameterized = await newCommand(app, { EnableParameter: 'true' }, 'echo {{name}}');
    const params = { CommandId: parameterized, InstanceIds: JSON.stringify([ready[2]]), Parameters: JSON.stringify({ name: 'x' }), ClientToken: randomUUID() };
    const first = await call(app, 'InvokeCommand', params);
    const again = await call(app, 'InvokeCommand', params);
    expect(again.InvokeId).toBe(first.InvokeId);
    const [row] = await app.sql<{ command_content: Buffer }>('SELECT command_content FROM invocations WHERE invoke_id = $1', [first.InvokeId]);
    expect(row.command_content.toString()).toBe('echo x');
  });
});
