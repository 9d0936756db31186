import { ApiError } from '../common/api-error';
import { pageFields } from '../common/paging';
import { readPaging } from './rpc-paging';
import { RpcParams } from './rpc-params';

const SIZES = { defaultSize: 10, maxSize: 50 };
const read = (record: Record<string, string>): ReturnType<typeof readPaging> => readPaging(RpcParams.from(record), SIZES);

describe('paging tokens', () => {
  it('an offset token (without a key) leads to the next offset, as before', () => {
    const first = read({ MaxResults: '5' });
    const { NextToken } = pageFields(first, 12, 5);
    expect(read({ MaxResults: '5', NextToken: NextToken as string })).toEqual({ offset: 5, limit: 5, pageNumber: 2 });
  });

  it('a keyset token carries the last key and the TotalCount, and the offset for readers that page by offset', () => {
    const first = read({ MaxResults: '5' });
    const { NextToken, TotalCount } = pageFields(first, 12, 5, 't-0123456789abcdef0123456789abcdef');
    expect(TotalCount).toBe(12);
    expect(read({ MaxResults: '5', NextToken: NextToken as string })).toEqual({
      offset: 5,
      limit: 5,
      pageNumber: 2,
      after: { key: 't-0123456789abcdef0123456789abcdef', total: 12 },
    });
  });

  it('a keyset reader decides whether a next page exists (it read one row more), not the TotalCount', () => {
    const second = read({ MaxResults: '5', NextToken: pageFields(read({ MaxResults: '5' }), 7, 5, 'key-1').NextToken as string });
    expect(pageFields(second, 7, 2, null).NextToken).toBe('');
    // A row that arrived behind the walk after its first page is still reached, past the count.
    expect(pageFields(second, 7, 5, 'key-2').NextToken).not.toBe('');
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a token of another shape', Buffer.from('x:5').toString('base64url')],
    ['a keyset token without its key', Buffer.from('k:5:12:').toString('base64url')],
    ['a keyset token with a space in its key', Buffer.from('k:5:12:a b').toString('base64url')],
  ])('refuses %s', (_title, token) => {
    let code: string | undefined;
    try {
      read({ NextToken: token });
    } catch (error) {
      code = (error as ApiError).code;
    }
    expect(code).toBe('InvalidParameter.NextToken');
  });
});
