import { Injectable } from '@nestjs/common';
import { parseV3Authorization, sha256Hex, signV1, signV3 } from '@ca/signing';
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { IncomingRpcRequest } from '../actions/incoming-request';
import type { Caller } from '../actions/rpc-action.decorator';
import { AccessKeysService, VerifiableAccessKey } from './access-keys.service';
import { SignatureNonce, TIMESTAMP_WINDOW_MS } from '../actions/signature-nonce';

export { TIMESTAMP_WINDOW_MS };

/** A correctly signed request: who sent it, and its nonce, still to be spent (see SignatureNonce). */
export interface Authenticated {
  caller: Caller;
  nonce: SignatureNonce;
}

/** Headers a V3 signature must cover, or a replay could change them freely. */
const V3_REQUIRED_SIGNED_HEADERS = ['host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'x-acs-action'];

/**
 * Verifies the V1 (HMAC-SHA1, parameters) and V3 (ACS3-HMAC-SHA256, Authorization header)
 * signatures that Alibaba's SDKs send. Order: key known, timestamp fresh, signature right, then
 * the nonce — handed back unspent, since the RPC edge decides whether it is spent on its own or
 * in the action's transaction. Only a correctly signed request gets that far, so a forger cannot
 * burn a victim's nonces.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(private readonly accessKeys: AccessKeysService) {}

  isV3(request: IncomingRpcRequest): boolean {
    return (request.headers['authorization'] ?? '').trim().startsWith('ACS3-');
  }

  async authenticate(request: IncomingRpcRequest): Promise<Authenticated> {
    return this.isV3(request) ? this.verifyV3(request) : this.verifyV1(request);
  }

  private async verifyV1(request: IncomingRpcRequest): Promise<Authenticated> {
    const params = request.params;
    const accessKeyId = params.get('AccessKeyId');
    if (!accessKeyId) throw ApiError.missing('AccessKeyId');
    const signature = params.get('Signature');
    if (!signature) throw new ApiError('IncompleteSignature', 'The request signature is missing: no Signature parameter.');
    const method = params.get('SignatureMethod');
    if (method !== 'HMAC-SHA1') {
      throw new ApiError('InvalidSignatureMethod', `Specified signature method is not supported: ${method ?? '(none)'}; use HMAC-SHA1.`);
    }
    if (params.get('SignatureVersion') !== '1.0') {
      throw new ApiError('IncompleteSignature', 'The request signature does not conform to Aliyun standards: SignatureVersion must be 1.0.');
    }
    const nonce = params.get('SignatureNonce');
    if (!nonce) throw ApiError.missing('SignatureNonce');
    const timestamp = params.get('Timestamp');
    if (!timestamp) throw ApiError.missing('Timestamp');

    const key = await this.knownKey(accessKeyId);
    this.checkTimestamp(timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/);
    const expected = signV1(request.method, Object.fromEntries(params), key.secret);
    if (!safeEqual(expected, signature)) throw this.mismatch();
    return { caller: toCaller(key, 'V1'), nonce: nonceOf(key, nonce) };
  }

  private async verifyV3(request: IncomingRpcRequest): Promise<Authenticated> {
    const authorization = parseV3Authorization(request.headers['authorization'] ?? '');
    if (!authorization) throw new ApiError('IncompleteSignature', 'The Authorization header is not a valid ACS3-HMAC-SHA256 credential.');
    const missingHeader = V3_REQUIRED_SIGNED_HEADERS.find((name) => !authorization.signedHeaders.includes(name) || !request.headers[name]);
    if (missingHeader) {
      throw new ApiError(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: header ${missingHeader} must be present and signed.`,
      );
    }
    const unsignedHeader = v3SignedIfPresent(request).find((name) => !authorization.signedHeaders.includes(name));
    if (unsignedHeader) {
      throw new ApiError(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: header ${unsignedHeader} must be signed when present.`,
      );
    }
    const key = await this.knownKey(authorization.accessKeyId);
    this.checkTimestamp(request.headers['x-acs-date']!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/);
    const payloadHash = request.headers['x-acs-content-sha256']!;
    if (payloadHash !== sha256Hex(request.rawBody)) {
      throw new ApiError('SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the request body.');
    }
    const expected = signV3(
      {
        method: request.method,
        path: request.path,
        query: Object.fromEntries(request.query),
        headers: request.headers,
        signedHeaders: authorization.signedHeaders,
        payloadHash,
      },
      key.secret,
    );
    if (!safeEqual(expected, authorization.signature)) throw this.mismatch();
    return { caller: toCaller(key, 'V3'), nonce: nonceOf(key, request.headers['x-acs-signature-nonce']!) };
  }

  private async knownKey(accessKeyId: string): Promise<VerifiableAccessKey> {
    const key = accessKeyId.length <= 64 ? await this.accessKeys.findForVerification(accessKeyId) : undefined;
    if (!key) throw new ApiError('InvalidAccessKeyId.NotFound');
    return key;
  }

  private checkTimestamp(value: string, format: RegExp): void {
    const time = format.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(time)) {
      throw new ApiError('InvalidTimeStamp.Format', `Specified time stamp or date value is not well formatted: ${value.slice(0, 40)}`);
    }
    if (Math.abs(Date.now() - time) > TIMESTAMP_WINDOW_MS) throw new ApiError('InvalidTimeStamp.Expired');
  }

  private mismatch(): ApiError {
    return new ApiError('SignatureDoesNotMatch');
  }
}

/**
 * Headers that change what a V3 request means when present, so the signature must cover them
 * (the official SDKs sign every x-acs-* header and content-type): the version, and the content
 * type that decides how the body is read. With no body the content type is moot.
 */
function v3SignedIfPresent(request: IncomingRpcRequest): string[] {
  const names = ['x-acs-version'];
  if (request.rawBody.length > 0) names.push('content-type');
  return names.filter((name) => request.headers[name] !== undefined);
}

function toCaller(key: VerifiableAccessKey, signatureVersion: 'V1' | 'V3'): Caller {
  return { accessKeyId: key.accessKeyId, role: key.role, instanceId: key.instanceId, signatureVersion };
}

function nonceOf(key: VerifiableAccessKey, nonce: string): SignatureNonce {
  if (nonce.length > 128) throw ApiError.invalid('SignatureNonce', 'longer than 128 characters');
  return new SignatureNonce(key.accessKeyId, nonce);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
