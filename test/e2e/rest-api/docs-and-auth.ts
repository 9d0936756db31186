import { RpcClient } from '@ca/signing';
import { registeredAgentState } from '../../support/agents';
import { call, REGION } from '../../support/factories';
import { basicAuthorization, RestClient } from '../../support/rest-client';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, tableSnapshot } from '../../support/test-app';
import { refusal, RestSuite, unique } from './suite';

/** The document itself, authentication, authorization, rate limiting and the error body. */
export function docsAndAuthTests(suite: RestSuite): void {
  describe('documentation', () => {
    it('serves Swagger UI at /docs and an OpenAPI 3 document at /docs/json, every route secured with Basic and documenting its failures', async () => {
      const ui = await fetch(`${suite.app.endpoint}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
      const { document } = suite;
      expect(document.openapi).toMatch(/^3\./);
      expect(document.components.securitySchemes?.basic).toEqual(expect.objectContaining({ type: 'http', scheme: 'basic' }));
      const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
      expect(operations.length).toBeGreaterThanOrEqual(15);
      for (const { path, op } of operations) {
        expect(path).toMatch(/^\/v1\//);
        expect(op.security).toEqual([{ basic: [] }]);
        expect(Object.keys(op.responses).some((status) => /^2/.test(status))).toBe(true);
        for (const status of ['401', '403', '429']) {
          expect(op.responses[status]?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
        }
      }
      expect(document.components.schemas.Error.required).toEqual(['requestId', 'code', 'message']);
    });

    it('Swagger UI keeps no credentials in localStorage and may not be framed or load foreign scripts', async () => {
      const init = await fetch(`${suite.app.endpoint}/docs/swagger-ui-init.js`);
      expect(init.status).toBe(200);
      const script = await init.text();
      expect(script).toContain('customOptions');
      expect(script).not.toMatch(/persistAuthorization["']?\s*:\s*true/);
      for (const path of ['/docs', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js', '/docs/json']) {
        const response = await fetch(`${suite.app.endpoint}${path}`);
        await response.arrayBuffer(); // an unread body would keep the connection busy past the suite
        expect(response.status).toBe(200);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("script-src 'self';");
        expect(csp).toContain("object-src 'none'");
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      }
    });
  });

  describe('authentication and authorization', () => {
    it('GET /v1/whoami names the key and its role', async () => {
      const admin = await suite.admin.call('GET', '/v1/whoami');
      expect(admin).toMatchObject({ status: 200, body: { accessKeyId: ADMIN_KEY_ID, role: 'admin' } });
      const readonly = await suite.readonly.call('GET', '/v1/whoami');
      expect(readonly).toMatchObject({ status: 200, body: { accessKeyId: suite.readonlyKeyId, role: 'readonly' } });
    });

    it('answers 401 without usable Basic credentials, with one code for an unknown key and a wrong secret, and no browser challenge', async () => {
      const cases: Array<[string | undefined, string]> = [
        [undefined, 'Unauthorized.MissingCredentials'],
        ['Bearer abc', 'Unauthorized.MissingCredentials'],
        [`Basic ${Buffer.from('no-colon').toString('base64')}`, 'Unauthorized.MissingCredentials'],
        ['Basic !!!', 'Unauthorized.MissingCredentials'],
        [basicAuthorization(ADMIN_KEY_ID, `${ADMIN_KEY_SECRET}x`), 'Unauthorized.InvalidCredentials'],
        [basicAuthorization(ADMIN_KEY_ID, ''), 'Unauthorized.InvalidCredentials'],
        [basicAuthorization('LTAIunknownkey000000000', ADMIN_KEY_SECRET), 'Unauthorized.InvalidCredentials'],
      ];
      const before = await tableSnapshot(suite.app);
      for (const [authorization, code] of cases) {
        const client = suite.admin.as(authorization);
        const read = await client.call('GET', '/v1/whoami');
        expect(refusal(read)).toEqual({ status: 401, code });
        expect(read.headers.get('www-authenticate')).toBeNull();
        const write = await client.call('POST', '/v1/commands', { body: { name: unique('n'), type: 'RunShellScript', content: 'true' } });
        expect(refusal(write)).toEqual({ status: 401, code });
      }
      expect(await tableSnapshot(suite.app)).toEqual(before);
    });

    it('lets a readonly key read but answers 403 Forbidden.RAM, as RPC does, to each of its writes, changing nothing', async () => {
      const created = await suite.admin.call('POST', '/v1/commands', { body: { name: unique('ro'), type: 'RunShellScript', content: 'echo ro' } });
      const commandId = created.body.commandId as string;
      const before = await tableSnapshot(suite.app);
      const ro = suite.readonly;
      const writes = [
        await ro.call('POST', '/v1/commands', { body: { name: unique('n'), type: 'RunShellScript', content: 'true' } }),
        await ro.call('PATCH', '/v1/commands/{commandId}', { params: { commandId }, body: { name: 'renamed' } }),
        await ro.call('DELETE', '/v1/commands/{commandId}', { params: { commandId } }),
        await ro.call('POST', '/v1/invocations', { body: { commandId, instanceIds: ['i-any'] } }),
        await ro.call('POST', '/v1/invocations/{invokeId}/stop', { params: { invokeId: 't-any' } }),
      ];
      for (const write of writes) expect(refusal(write)).toEqual({ status: 403, code: 'Forbidden.RAM' });
      expect(await tableSnapshot(suite.app)).toEqual(before);
      const read = await ro.call('GET', '/v1/commands/{commandId}', { params: { commandId } });
      expect(read.body).toMatchObject({ commandId, name: created.body.name });
      const key = await call(suite.app, 'CreateAccessKey', { Role: 'readonly' });
      const rpcReadonly = new RpcClient({ endpoint: suite.app.endpoint, accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret });
      const overRpc = await rpcReadonly.call('CreateCommand', { RegionId: REGION, Name: 'x', Type: 'RunShellScript', CommandContent: 'dHJ1ZQ==' });
      expect({ status: overRpc.status, code: overRpc.body.Code }).toEqual({ status: 403, code: 'Forbidden.RAM' });
    });

    it('refuses an agent credential with 403 Forbidden.RAM even for reads', async () => {
      const { credentials } = await registeredAgentState(suite.app);
      const agent = suite.admin.as(basicAuthorization(credentials.accessKeyId, credentials.accessKeySecret));
      expect(refusal(await agent.call('GET', '/v1/whoami'))).toEqual({ status: 403, code: 'Forbidden.RAM' });
    });

    it('rate-limits each key as the RPC edge does: 429 Throttling.User with retry-after', async () => {
      const throttled = await startTestApp({ RATE_LIMIT_PER_SECOND: '1' });
      try {
        const client = new RestClient(throttled.endpoint, suite.document, suite.exercised, basicAuthorization(ADMIN_KEY_ID, ADMIN_KEY_SECRET));
        const answers = [];
        for (let i = 0; i < 6; i++) answers.push(await client.call('GET', '/v1/regions'));
        const refused = answers.find((answer) => answer.status === 429);
        expect(refused && refusal(refused)).toEqual({ status: 429, code: 'Throttling.User' });
        expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      } finally {
        await throttled.close();
      }
    });
  });

  describe('error bodies', () => {
    it('answers a route that does not exist under /v1 with the REST error body, and anywhere else still with Alibaba’s', async () => {
      const rest = await fetch(`${suite.app.endpoint}/v1/no-such-resource`);
      const restBody = (await rest.json()) as Record<string, unknown>;
      expect({ status: rest.status, ...restBody }).toEqual({
        status: 404,
        requestId: rest.headers.get('x-request-id'),
        code: 'InvalidAction.NotFound',
        message: expect.any(String),
      });
      const rpc = await fetch(`${suite.app.endpoint}/no-such-path`);
      expect({ status: rpc.status, body: await rpc.json() }).toEqual({
        status: 404,
        body: { RequestId: expect.any(String), HostId: suite.app.config.HOST_ID, Code: 'InvalidAction.NotFound', Message: expect.any(String) },
      });
    });

    it('refuses a body that is not JSON (415), not valid JSON or not an object (400), or has an unknown field (400), creating nothing', async () => {
      const before = await tableSnapshot(suite.app);
      const post = (request: Parameters<RestClient['call']>[2]) => suite.admin.call('POST', '/v1/commands', request);
      expect(refusal(await post({ rawBody: 'name=x', contentType: 'application/x-www-form-urlencoded' }))).toEqual({
        status: 415,
        code: 'UnsupportedMediaType',
      });
      expect(refusal(await post({ rawBody: '{"name":', contentType: 'application/json' }))).toEqual({ status: 400, code: 'InvalidParameter.Encoding' });
      expect(refusal(await post({ rawBody: '["x"]', contentType: 'application/json' }))).toEqual({ status: 400, code: 'InvalidParameter.Encoding' });
      const unknownField = await post({ body: { name: 'x', type: 'RunShellScript', content: 'true', colour: 'red' } });
      expect(refusal(unknownField)).toEqual({ status: 400, code: 'InvalidParameter.Colour' });
      expect(await tableSnapshot(suite.app)).toEqual(before);
    });
  });
}
