import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { text, withCode } from '../common/fields';
import { parseInput, readJsonBody } from './rest-input';

describe('parseInput', () => {
  const schema = z.strictObject({
    regionId: text(32),
    name: text(8, { tooLong: 'CmdName.ExceedLimit' }),
    timeout: withCode(z.number().int().min(10).max(100, { error: 'InvalidTimeout.ExceedLimit' }).optional(), 'InvalidParam.Timeout'),
    ids: z
      .array(text(8).regex(/^i-/, { error: 'InvalidInstanceId.Malformed' }))
      .min(1, { error: 'MissingParameter.InstanceIds' })
      .optional(),
  });
  const sut = (input: unknown): ApiError => {
    try {
      parseInput(schema, input);
    } catch (error) {
      return error as ApiError;
    }
    throw new Error('accepted');
  };

  it('returns the parsed value', () => {
    expect(parseInput(schema, { regionId: 'r', name: 'n', timeout: 10 })).toEqual({ regionId: 'r', name: 'n', timeout: 10 });
  });

  it('reports a missing field as MissingParameter.<Field>, before any malformed one', () => {
    expect(sut({ name: 'x'.repeat(9) })).toMatchObject({ code: 'MissingParameter.RegionId', status: 400 });
    expect(sut({ regionId: 'r', name: 'n', ids: [] }).code).toBe('MissingParameter.InstanceIds');
  });

  it('takes the code a check names, else the field’s x-error-code, else InvalidParameter.<Field>', () => {
    expect(sut({ regionId: 'r', name: 'x'.repeat(9) }).code).toBe('CmdName.ExceedLimit');
    expect(sut({ regionId: 'r', name: 'n', timeout: 101 }).code).toBe('InvalidTimeout.ExceedLimit');
    expect(sut({ regionId: 'r', name: 'n', timeout: 9 }).code).toBe('InvalidParam.Timeout');
    expect(sut({ regionId: 'r', name: 'n', timeout: '10' }).code).toBe('InvalidParam.Timeout');
    expect(sut({ regionId: 'r', name: 'n', ids: ['x-1'] }).code).toBe('InvalidInstanceId.Malformed');
    expect(sut({ regionId: 'r'.repeat(33), name: 'n' }).code).toBe('InvalidParameter.RegionId');
  });

  it('refuses unknown fields, text PostgreSQL cannot store, and a body that is not an object', () => {
    expect(sut({ regionId: 'r', name: 'n', colour: 'red' }).code).toBe('InvalidParameter.Colour');
    expect(sut({ regionId: 'r', name: 'a\u0000b' }).code).toBe('InvalidParameter.Name');
    expect(sut({ regionId: 'r', name: '\uD800' }).code).toBe('InvalidParameter.Name');
    expect(sut(['x']).code).toBe('InvalidParameter.Encoding');
  });
});

describe('readJsonBody', () => {
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (error) {
      return (error as ApiError).code;
    }
  };

  it('reads JSON, and no body as {}', () => {
    expect(readJsonBody(Buffer.from('{"a":1}'), 'application/json; charset=utf-8')).toEqual({ a: 1 });
    expect(readJsonBody(undefined, undefined)).toEqual({});
    expect(readJsonBody(Buffer.alloc(0), 'text/plain')).toEqual({});
  });

  it('refuses another media type, malformed JSON and invalid UTF-8', () => {
    expect(codeOf(() => readJsonBody(Buffer.from('a=1'), 'application/x-www-form-urlencoded'))).toBe('UnsupportedMediaType');
    expect(codeOf(() => readJsonBody(Buffer.from('{'), 'application/json'))).toBe('InvalidParameter.Encoding');
    expect(codeOf(() => readJsonBody(Buffer.from([0x22, 0xff, 0x22]), 'application/json'))).toBe('InvalidParameter.Encoding');
  });
});
