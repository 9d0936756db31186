import { createHmac } from 'node:crypto';
import { percentEncode } from './percent-encode';

export type RpcParams = Record<string, string>;

/** The canonical query string of V1: every parameter but `Signature`, sorted by name, encoded. */
export function canonicalizeV1(params: RpcParams): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name])}`)
    .join('&');
}

export function stringToSignV1(method: string, params: RpcParams): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalizeV1(params))}`;
}

/** Base64(HMAC-SHA1(secret + "&", StringToSign)), as `@alicloud/pop-core` computes it. */
export function signV1(method: string, params: RpcParams, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSignV1(method, params)).digest('base64');
}

/**
 * The parameters and their Signature as one query string (or form body), canonicalized once
 * for both: the body's order does not matter to the signature, only to the cost of sending.
 */
export function signedQueryV1(method: string, params: RpcParams, secret: string): string {
  const canonical = canonicalizeV1(params);
  const stringToSign = `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
  const signature = createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
  return `${canonical}&Signature=${percentEncode(signature)}`;
}

export function formatV1Timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
