import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import * as $OpenApi from '@alicloud/openapi-client';
import RPCClient from '@alicloud/pop-core';

export interface PopClient {
  request(action: string, params: Record<string, unknown>, options?: Record<string, unknown>): Promise<Record<string, any>>;
}

/** `@alicloud/pop-core`: V1 signatures (HMAC-SHA1), GET by default, form POST on request. */
export function popClient(endpoint: string, accessKeyId: string, accessKeySecret: string): PopClient {
  return new RPCClient({ accessKeyId, accessKeySecret, endpoint, apiVersion: '2014-05-26' });
}

/** `@alicloud/ecs20140526` 7.x: V3 signatures (ACS3-HMAC-SHA256), POST with the query. */
export function ecsClient(port: number, accessKeyId: string, accessKeySecret: string): Ecs {
  return new Ecs(new $OpenApi.Config({ accessKeyId, accessKeySecret, endpoint: `127.0.0.1:${port}`, protocol: 'http', regionId: 'cn-hangzhou' }));
}

export { $Ecs };
