import { ApiError } from './api-error';
import { isRestPath, renderError } from './error-response';

const audience = { requestId: 'REQ-1', hostId: 'ecs.test' };

function throttled(): ApiError {
  const error = new ApiError('Throttling.User');
  error.retryAfterSeconds = 3;
  return error;
}

describe('renderError', () => {
  it('answers Alibaba\u2019s JSON body off /v1, with the catalogue\u2019s status', () => {
    const rendered = renderError(new ApiError('InvalidCmdId.NotFound'), { ...audience, url: '/?Action=InvokeCommand' });
    expect(rendered.status).toBe(404);
    expect(rendered.headers).toEqual({ 'content-type': 'application/json;charset=utf-8' });
    expect(JSON.parse(rendered.body)).toEqual({
      RequestId: 'REQ-1',
      HostId: 'ecs.test',
      Code: 'InvalidCmdId.NotFound',
      Message: 'The specified commandId does not exist.',
    });
  });

  it('answers Alibaba\u2019s XML body when the RPC request asked for XML', () => {
    const rendered = renderError(new ApiError('Forbidden.AgentOnly'), { ...audience, url: '/', format: 'XML' });
    expect(rendered.status).toBe(403);
    expect(rendered.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(rendered.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>REQ-1</RequestId><HostId>ecs.test</HostId>' +
        '<Code>Forbidden.AgentOnly</Code><Message>This action is reserved for agents.</Message></Error>',
    );
  });

  it('answers the REST body under /v1, with the RequestId also in x-request-id', () => {
    const rendered = renderError(ApiError.missing('RegionId'), { ...audience, url: '/v1/commands?regionId=' });
    expect(rendered.status).toBe(400);
    expect(rendered.headers).toEqual({ 'x-request-id': 'REQ-1', 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(rendered.body)).toEqual({
      requestId: 'REQ-1',
      code: 'MissingParameter.RegionId',
      message: 'The input parameter \u201cRegionId\u201d that is mandatory for processing this request is not supplied.',
    });
  });

  it('says when to retry: seconds and, for Alibaba\u2019s SDKs, milliseconds over RPC; seconds over REST', () => {
    expect(renderError(throttled(), { ...audience, url: '/' })).toMatchObject({
      status: 429,
      headers: { 'retry-after': '3', 'x-acs-retry-after': '3000' },
    });
    const rest = renderError(throttled(), { ...audience, url: '/v1/invocations' });
    expect(rest.headers['retry-after']).toBe('3');
    expect(rest.headers).not.toHaveProperty('x-acs-retry-after');
  });

  it('answers a request whose URL was never read (Node\u2019s own refusals) with Alibaba\u2019s body', () => {
    const rendered = renderError(new ApiError('RequestHeaderFieldsTooLarge'), { ...audience, url: undefined });
    expect(rendered.status).toBe(431);
    expect(JSON.parse(rendered.body)).toMatchObject({ Code: 'RequestHeaderFieldsTooLarge', HostId: 'ecs.test' });
  });
});

describe('isRestPath', () => {
  it.each([
    ['/v1', true],
    ['/v1/commands', true],
    ['/v1?x=1', true],
    ['/v10/commands', false],
    ['/', false],
    ['/?Action=DescribeRegions', false],
    ['/agent/register', false],
    [undefined, false],
  ])('%s \u2192 %s', (url, expected) => {
    expect(isRestPath(url)).toBe(expected);
  });
});
