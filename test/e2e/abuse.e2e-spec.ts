import { AgentActions } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { connect } from 'node:net';
import { registeredAgentState } from '../support/agents';
import { eventually } from '../support/eventually';
import { popClient } from '../support/sdk-clients';
import { startReplica } from '../support/server-processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, tableCounts, tableSnapshot, TestApp } from '../support/test-app';

/** Abuse: per-key rate limits answer Throttling.User, and spare other keys. */
describe('abuse', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_PER_SECOND: '5' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('a key over its rate is answered Throttling.User (429, retry-after) without the action running; other keys are not', async () => {
    await new Promise((r) => setTimeout(r, 2100)); // time refills the bucket: 10 requests
    const other = await app.admin.call('CreateAccessKey', { Role: 'admin' });
    const before = await tableCounts(app);
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        app.admin.callRaw('CreateCommand', {
          RegionId: 'cn-hangzhou',
          Name: `burst-${i}`,
          Type: 'RunShellScript',
          CommandContent: Buffer.from('true').toString('base64'),
        }),
      ),
    );
    const throttled = answers.filter((a) => a.status === 429);
    const created = answers.filter((a) => a.status === 200);
    expect(throttled.length).toBeGreaterThan(0);
    expect(JSON.parse(throttled[0].text)).toMatchObject({ Code: 'Throttling.User' });
    expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const after = await tableCounts(app);
    expect(after.commands - before.commands).toBe(created.length);

    const otherClient = new RpcClient({
      endpoint: app.endpoint,
      accessKeyId: other.body.AccessKeyId as string,
      accessKeySecret: other.body.AccessKeySecret as string,
    });
    await expect(otherClient.call('DescribeRegions')).resolves.toMatchObject({ status: 200 });

    await new Promise((r) => setTimeout(r, 1100)); // time refills the bucket
    await expect(app.admin.call('DescribeRegions')).resolves.toMatchObject({ status: 200 });
  });

  it('the SDKs see the throttling code', async () => {
    const pop = popClient(app.endpoint, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => pop.request('DescribeRegions', {})));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0].reason).toMatchObject({ code: 'Throttling.User' });
  });
});

/** A key deleted through one replica is refused at once by another that had it cached. */
describe('revocation across replicas', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('is immediate', async () => {
    const replica = await startReplica(app);
    try {
      const created = await app.admin.call('CreateAccessKey', { Role: 'admin' });
      const key = { accessKeyId: created.body.AccessKeyId as string, accessKeySecret: created.body.AccessKeySecret as string };
      const onReplica = new RpcClient({ endpoint: `http://127.0.0.1:${replica.port}`, ...key });
      await expect(onReplica.call('DescribeRegions')).resolves.toMatchObject({ status: 200 }); // now cached there
      await expect(app.admin.call('DeleteAccessKey', { UserAccessKeyId: key.accessKeyId })).resolves.toMatchObject({ status: 200 });
      // Within the NOTIFY's trip to the replica.
      await eventually(
        async () => expect(await onReplica.call('DescribeRegions')).toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } }),
        { timeoutMs: 1000, intervalMs: 20, description: 'the replica refuses the deleted key' },
      );
    } finally {
      await replica.kill();
    }
  });
});

/**
 * A client trickling its request in is cut off once REQUEST_TIMEOUT_SECONDS have passed since it
 * began, with a 408 in Alibaba's body; only receiving the request is bounded, not answering it.
 * The bound is 2 s here, below the long poll, which the schema would refuse in production.
 */
describe('slow requests', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({}, { REQUEST_TIMEOUT_SECONDS: 2 });
  });
  afterAll(async () => {
    await app.close();
  });

  /** Sends `head`, then `trickle` a byte every 250 ms; resolves with what the server wrote once it closes. */
  function trickle(head: string, rest: string): Promise<{ answer: string; unsent: number }> {
    return new Promise((resolve, reject) => {
      const socket = connect(app.port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      socket.on('connect', () => {
        socket.write(head);
        timer = setInterval(() => {
          if (sent < rest.length && socket.writable) socket.write(rest[sent++]);
        }, 250);
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', () => {}); // a reset after the answer is the server closing: 'close' follows
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, unsent: rest.length - sent });
      });
      socket.setTimeout(50_000, () => reject(new Error(`the server never cut the slow request off; it wrote: ${answer}`)));
    });
  }

  const createCommandForm = (): string =>
    app.admin.signedForm('CreateCommand', {
      RegionId: 'cn-hangzhou',
      Name: 'slow-body',
      Type: 'RunShellScript',
      CommandContent: Buffer.from('true').toString('base64'),
    });

  it.each([
    [
      'a body',
      (form: string) => [`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n`, form],
    ],
    [
      'headers',
      (form: string) => ['POST / HTTP/1.1\r\n', `Host: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`],
    ],
  ])('%s sent a byte every 250 ms is answered 408 RequestTimeout and the connection closed; nothing is written', async (_what, parts) => {
    const before = await tableSnapshot(app);
    const [head, rest] = parts(createCommandForm());
    const { answer, unsent } = await trickle(head, rest);
    expect(unsent).toBeGreaterThan(0);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ Code: 'RequestTimeout', HostId: 'cloud-assistant' });
    await expect(tableSnapshot(app)).resolves.toEqual(before);
  });

  it('a long poll held longer than the request timeout is answered normally', async () => {
    const { credentials } = await registeredAgentState(app);
    const agent = new RpcClient({ endpoint: app.endpoint, accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret });
    const started = Date.now();
    const polled = await agent.call(AgentActions.poll, { WaitSeconds: '4' });
    expect(polled).toMatchObject({ status: 200, body: { Tasks: [] } });
    // It was held past the 2 s bound (nothing to deliver), so the bound did not cut it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
  });
});
