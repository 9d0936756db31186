import { PAGE_NUMBER, PAGE_TOKEN_MAX_LENGTH } from '../common/fields';
import { decodeToken, Paging } from '../common/paging';
import { RpcParams } from './rpc-params';

/**
 * Alibaba's two paging styles: `PageNumber`/`PageSize`, or `MaxResults`/`NextToken` where the
 * token is opaque to the client (here: the next offset, and for keyset readers the last key).
 */
export function readPaging(params: RpcParams, options: { defaultSize: number; maxSize: number }): Paging {
  const token = params.string('NextToken', { maxLength: PAGE_TOKEN_MAX_LENGTH, code: 'InvalidParameter.NextToken' });
  const maxResults = params.int('MaxResults', { min: 1, max: options.maxSize });
  if (token !== undefined || maxResults !== undefined) {
    const limit = maxResults ?? options.defaultSize;
    const { offset, after } = token === undefined ? { offset: 0, after: undefined } : decodeToken(token);
    return { offset, limit, pageNumber: Math.floor(offset / limit) + 1, ...(after && { after }) };
  }
  const pageNumber = params.int('PageNumber', { ...PAGE_NUMBER, code: 'InvalidParam.PageNumber' }) ?? 1;
  const limit = params.int('PageSize', { min: 1, max: options.maxSize, code: 'InvalidParam.PageSize' }) ?? options.defaultSize;
  return { offset: (pageNumber - 1) * limit, limit, pageNumber };
}
