import { ApiError } from './api-error';

export interface Paging {
  offset: number;
  limit: number;
  pageNumber: number;
  /**
   * From a NextToken issued with a keyset position: the key of the previous page's last row
   * (the next page starts after it, whatever its offset) and the TotalCount that page reported.
   * A reader that ignores it pages by `offset`, which the token carries as well.
   */
  after?: { key: string; total: number };
}

/**
 * The paging fields of a list response. A keyset reader passes `nextKey`: the key of this page's
 * last row when more rows follow (null when none do). Its NextToken then lets the next page start
 * right after that row, at the cost of one index probe instead of skipping `offset` rows, and
 * carries this TotalCount so later pages need not count again.
 */
export function pageFields(paging: Paging, totalCount: number, returned: number, nextKey?: string | null): Record<string, unknown> {
  return { TotalCount: totalCount, PageNumber: paging.pageNumber, PageSize: paging.limit, NextToken: nextPageToken(paging, totalCount, returned, nextKey) };
}

/** The token of the page after this one ('' on the last page); shared by the RPC and REST edges. */
export function nextPageToken(paging: Paging, totalCount: number, returned: number, nextKey?: string | null): string {
  const nextOffset = paging.offset + returned;
  if (nextKey) return encodeToken(`k:${nextOffset}:${totalCount}:${nextKey}`);
  if (nextKey === undefined && nextOffset < totalCount) return encodeToken(`o:${nextOffset}`);
  return '';
}

function encodeToken(text: string): string {
  return Buffer.from(text).toString('base64url');
}

export function decodeToken(token: string): Pick<Paging, 'offset' | 'after'> {
  const text = Buffer.from(token, 'base64url').toString();
  const byOffset = /^o:(\d{1,9})$/.exec(text);
  if (byOffset) return { offset: Number(byOffset[1]) };
  const byKey = /^k:(\d{1,9}):(\d{1,12}):([\x21-\x7e]{1,128})$/.exec(text);
  if (byKey) return { offset: Number(byKey[1]), after: { total: Number(byKey[2]), key: byKey[3] } };
  throw invalidToken();
}

export function invalidToken(): ApiError {
  return ApiError.invalid('NextToken', 'not a token this service issued', 'InvalidParameter.NextToken');
}

/** Alibaba's time format in responses: ISO 8601 UTC without milliseconds. */
export function isoTime(date: Date | null | undefined): string {
  // `YYYY-MM-DDTHH:mm:ss.sssZ` without `.sss`: a slice, not a regex (a page of results has hundreds).
  return date ? `${date.toISOString().slice(0, 19)}Z` : '';
}
