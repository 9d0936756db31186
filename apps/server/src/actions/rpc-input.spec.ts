import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { catalogued, int, text, withCode } from '../common/fields';
import { derived, readRpcInput, rpcInput } from './rpc-input';
import { RpcParams } from './rpc-params';

const schema = z.object({
  RegionId: text(32),
  InstanceIds: z.array(text(64).regex(/^i-/, { error: 'InvalidInstanceId.Malformed' })),
  Timeout: withCode(int({ min: 10, max: 100, tooBig: catalogued('InvalidTimeout.ExceedLimit') }), 'InvalidParam.Timeout').optional(),
  Timed: z.boolean().optional(),
  Parameters: z.record(z.string(), z.string()).optional(),
  Sum: derived<number>(),
});
const input = rpcInput(schema, {
  order: [
    { present: 'RegionId' },
    { present: 'InstanceIds' },
    'Timeout',
    'Timed',
    'InstanceIds',
    'RegionId',
    (parsed) => (parsed.Sum = (parsed.Timeout ?? 0) + 1),
  ],
});
const read = (record: Record<string, string>) => readRpcInput(input, RpcParams.from(record));

function errorOf(record: Record<string, string>): { code: string; message: string } | undefined {
  try {
    read(record);
  } catch (error) {
    return { code: (error as ApiError).code, message: (error as ApiError).message };
  }
  return undefined;
}

describe('readRpcInput', () => {
  it('reads the wire forms into the schema’s values', () => {
    expect(read({ RegionId: 'cn-1', 'InstanceId.2': 'i-2', 'InstanceId.1': 'i-1', Timeout: '20', Timed: 'TRUE', Parameters: '{"a":1}' })).toEqual({
      RegionId: 'cn-1',
      InstanceIds: ['i-1', 'i-2'],
      Timeout: 20,
      Timed: true,
      Parameters: { a: '1' },
      Sum: 21,
    });
    expect(read({ RegionId: 'cn-1', InstanceIds: '["i-1"]', Timeout: '' })).toEqual({ RegionId: 'cn-1', InstanceIds: ['i-1'], Sum: 1 });
  });

  it.each([
    ['RegionId and InstanceIds missing: RegionId first', {}, 'MissingParameter.RegionId'],
    ['a blank list is a missing one', { RegionId: 'cn-1', InstanceIds: '[" "]' }, 'MissingParameter.InstanceIds'],
    ['missing before malformed, in the declared order', { RegionId: 'x'.repeat(40), Timeout: 'abc' }, 'MissingParameter.InstanceIds'],
    ['then values in the declared order', { RegionId: 'x'.repeat(40), InstanceIds: '["bad"]', Timeout: '5' }, 'InvalidParam.Timeout'],
    ['a malformed list item', { RegionId: 'cn-1', InstanceIds: '["bad"]' }, 'InvalidInstanceId.Malformed'],
    ['a field read after the lists', { RegionId: 'x'.repeat(40), InstanceIds: '["i-1"]' }, 'InvalidParameter.RegionId'],
    ['a JSON list that is not one', { RegionId: 'cn-1', InstanceIds: '[1' }, 'InvalidParameter.InstanceIds'],
    ['a boolean that is not one', { RegionId: 'cn-1', InstanceIds: 'i-1', Timed: 'yes' }, 'InvalidParameter.Timed'],
    ['an integer that is not one, with the field’s code', { RegionId: 'cn-1', InstanceIds: 'i-1', Timeout: '1.5' }, 'InvalidParam.Timeout'],
  ])('%s → %s', (_title, record, code) => {
    expect(errorOf(record)?.code).toBe(code);
  });

  it('a check declared catalogued answers the catalogue’s message', () => {
    expect(errorOf({ RegionId: 'cn-1', InstanceIds: 'i-1', Timeout: '1000' })).toEqual({
      code: 'InvalidTimeout.ExceedLimit',
      message: 'The specified parameter Timeout exceeds the upper limit.',
    });
    expect(errorOf({ RegionId: 'cn-1', InstanceIds: 'i-1', Timeout: '5' })?.message).toBe(
      'The specified parameter \u201cTimeout\u201d is not valid: must be at least 10',
    );
  });

  it('reads a JSON object of string-able values, and refuses anything else', () => {
    const base = { RegionId: 'cn-1', InstanceIds: 'i-1' };
    expect(read({ ...base, Parameters: '{"a":"1","b":2,"c":true}' }).Parameters).toEqual({ a: '1', b: '2', c: 'true' });
    for (const Parameters of ['[1]', '{"a":{}}', '{"a":"\\u0000"}', 'nope']) expect(errorOf({ ...base, Parameters })?.code).toBe('InvalidParameter.Parameters');
  });

  it('never reads a derived value from the wire', () => {
    expect(read({ RegionId: 'cn-1', InstanceIds: 'i-1', Sum: '99' }).Sum).toBe(1);
  });
});
