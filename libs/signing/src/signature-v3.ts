import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from './percent-encode';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface V3CanonicalInput {
  method: string;
  /** The request path, e.g. `/`. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** Header values by lower-case name. */
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  /** Hex SHA-256 of the request body, as sent in `x-acs-content-sha256`. */
  payloadHash: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function canonicalRequestV3(input: V3CanonicalInput): string {
  const canonicalQuery = Object.keys(input.query)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(input.query[name])}`)
    .join('&');
  const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${(input.headers[name] ?? '').trim()}\n`).join('');
  const canonicalPath = input.path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  return [input.method.toUpperCase(), canonicalPath, canonicalQuery, canonicalHeaders, input.signedHeaders.join(';'), input.payloadHash].join('\n');
}

export function signV3(input: V3CanonicalInput, secret: string): string {
  const stringToSign = `${V3_ALGORITHM}\n${sha256Hex(canonicalRequestV3(input))}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export interface V3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`; null when malformed. */
export function parseV3Authorization(header: string): V3Authorization | null {
  const match = /^ACS3-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!match) return null;
  const fields = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return null;
  return { accessKeyId, signedHeaders: signedHeaders.split(';').map((h) => h.toLowerCase()), signature };
}
