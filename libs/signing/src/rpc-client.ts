import { randomUUID } from 'node:crypto';
import { formatV1Timestamp, signV1, RpcParams } from './signature-v1';
import { percentEncode } from './percent-encode';

export interface RpcClientOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  version?: string;
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

  async call(action: string, params: RpcParams = {}, signal?: AbortSignal): Promise<RpcResponse> {
    const response = await fetch(this.options.endpoint.replace(/\/$/, '') + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: this.signedForm(action, params),
      signal,
    });
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { Code: 'InvalidResponse', Message: text.slice(0, 500) };
    }
    return { status: response.status, body };
  }
}
