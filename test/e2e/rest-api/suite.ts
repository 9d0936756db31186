import { call, REGION } from '../../support/factories';
import { OpenApiDocument } from '../../support/openapi-check';
import { basicAuthorization, RestClient } from '../../support/rest-client';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, TestApp } from '../../support/test-app';

/** What every part of the REST suite shares: one server, its generated document, three clients. */
export interface RestSuite {
  app: TestApp;
  document: OpenApiDocument;
  /** Every `METHOD /path` some test sent. */
  exercised: Set<string>;
  admin: RestClient;
  readonly: RestClient;
  readonlyKeyId: string;
}

/** Loads the document from the running server and makes clients that go through it. */
export async function restSuite(app: TestApp): Promise<RestSuite> {
  const response = await fetch(`${app.endpoint}/docs/json`);
  if (response.status !== 200) throw new Error(`GET /docs/json answered ${response.status}`);
  const document = (await response.json()) as OpenApiDocument;
  const exercised = new Set<string>();
  const admin = new RestClient(app.endpoint, document, exercised, basicAuthorization(ADMIN_KEY_ID, ADMIN_KEY_SECRET), { regionId: REGION });
  const key = await call(app, 'CreateAccessKey', { Role: 'readonly' });
  return {
    app,
    document,
    exercised,
    admin,
    readonly: admin.as(basicAuthorization(key.AccessKeyId, key.AccessKeySecret)),
    readonlyKeyId: key.AccessKeyId,
  };
}

export const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/** How the RPC API refuses the same thing: its status and code (RegionId defaults to REGION). */
export async function rpcRefusal(app: TestApp, action: string, params: Record<string, string>): Promise<{ status: number; code: string }> {
  const response = await app.admin.call(action, { RegionId: REGION, ...params });
  return { status: response.status, code: response.body.Code as string };
}

export const refusal = (response: { status: number; body: { code?: string } }): { status: number; code: string | undefined } => ({
  status: response.status,
  code: response.body?.code,
});
