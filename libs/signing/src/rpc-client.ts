import { randomUUID } from 'node:crypto';
import { formatV1Timestamp, signV1, RpcParams } from './signature-v1';
import { percentEncode } from './percent-encode';

/** Parameters the V1 signature itself sets; a request parameter of the same name would clash. */
const RESERVED_PARAMETERS = new Set(['AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature']);

export interface RpcClientOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  version?: string;
}

export interface RawRpcResponse {
  status: number;
  text: string;
  headers: Headers;
}

export interface RpcResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A minimal V1-signing RPC client (form POST), used by our CLI and the agent. Tests check it
 * against the official SDKs; keeping it ours avoids shipping the SDKs in production code.
 */
export class RpcClient {
  constructor(private readonly options: RpcClientOptions) {}

  signedForm(action: string, params: RpcParams): string {
    const reserved = Object.keys(params).find((name) => RESERVED_PARAMETERS.has(name));
    if (reserved) throw new Error(`${reserved} is set by the signature and cannot be a request parameter`);
    const all: RpcParams = {
      Action: action,
      Format: 'JSON',
      Version: this.options.version ?? '2014-05-26',
      AccessKeyId: this.options.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: formatV1Timestamp(new Date()),
      ...params,
    };
    all.Signature = signV1('POST', all, this.options.accessKeySecret);
    return Object.entries(all)
      .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
      .join('&');
  }

  /** Sends a signed request and returns the answer as it came (JSON or XML text). */
  async callRaw(action: string, params: RpcParams = {}, signal?: AbortSignal): Promise<RawRpcResponse> {
    const response = await fetch(this.options.endpoint.replace(/\/$/, '') + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: this.signedForm(action, params),
      signal,
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  async call(action: string, params: RpcParams = {}, signal?: AbortSignal): Promise<RpcResponse> {
    const { status, text } = await this.callRaw(action, params, signal);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { Code: 'InvalidResponse', Message: text.slice(0, 500) };
    }
    return { status, body };
  }
}
