import { parseCliParameters } from './cli-parameters';

describe(parseCliParameters.name, () => {
  it('reads --Name value and --Name=value', () => {
    expect(parseCliParameters(['--RegionId', 'cn-hangzhou', '--InstanceId.1=i-1', '--Frequency', '0 0 * * * ?'])).toEqual({
      RegionId: 'cn-hangzhou',
      'InstanceId.1': 'i-1',
      Frequency: '0 0 * * * ?',
    });
  });

  it('refuses a dangling name or a bare word', () => {
    expect(() => parseCliParameters(['--RegionId'])).toThrow('needs a value');
    expect(() => parseCliParameters(['RegionId'])).toThrow('expected --<Param>');
  });
});
