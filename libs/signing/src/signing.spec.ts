import * as OpenApiUtil from '@alicloud/openapi-util';
import { canonicalRequestV3, parseV3Authorization, percentEncode, signedQueryV1, signV1, signV3, V3CanonicalInput } from './index';

/** Our signatures against the official SDK's own implementation of them. */
describe('signing', () => {
  describe(percentEncode.name, () => {
    it.each([
      ['a b', 'a%20b'],
      ['*', '%2A'],
      ['~-_.', '~-_.'],
      ["!'()", '%21%27%28%29'],
      ['0 0-5 14 * * ?', '0%200-5%2014%20%2A%20%2A%20%3F'],
      ['中', '%E4%B8%AD'],
    ])('%s → %s', (input, expected) => {
      expect(percentEncode(input)).toBe(expected);
    });
  });

  describe(signV1.name, () => {
    it('matches the SDK for GET and POST', () => {
      const params = {
        Action: 'InvokeCommand',
        Frequency: '0 0-5 14 * * ?',
        InstanceIds: '["i-1","i-2"]',
        Timestamp: '2026-11-27T00:00:00Z',
        SignatureNonce: 'n-1',
        AccessKeyId: 'id',
        Name: 'ünï cödé *',
      };
      for (const method of ['GET', 'POST']) {
        expect(signV1(method, params, 'secret')).toBe(OpenApiUtil.default.getRPCSignature(params, method, 'secret'));
      }
    });

    it('ignores a Signature parameter among the ones it signs', () => {
      expect(signV1('GET', { A: '1', Signature: 'x' }, 's')).toBe(signV1('GET', { A: '1' }, 's'));
    });
  });

  describe(signedQueryV1.name, () => {
    it('is the parameters plus the Signature signV1 computes, as a query string', () => {
      const params = { Action: 'InvokeCommand', InstanceIds: '["i-1"]', Name: 'ünï cödé *', SignatureNonce: 'n-1' };
      const decoded = Object.fromEntries(new URLSearchParams(signedQueryV1('POST', params, 'secret')));
      expect(decoded).toEqual({ ...params, Signature: signV1('POST', params, 'secret') });
    });
  });

  describe(signV3.name, () => {
    const input: V3CanonicalInput = {
      method: 'POST',
      path: '/',
      query: { RegionId: 'cn-hangzhou', 'InstanceId.1': 'i-1', Frequency: '0 0-5 14 * * ?' },
      headers: { host: '127.0.0.1:8080', 'x-acs-action': 'InvokeCommand', 'x-acs-date': '2026-11-27T00:00:00Z', 'x-acs-content-sha256': 'e3b0' },
      signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date'],
      payloadHash: 'e3b0',
    };

    it('matches the Authorization header the SDK computes', () => {
      const request = { pathname: input.path, method: input.method, query: input.query, headers: input.headers };
      const authorization = OpenApiUtil.default.getAuthorization(request as never, 'ACS3-HMAC-SHA256', input.payloadHash, 'id', 'secret');
      expect(authorization).toBe(`ACS3-HMAC-SHA256 Credential=id,SignedHeaders=${input.signedHeaders.join(';')},Signature=${signV3(input, 'secret')}`);
    });

    it('puts the sorted, encoded query and the signed headers in the canonical request', () => {
      expect(canonicalRequestV3(input).split('\n')).toEqual([
        'POST',
        '/',
        'Frequency=0%200-5%2014%20%2A%20%2A%20%3F&InstanceId.1=i-1&RegionId=cn-hangzhou',
        'host:127.0.0.1:8080',
        'x-acs-action:InvokeCommand',
        'x-acs-content-sha256:e3b0',
        'x-acs-date:2026-11-27T00:00:00Z',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date',
        'e3b0',
      ]);
    });
  });

  describe(parseV3Authorization.name, () => {
    it('reads the three fields', () => {
      expect(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;X-Acs-Date,Signature=ab12')).toEqual({
        accessKeyId: 'AK',
        signedHeaders: ['host', 'x-acs-date'],
        signature: 'ab12',
      });
    });

    it.each(['Bearer x', 'ACS3-HMAC-SHA256 Credential=AK', 'ACS3-HMAC-SHA256 SignedHeaders=h,Signature=s', ''])('returns null for %p', (header) => {
      expect(parseV3Authorization(header)).toBeNull();
    });
  });
});
