import { RpcClient } from '@ca/signing';
import { popClient } from '../support/sdk-clients';
import { startReplica } from '../support/server-processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, tableCounts, TestApp } from '../support/test-app';

/** Issue 5, abuse: per-key rate limits answer Throttling.User, and spare other keys. */
describe('abuse', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_PER_SECOND: '5' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('a key over its rate is answered Throttling.User (429, retry-after) without the action running; other keys are not', async () => {
    await new Promise((r) => setTimeout(r, 2100)); // a full bucket: 10 requests
    const other = await app.admin.call('CreateAccessKey', { Role: 'admin' });
    const before = await tableCounts(app);
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        app.admin.callRaw('CreateCommand', { RegionId: 'cn-hangzhou', Name: `burst-${i}`, Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') }),
      ),
    );
    const throttled = answers.filter((a) => a.status === 429);
    const created = answers.filter((a) => a.status === 200);
    expect(throttled.length).toBeGreaterThan(0);
    expect(JSON.parse(throttled[0].text)).toMatchObject({ Code: 'Throttling.User' });
    expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const after = await tableCounts(app);
    expect(after.commands - before.commands).toBe(created.length);

    const otherClient = new RpcClient({ endpoint: app.endpoint, accessKeyId: other.body.AccessKeyId as string, accessKeySecret: other.body.AccessKeySecret as string });
    await expect(otherClient.call('DescribeRegions')).resolves.toMatchObject({ status: 200 });

    await new Promise((r) => setTimeout(r, 1100));
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
      await new Promise((r) => setTimeout(r, 100)); // the NOTIFY's trip
      await expect(onReplica.call('DescribeRegions')).resolves.toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } });
    } finally {
      await replica.kill();
    }
  });
});
