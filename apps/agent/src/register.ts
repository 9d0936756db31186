import { AGENT_REGISTER_PATH, AGENT_VERSION, AgentRegisterRequest, AgentRegisterResponse } from '@ca/protocol';
import http from 'node:http';
import https from 'node:https';
import { hostname, platform } from 'node:os';
import { AgentState } from './agent-state';
import { retryAfterMs, sleep } from './service-client';

/**
 * How long registration keeps waiting out the service's throttling (429) before it gives up: a
 * whole fleet installed at once from behind one address is throttled by design, and each machine
 * should get through, not fail its install.
 */
const THROTTLED_FOR_AT_MOST_MS = 10 * 60_000;

export interface RegisterOptions {
  server: string;
  region: string;
  activationId: string;
  activationCode: string;
  instanceId?: string;
  stateDir: string;
  /** PEM of the CA to pin (https only); stored with the credentials for `agent run`. */
  ca?: string;
  /** Progress worth telling the person installing (a throttled attempt). */
  log?: (message: string) => void;
}

/** `agent register`: trades an activation for this machine's own credential. */
export async function register(options: RegisterOptions): Promise<AgentRegisterResponse> {
  const request: AgentRegisterRequest = {
    regionId: options.region,
    activationId: options.activationId,
    activationCode: options.activationCode,
    instanceId: options.instanceId,
    hostname: hostname(),
    osType: platform() === 'win32' ? 'windows' : 'linux',
    agentVersion: AGENT_VERSION,
  };
  const server = options.server.replace(/\/$/, '');
  const url = new URL(server + AGENT_REGISTER_PATH);
  const giveUpAt = Date.now() + THROTTLED_FOR_AT_MOST_MS;
  let response = await postJson(url, JSON.stringify(request), options.ca);
  while (response.status === 429 && Date.now() < giveUpAt) {
    // Full jitter on top of the service's Retry-After, so machines throttled together spread out.
    const wait = retryAfterMs(response.retryAfter) * (1 + Math.random());
    (options.log ?? (() => undefined))(`registration throttled by the service; retrying in ${Math.ceil(wait / 1000)} s`);
    await sleep(wait);
    response = await postJson(url, JSON.stringify(request), options.ca);
  }
  let body: AgentRegisterResponse & { Code?: string; Message?: string };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    throw new Error(`registration failed: ${response.status}: ${response.text.slice(0, 200)}`);
  }
  if (response.status >= 400) throw new Error(`registration refused: ${body.Code ?? response.status}: ${body.Message ?? ''}`);
  new AgentState(options.stateDir).writeCredentials({
    server,
    regionId: options.region,
    instanceId: body.InstanceId,
    accessKeyId: body.AccessKeyId,
    accessKeySecret: body.AccessKeySecret,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  return body;
}

/** node:https rather than fetch, which takes no CA of its own. */
function postJson(url: URL, json: string, ca: string | undefined): Promise<{ status: number; text: string; retryAfter?: string | string[] }> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(json);
    const options = { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } };
    const onResponse = (response: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: response.headers['retry-after'] }),
      );
      response.on('error', reject);
    };
    const request = url.protocol === 'https:' ? https.request(url, { ...options, ...(ca ? { ca } : {}) }, onResponse) : http.request(url, options, onResponse);
    request.setTimeout(30_000, () => request.destroy(new Error('no answer from the service')));
    request.on('error', reject);
    request.end(body);
  });
}
