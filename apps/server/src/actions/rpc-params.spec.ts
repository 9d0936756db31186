import { ApiError } from '../common/api-error';
import { RpcParams } from './rpc-params';

const params = (record: Record<string, string>): RpcParams => RpcParams.from(record);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as ApiError).code;
  }
  return undefined;
}

describe(RpcParams.name, () => {
  describe('list', () => {
    it.each([
      ['the JSON form', { InstanceIds: '["i-1","i-2"]' }, ['i-1', 'i-2']],
      ['a bare id', { InstanceIds: 'i-1' }, ['i-1']],
      ['the repeated form, ordered by index', { 'InstanceId.2': 'i-2', 'InstanceId.1': 'i-1', 'InstanceId.10': 'i-10' }, ['i-1', 'i-2', 'i-10']],
      ['both forms', { InstanceIds: '["i-1"]', 'InstanceId.1': 'i-2' }, ['i-1', 'i-2']],
      ['neither', {}, undefined],
    ])('reads %s', (_title, record, expected) => {
      expect(params(record).list('InstanceIds', 'InstanceId')).toEqual(expected);
    });

    it.each([
      ['malformed JSON', { InstanceIds: '["i-1"' }],
      ['a JSON object', { InstanceIds: '[{"a":1}]' }],
      ['index zero', { 'InstanceId.0': 'i-1' }],
      ['a non-numeric index', { 'InstanceId.x': 'i-1' }],
    ])('refuses %s with a 400', (_title, record) => {
      expect(codeOf(() => params(record).list('InstanceIds', 'InstanceId'))).toBe('InvalidParameter.InstanceIds');
    });
  });

  describe('scalars', () => {
    it('bounds integers', () => {
      expect(params({ Timeout: '60' }).int('Timeout', { min: 10 })).toBe(60);
      expect(codeOf(() => params({ Timeout: '9' }).int('Timeout', { min: 10 }))).toBe('InvalidParameter.Timeout');
      expect(codeOf(() => params({ Timeout: '1e3' }).int('Timeout'))).toBe('InvalidParameter.Timeout');
      expect(codeOf(() => params({ Timeout: '99999999999999999999' }).int('Timeout'))).toBe('InvalidParameter.Timeout');
    });

    it('refuses NUL characters and over-long strings', () => {
      expect(codeOf(() => params({ Name: 'a\u0000b' }).string('Name'))).toBe('InvalidParameter.Name');
      expect(codeOf(() => params({ Name: 'x'.repeat(129) }).string('Name', { maxLength: 128 }))).toBe('InvalidParameter.Name');
    });

    it('treats an empty value as absent', () => {
      expect(params({ Name: '' }).string('Name')).toBeUndefined();
    });
  });
});
