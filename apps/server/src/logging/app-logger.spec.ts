import { AppLogger, enabledLevels, resolveLogFormat } from './app-logger';
import { annotateRequest, currentRequestId, runInRequestContext } from './request-context';

describe(AppLogger.name, () => {
  let written: string[];
  let stdout: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => stdout.mockRestore());

  it('json: one object per line, with the RequestId and InvokeId of the request being served', () => {
    const sut = new AppLogger('json', enabledLevels('log'));
    const invokeId = `t-${'a'.repeat(32)}`;
    let requestId = '';
    runInRequestContext({ startedAt: 0 }, () => {
      requestId = currentRequestId();
      annotateRequest({ invokeId });
      sut.log('dispatched', 'Invoker');
    });
    sut.log('outside any request', 'Timer');
    const [inside, outside] = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ level: 'log', message: 'dispatched', context: 'Invoker', requestId, invokeId });
    expect(outside).not.toHaveProperty('requestId');
    expect(written.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
  });

  it('json: a structured message puts its fields at the top of the line', () => {
    const sut = new AppLogger('json', enabledLevels('log'));
    sut.log({ message: 'InvokeCommand 200 Success 3 ms', action: 'InvokeCommand', status: 200 }, 'Access');
    expect(JSON.parse(written[0])).toMatchObject({ message: 'InvokeCommand 200 Success 3 ms', action: 'InvokeCommand', status: 200 });
  });

  it('text: the ids after the context, structured fields as key=value', () => {
    const sut = new AppLogger('text', enabledLevels('log'), false);
    runInRequestContext({ startedAt: 0 }, () => {
      const requestId = currentRequestId();
      sut.log({ message: 'DescribeRegions 200 Success 1 ms', accessKeyId: 'LTAIkey' }, 'Access');
      expect(written[0]).toContain(`[Access] RequestId=${requestId} DescribeRegions 200 Success 1 ms accessKeyId=LTAIkey`);
    });
  });

  it('keeps LOG_LEVEL: debug lines are dropped at log', () => {
    const sut = new AppLogger('json', enabledLevels('log'));
    sut.debug('noisy', 'Access');
    expect(written).toEqual([]);
  });

  it('ignores an InvokeId that is not one', () => {
    runInRequestContext({ startedAt: 0 }, () => {
      annotateRequest({ invokeId: 'DROP TABLE' });
      const sut = new AppLogger('json', enabledLevels('log'));
      sut.log('x');
      expect(JSON.parse(written[0])).not.toHaveProperty('invokeId');
    });
  });
});

describe(resolveLogFormat.name, () => {
  it('follows LOG_FORMAT when set, else JSON unless stdout is a terminal', () => {
    expect(resolveLogFormat({ LOG_FORMAT: 'text' }, false)).toBe('text');
    expect(resolveLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: undefined }, false)).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: undefined }, true)).toBe('text');
  });
});
