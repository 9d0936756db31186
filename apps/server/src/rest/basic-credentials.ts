import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { AccessKeysService } from '../auth/access-keys.service';
import type { RestCallerInfo } from './request-context';

export interface BasicCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** `Basic base64(id:secret)`; anything else, or nothing, is undefined. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header ?? '');
  if (!match || match[1].length % 4 !== 0) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { accessKeyId: decoded.slice(0, colon), accessKeySecret: decoded.slice(colon + 1) };
}

/**
 * The REST edge's authentication: HTTP Basic with an access key's id and secret, the same keys
 * the RPC API signs with. The secret is compared in constant time (as SHA-256 digests, so the
 * lengths match), and an unknown key costs the same comparison as a wrong secret and answers the
 * same code, so the answer does not tell which key ids exist.
 */
@Injectable()
export class BasicAuthenticator {
  constructor(private readonly accessKeys: AccessKeysService) {}

  async authenticate(header: string | undefined): Promise<RestCallerInfo> {
    const credentials = parseBasicAuthorization(header);
    if (!credentials) throw new ApiError('Unauthorized.MissingCredentials');
    const { accessKeyId, accessKeySecret } = credentials;
    const key = accessKeyId.length <= 64 ? await this.accessKeys.findForVerification(accessKeyId) : undefined;
    const matches = timingSafeEqual(digest(accessKeySecret), digest(key?.secret ?? `no key ${accessKeyId}`));
    if (!key || !matches) throw new ApiError('Unauthorized.InvalidCredentials');
    return { accessKeyId: key.accessKeyId, role: key.role, instanceId: key.instanceId };
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
