import { ApiError } from './api-error';
import { RpcParams } from './rpc-params';

export interface Paging {
  offset: number;
  limit: number;
  pageNumber: number;
}

/**
 * Alibaba's two paging styles: `PageNumber`/`PageSize`, or `MaxResults`/`NextToken` where the
 * token is opaque to the client (here: the next offset).
 */
export function readPaging(params: RpcParams, options: { defaultSize: number; maxSize: number }): Paging {
  const token = params.string('NextToken', { maxLength: 64, code: 'InvalidParameter.NextToken' });
  const maxResults = params.int('MaxResults', { min: 1, max: options.maxSize });
  if (token !== undefined || maxResults !== undefined) {
    const limit = maxResults ?? options.defaultSize;
    const offset = token === undefined ? 0 : decodeToken(token);
    return { offset, limit, pageNumber: Math.floor(offset / limit) + 1 };
  }
  const pageNumber = params.int('PageNumber', { min: 1, max: 1_000_000, code: 'InvalidParam.PageNumber' }) ?? 1;
  const limit = params.int('PageSize', { min: 1, max: options.maxSize, code: 'InvalidParam.PageSize' }) ?? options.defaultSize;
  return { offset: (pageNumber - 1) * limit, limit, pageNumber };
}

export function pageFields(paging: Paging, totalCount: number, returned: number): Record<string, unknown> {
  const nextOffset = paging.offset + returned;
  return {
    TotalCount: totalCount,
    PageNumber: paging.pageNumber,
    PageSize: paging.limit,
    NextToken: nextOffset < totalCount ? encodeToken(nextOffset) : '',
  };
}

export function encodeToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeToken(token: string): number {
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!match) throw ApiError.invalid('NextToken', 'not a token this service issued', 'InvalidParameter.NextToken');
  return Number(match[1]);
}

/** Alibaba's time format in responses: ISO 8601 UTC without milliseconds. */
export function isoTime(date: Date | null | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}
