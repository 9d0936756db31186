import { formatV1Timestamp, percentEncode, RpcClient, sha256Hex, signV1, signV3 } from '@ca/signing';
import { XMLParser } from 'fast-xml-parser';
import { randomUUID } from 'node:crypto';
import { call, newActivation, newCommand, newInstance, registerAgent, REGION } from '../support/factories';
import { $Ecs, ecsClient, popClient } from '../support/sdk-clients';
import { sendFrom, SourcedResponse } from '../support/source-address';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, tableSnapshot, TestApp } from '../support/test-app';

type Params = Record<string, string>;

function v1Params(action: string, extra: Params, keyId = ADMIN_KEY_ID, at = new Date()): Params {
  return {
    Action: action,
    Format: 'JSON',
    Version: '2014-05-26',
    AccessKeyId: keyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: formatV1Timestamp(at),
    ...extra,
  };
}

const encode = (params: Params): string =>
  Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');

/** Request signing: V1 and V3 verified, the timestamp window, nonces, roles, keys revocable. */
describe('authentication', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, string> }> {
    const response = await fetch(app.endpoint + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function signedV1(params: Params, secret = ADMIN_KEY_SECRET): Promise<{ status: number; body: Record<string, string> }> {
    return post(encode({ ...params, Signature: signV1('POST', params, secret) }));
  }

  describe('V1 (HMAC-SHA1)', () => {
    it('accepts a good signature over GET and over POST', async () => {
      const pop = popClient(app.endpoint, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      await expect(pop.request('DescribeRegions', {})).resolves.toHaveProperty('Regions');
      await expect(pop.request('DescribeRegions', {}, { method: 'POST' })).resolves.toHaveProperty('Regions');
      await expect(signedV1(v1Params('DescribeRegions', {}))).resolves.toMatchObject({ status: 200 });
    });

    it('refuses a parameter changed after signing: SignatureDoesNotMatch (400)', async () => {
      const params = v1Params('DescribeRegions', { AcceptLanguage: 'en-US' });
      const signature = signV1('POST', params, ADMIN_KEY_SECRET);
      const response = await post(encode({ ...params, AcceptLanguage: 'zh-CN', Signature: signature }));
      expect(response).toMatchObject({ status: 400, body: { Code: 'SignatureDoesNotMatch' } });
    });

    it('refuses a wrong secret: SignatureDoesNotMatch (400)', async () => {
      await expect(signedV1(v1Params('DescribeRegions', {}), 'not-the-secret')).resolves.toMatchObject({
        status: 400,
        body: { Code: 'SignatureDoesNotMatch' },
      });
    });

    it.each([
      ['20 minutes old', -20],
      ['20 minutes ahead', 20],
    ])('refuses a timestamp %s: InvalidTimeStamp.Expired (400)', async (_title, minutes) => {
      const at = new Date(Date.now() + minutes * 60_000);
      await expect(signedV1(v1Params('DescribeRegions', {}, ADMIN_KEY_ID, at))).resolves.toMatchObject({
        status: 400,
        body: { Code: 'InvalidTimeStamp.Expired' },
      });
    });

    it('accepts a timestamp 10 minutes old (inside the 15-minute window)', async () => {
      const at = new Date(Date.now() - 10 * 60_000);
      await expect(signedV1(v1Params('DescribeRegions', {}, ADMIN_KEY_ID, at))).resolves.toMatchObject({ status: 200 });
    });

    it('refuses a replayed request: SignatureNonceUsed (400), even when the first one changed state', async () => {
      const params = v1Params('CreateCommand', {
        RegionId: REGION,
        Name: 'once',
        Type: 'RunShellScript',
        CommandContent: Buffer.from('true').toString('base64'),
      });
      const body = encode({ ...params, Signature: signV1('POST', params, ADMIN_KEY_SECRET) });
      await expect(post(body)).resolves.toMatchObject({ status: 200 });
      const before = await tableSnapshot(app);
      await expect(post(body)).resolves.toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });

    it('does not let a forged request burn a nonce', async () => {
      const params = v1Params('DescribeRegions', {});
      await expect(signedV1(params, 'forger')).resolves.toMatchObject({ body: { Code: 'SignatureDoesNotMatch' } });
      await expect(signedV1(params)).resolves.toMatchObject({ status: 200 });
    });

    it('refuses an unknown key: InvalidAccessKeyId.NotFound (404)', async () => {
      await expect(signedV1(v1Params('DescribeRegions', {}, 'LTAIunknownkey0000000'))).resolves.toMatchObject({
        status: 404,
        body: { Code: 'InvalidAccessKeyId.NotFound' },
      });
    });

    it('refuses a request without a signature: IncompleteSignature (400)', async () => {
      await expect(post(encode(v1Params('DescribeRegions', {})))).resolves.toMatchObject({
        status: 400,
        body: { Code: 'IncompleteSignature' },
      });
    });

    it('refuses a signed DescribeRegions whose x-acs-action header names CreateAccessKey: IncompleteSignature (400), no key created', async () => {
      const before = await tableSnapshot(app);
      const params = v1Params('DescribeRegions', {});
      const response = await post(encode({ ...params, Signature: signV1('POST', params, ADMIN_KEY_SECRET) }), { 'x-acs-action': 'CreateAccessKey' });
      expect(response).toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
      expect(response.body).not.toHaveProperty('AccessKeySecret');
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });

    it('refuses a signed DescribeCommands whose x-acs-action header names DeleteCommand: the command is still there', async () => {
      const commandId = await newCommand(app);
      const before = await tableSnapshot(app);
      const params = v1Params('DescribeCommands', { RegionId: REGION, CommandId: commandId });
      const response = await post(encode({ ...params, Signature: signV1('POST', params, ADMIN_KEY_SECRET) }), { 'x-acs-action': 'DeleteCommand' });
      expect(response).toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
      const described = await call(app, 'DescribeCommands', { CommandId: commandId });
      expect(described.Commands.Command.map((c: { CommandId: string }) => c.CommandId)).toEqual([commandId]);
    });

    it('accepts an x-acs-action header that names the signed action', async () => {
      const params = v1Params('DescribeRegions', {});
      const response = await post(encode({ ...params, Signature: signV1('POST', params, ADMIN_KEY_SECRET) }), { 'x-acs-action': 'DescribeRegions' });
      expect(response.status).toBe(200);
    });

    it('refuses a signed Version other than 2014-05-26 even when an unsigned x-acs-version header states the right one', async () => {
      const params = v1Params('DescribeRegions', { Version: '2099-01-01' });
      const response = await post(encode({ ...params, Signature: signV1('POST', params, ADMIN_KEY_SECRET) }), { 'x-acs-version': '2014-05-26' });
      expect(response).toMatchObject({ status: 400, body: { Code: 'InvalidParameter.Version' } });
    });

    it('refuses an unsigned request: MissingParameter.AccessKeyId (400)', async () => {
      await expect(post('Action=DescribeRegions')).resolves.toMatchObject({
        status: 400,
        body: { Code: 'MissingParameter.AccessKeyId' },
      });
    });
  });

  describe('V3 (ACS3-HMAC-SHA256)', () => {
    it('accepts the ECS SDK', async () => {
      const ecs = ecsClient(app.port, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      const response = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
      expect(response.statusCode).toBe(200);
    });

    it('refuses a wrong secret, with the status the SDK throws on', async () => {
      const ecs = ecsClient(app.port, ADMIN_KEY_ID, 'not-the-secret');
      await expect(ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}))).rejects.toMatchObject({
        code: 'SignatureDoesNotMatch',
        statusCode: 400,
      });
    });

    it('refuses an unknown key', async () => {
      const ecs = ecsClient(app.port, 'LTAIunknownkey0000000', ADMIN_KEY_SECRET);
      await expect(ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}))).rejects.toMatchObject({
        code: 'InvalidAccessKeyId.NotFound',
        statusCode: 404,
      });
    });

    /** A V3 request built by hand, so that single parts of it can be tampered with. */
    function v3Request(query: Params, body = '', options: { nonce?: string; date?: Date; signedHeaders?: string[] } = {}) {
      const headers: Record<string, string> = {
        host: `127.0.0.1:${app.port}`,
        'x-acs-action': 'DescribeRegions',
        'x-acs-version': '2014-05-26',
        'x-acs-date': formatV1Timestamp(options.date ?? new Date()),
        'x-acs-signature-nonce': options.nonce ?? randomUUID(),
        'x-acs-content-sha256': sha256Hex(body),
        'content-type': 'application/x-www-form-urlencoded',
      };
      const signedHeaders = options.signedHeaders ?? Object.keys(headers).sort();
      const signature = signV3({ method: 'POST', path: '/', query, headers, signedHeaders, payloadHash: headers['x-acs-content-sha256'] }, ADMIN_KEY_SECRET);
      headers.authorization = `ACS3-HMAC-SHA256 Credential=${ADMIN_KEY_ID},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
      return { headers, query, body };
    }

    async function send(request: { headers: Record<string, string>; query: Params; body: string }) {
      const { host: _host, ...headers } = request.headers;
      const response = await fetch(`${app.endpoint}/?${encode(request.query)}`, { method: 'POST', headers, body: request.body || undefined });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    }

    it('accepts a hand-built request, and refuses it replayed: SignatureNonceUsed', async () => {
      const request = v3Request({ AcceptLanguage: 'en-US' });
      await expect(send(request)).resolves.toMatchObject({ status: 200 });
      await expect(send(request)).resolves.toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
    });

    it('refuses a query parameter changed after signing', async () => {
      const request = v3Request({ AcceptLanguage: 'en-US' });
      await expect(send({ ...request, query: { AcceptLanguage: 'zh-CN' } })).resolves.toMatchObject({
        status: 400,
        body: { Code: 'SignatureDoesNotMatch' },
      });
    });

    it('refuses a body that does not match x-acs-content-sha256', async () => {
      const request = v3Request({}, 'AcceptLanguage=en-US');
      await expect(send({ ...request, body: 'AcceptLanguage=zh-CN' })).resolves.toMatchObject({
        status: 400,
        body: { Code: 'SignatureDoesNotMatch' },
      });
    });

    it('refuses an expired x-acs-date', async () => {
      const request = v3Request({}, '', { date: new Date(Date.now() - 30 * 60_000) });
      await expect(send(request)).resolves.toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Expired' } });
    });

    it('refuses an Action parameter that names another action than the signed x-acs-action: InvalidParameter.Action, nothing written', async () => {
      const before = await tableSnapshot(app);
      const request = v3Request({ Action: 'CreateAccessKey', Role: 'admin' });
      await expect(send(request)).resolves.toMatchObject({ status: 400, body: { Code: 'InvalidParameter.Action' } });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });

    it('refuses an unsigned x-acs-version header: IncompleteSignature', async () => {
      const request = v3Request({}, '', {
        signedHeaders: ['content-type', 'host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce'],
      });
      await expect(send(request)).resolves.toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
    });

    it('refuses an unsigned content-type on a request with a body: IncompleteSignature', async () => {
      const request = v3Request({}, 'AcceptLanguage=en-US', {
        signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
      });
      await expect(send(request)).resolves.toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
    });

    it('refuses a signature that leaves the nonce unsigned: IncompleteSignature', async () => {
      const request = v3Request({}, '', { signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date'] });
      await expect(send(request)).resolves.toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
    });
  });

  describe('roles and keys', () => {
    it('a readonly key reads but is refused on a write action: Forbidden.RAM (403), nothing written', async () => {
      const created = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
      expect(created.status).toBe(200);
      const reader = new RpcClient({
        endpoint: app.endpoint,
        accessKeyId: created.body.AccessKeyId as string,
        accessKeySecret: created.body.AccessKeySecret as string,
      });
      await expect(reader.call('DescribeCommands', { RegionId: REGION })).resolves.toMatchObject({ status: 200 });
      const before = await tableSnapshot(app);
      const refused = await reader.call('CreateCommand', {
        RegionId: REGION,
        Name: 'x',
        Type: 'RunShellScript',
        CommandContent: Buffer.from('true').toString('base64'),
      });
      expect(refused).toMatchObject({ status: 403, body: { Code: 'Forbidden.RAM' } });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
      await expect(reader.call('CreateAccessKey', { Role: 'admin' })).resolves.toMatchObject({ status: 403 });
    });

    it('a deleted key is refused at once', async () => {
      const created = await app.admin.call('CreateAccessKey', { Role: 'admin' });
      const key = { accessKeyId: created.body.AccessKeyId as string, accessKeySecret: created.body.AccessKeySecret as string };
      const client = new RpcClient({ endpoint: app.endpoint, ...key });
      await expect(client.call('DescribeRegions')).resolves.toMatchObject({ status: 200 });
      await expect(app.admin.call('DeleteAccessKey', { UserAccessKeyId: key.accessKeyId })).resolves.toMatchObject({ status: 200 });
      await expect(client.call('DescribeRegions')).resolves.toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } });
    });

    it('a key cannot delete itself, and an unknown key cannot be deleted', async () => {
      await expect(app.admin.call('DeleteAccessKey', { UserAccessKeyId: ADMIN_KEY_ID })).resolves.toMatchObject({
        status: 400,
        body: { Code: 'InvalidAccessKeyId.InUse' },
      });
      await expect(app.admin.call('DeleteAccessKey', { UserAccessKeyId: 'LTAInope' })).resolves.toMatchObject({
        status: 404,
        body: { Code: 'InvalidAccessKeyId.NotFound' },
      });
    });

    it('an agent credential is refused on the operator API', async () => {
      const instanceId = await newInstance(app, { withClient: false });
      const registered = await registerAgent(app, await newActivation(app), instanceId);
      const agent = new RpcClient({
        endpoint: app.endpoint,
        accessKeyId: registered.body.AccessKeyId,
        accessKeySecret: registered.body.AccessKeySecret,
      });
      await expect(agent.call('DescribeInvocations', { RegionId: REGION })).resolves.toMatchObject({
        status: 403,
        body: { Code: 'Forbidden.RAM' },
      });
    });

    it('stores no secret in clear', async () => {
      const created = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
      const secret = created.body.AccessKeySecret as string;
      const rows = await app.sql<{ row: string }>('SELECT row_to_json(k)::text AS row FROM access_keys k');
      expect(rows.length).toBeGreaterThan(1);
      for (const { row } of rows) {
        expect(row).not.toContain(secret);
        expect(row).not.toContain(ADMIN_KEY_SECRET);
        expect(row).not.toContain(Buffer.from(secret).toString('hex'));
      }
      const activations = await app.sql<{ row: string }>('SELECT row_to_json(a)::text AS row FROM activations a');
      const activation = await newActivation(app);
      const after = await app.sql<{ row: string }>('SELECT row_to_json(a)::text AS row FROM activations a');
      expect(after.length).toBe(activations.length + 1);
      for (const { row } of after) expect(row).not.toContain(activation.activationCode);
    });
  });
});

/**
 * Failed authentication is throttled per source address (strict) and per claimed key id
 * (generous), before the key is looked up. The window is an hour, so no budget refills while a
 * test runs: each assertion counts answers, none depends on timing.
 */
describe('failed authentication throttling', () => {
  const PER_ADDRESS = 5;
  const PER_KEY = 8;
  let app: TestApp;
  let readonly: { id: string; secret: string };

  beforeAll(async () => {
    app = await startTestApp({
      AUTH_FAILURE_WINDOW_SECONDS: '3600',
      AUTH_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
      AUTH_FAILURES_PER_KEY: String(PER_KEY),
    });
    const created = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
    readonly = { id: created.body.AccessKeyId as string, secret: created.body.AccessKeySecret as string };
  });
  afterAll(async () => {
    await app.close();
  });

  const xml = new XMLParser({ parseTagValue: false });
  const rpcFrom = (address: string, keyId: string, secret: string, extra: Params = {}): Promise<SourcedResponse> => {
    const params = v1Params('DescribeRegions', extra, keyId);
    return sendFrom(address, app.endpoint + '/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encode({ ...params, Signature: signV1('POST', params, secret) }),
    });
  };
  const codeOf = (response: SourcedResponse): string =>
    response.headers['content-type']?.toString().includes('xml') ? xml.parse(response.text).Error.Code : JSON.parse(response.text).Code;

  it('after the address has spent its failures, a correct signature from it is refused with 429 Throttling and Retry-After (JSON and XML) unless its key authenticated lately; other addresses are not', async () => {
    const created = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
    const unused = { id: created.body.AccessKeyId as string, secret: created.body.AccessKeySecret as string };
    const attacker = '127.0.0.2';
    const failures: string[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) {
      // Wrong secrets and unknown key ids alike: both are guesses.
      const response = i % 2 === 0 ? await rpcFrom(attacker, readonly.id, 'wrong-secret') : await rpcFrom(attacker, `LTAIunknown${i}`, 'x');
      failures.push(codeOf(response));
    }
    expect(failures).toEqual([
      'SignatureDoesNotMatch',
      'InvalidAccessKeyId.NotFound',
      'SignatureDoesNotMatch',
      'InvalidAccessKeyId.NotFound',
      'SignatureDoesNotMatch',
    ]);

    const before = await tableSnapshot(app);
    for (const format of ['JSON', 'XML']) {
      const throttled = await rpcFrom(attacker, unused.id, unused.secret, { Format: format });
      expect({ status: throttled.status, code: codeOf(throttled) }).toEqual({ status: 429, code: 'Throttling' });
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    await expect(tableSnapshot(app)).resolves.toEqual(before);

    // The admin key authenticated lately (it created the key above), so the failures of others
    // sharing its address (a NAT, a proxy) do not lock it out; a wrong signature with it is
    // still verified, and refused with Throttling.
    expect((await rpcFrom(attacker, ADMIN_KEY_ID, ADMIN_KEY_SECRET)).status).toBe(200);
    expect(codeOf(await rpcFrom(attacker, ADMIN_KEY_ID, 'wrong-secret'))).toBe('Throttling');

    // The same keys from another address, the readonly one included, still work.
    expect((await rpcFrom('127.0.0.3', ADMIN_KEY_ID, ADMIN_KEY_SECRET)).status).toBe(200);
    expect((await rpcFrom('127.0.0.3', readonly.id, readonly.secret)).status).toBe(200);
  });

  it('failures against one key id from many addresses throttle that key id, not the others (the documented lock-out trade-off)', async () => {
    const victim = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
    const victimId = victim.body.AccessKeyId as string;
    const addresses = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];
    const codes: string[] = [];
    for (let i = 0; i < PER_KEY; i++) codes.push(codeOf(await rpcFrom(addresses[i % addresses.length], victimId, 'guess')));
    expect(codes).toEqual(Array(PER_KEY).fill('SignatureDoesNotMatch'));

    const fresh = '127.0.0.8';
    const refused = await rpcFrom(fresh, victimId, victim.body.AccessKeySecret as string);
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 429, code: 'Throttling' });
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await rpcFrom(fresh, ADMIN_KEY_ID, ADMIN_KEY_SECRET)).status).toBe(200);
  });

  it('failures against a key id that authenticated lately do not lock its owner out', async () => {
    const owner = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
    const ownerId = owner.body.AccessKeyId as string;
    const secret = owner.body.AccessKeySecret as string;
    expect((await rpcFrom('127.0.0.20', ownerId, secret)).status).toBe(200);
    const addresses = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'];
    for (let i = 0; i < PER_KEY; i++) expect(codeOf(await rpcFrom(addresses[i % addresses.length], ownerId, 'guess'))).toBe('SignatureDoesNotMatch');
    expect(codeOf(await rpcFrom('127.0.0.25', ownerId, 'guess'))).toBe('Throttling');
    expect((await rpcFrom('127.0.0.20', ownerId, secret)).status).toBe(200);
  });

  it('a correct V3 (ACS3-HMAC-SHA256) request from a throttled address is refused as well, unless its key authenticated lately', async () => {
    const created = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
    const unused = { id: created.body.AccessKeyId as string, secret: created.body.AccessKeySecret as string };
    const v3From = (address: string, key = { id: ADMIN_KEY_ID, secret: ADMIN_KEY_SECRET }): Promise<SourcedResponse> => {
      const headers: Record<string, string> = {
        host: `127.0.0.1:${app.port}`,
        'x-acs-action': 'DescribeRegions',
        'x-acs-version': '2014-05-26',
        'x-acs-date': formatV1Timestamp(new Date()),
        'x-acs-signature-nonce': randomUUID(),
        'x-acs-content-sha256': sha256Hex(''),
      };
      const signedHeaders = Object.keys(headers).sort();
      const signature = signV3({ method: 'POST', path: '/', query: {}, headers, signedHeaders, payloadHash: sha256Hex('') }, key.secret);
      return sendFrom(address, app.endpoint + '/', {
        headers: { ...headers, authorization: `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}` },
      });
    };
    const address = '127.0.0.9';
    expect((await v3From(address)).status).toBe(200);
    for (let i = 0; i < PER_ADDRESS; i++) expect(codeOf(await rpcFrom(address, `LTAIunknownV3${i}`, 'x'))).toBe('InvalidAccessKeyId.NotFound');
    const response = await v3From(address, unused);
    expect({ status: response.status, code: codeOf(response) }).toEqual({ status: 429, code: 'Throttling' });
    expect((await v3From(address)).status).toBe(200);
  });

  it('REST /v1 Basic failures are throttled the same way: 429 Throttling with Retry-After, other addresses unaffected', async () => {
    const basic = (id: string, secret: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    const get = (address: string, headers: Record<string, string>): Promise<SourcedResponse> =>
      sendFrom(address, `${app.endpoint}/v1/regions`, { method: 'GET', headers });
    const created = await app.admin.call('CreateAccessKey', { Role: 'readonly' });
    const key = { id: created.body.AccessKeyId as string, secret: created.body.AccessKeySecret as string };
    const address = '127.0.0.10';
    for (let i = 0; i < PER_ADDRESS; i++) {
      const refused = await get(address, basic(key.id, `wrong-${i}`));
      expect({ status: refused.status, code: JSON.parse(refused.text).code }).toEqual({ status: 401, code: 'Unauthorized.InvalidCredentials' });
    }
    const throttled = await get(address, basic(key.id, key.secret));
    expect({ status: throttled.status, code: JSON.parse(throttled.text).code }).toEqual({ status: 429, code: 'Throttling' });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await get('127.0.0.11', basic(key.id, key.secret))).status).toBe(200);
    // Now that it authenticated, the throttled address lets it through too.
    expect((await get(address, basic(key.id, key.secret))).status).toBe(200);
  });
});
