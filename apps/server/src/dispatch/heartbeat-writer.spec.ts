import { Sql } from '../database/sql';
import { HEARTBEAT_BATCH_MS, HeartbeatWriter } from './heartbeat-writer';

describe(HeartbeatWriter.name, () => {
  let statements: unknown[][];
  let fail: Error | undefined;
  let writer: HeartbeatWriter;

  beforeEach(() => {
    jest.useFakeTimers();
    statements = [];
    fail = undefined;
    const dataSource = {
      query: jest.fn((_sql: string, params: unknown[]) => {
        statements.push(params);
        if (fail) throw fail;
      }),
    };
    writer = new HeartbeatWriter(dataSource as unknown as Sql);
  });

  afterEach(() => jest.useRealTimers());

  const settle = async (): Promise<void> => {
    await jest.advanceTimersByTimeAsync(HEARTBEAT_BATCH_MS);
  };

  it('writes the heartbeats of one batch window in one statement, one row per instance, latest version and hostname winning', async () => {
    await writer.record('mi-1', '1.0.0', 'host-a');
    await writer.record('mi-2', undefined, 'host-b');
    await writer.record('mi-1', '1.0.1', undefined);
    expect(statements).toHaveLength(0);
    await settle();
    expect(statements).toEqual([
      [
        ['mi-1', 'mi-2'],
        ['1.0.1', null],
        ['host-a', 'host-b'],
      ],
    ]);
    await writer.record('mi-3', '1.0.0', 'host-c');
    await settle();
    expect(statements).toHaveLength(2);
  });

  it('while writes fail, answers heartbeats only with their own batch, and with its error', async () => {
    fail = new Error('database down');
    void writer.record('mi-1', '1.0.0', 'h'); // answered before the failure is known
    await settle();
    const waiting = writer.record('mi-1', '1.0.0', 'h');
    const outcome = waiting.then(
      () => 'recorded',
      (error: Error) => error.message,
    );
    await settle();
    expect(await outcome).toBe('database down');
    fail = undefined;
    const recovering = writer.record('mi-1', '1.0.0', 'h').then(() => 'recorded');
    await settle();
    expect(await recovering).toBe('recorded');
    await writer.record('mi-1', '1.0.0', 'h'); // answered at once again
  });

  it('writes what is waiting at shutdown', async () => {
    await writer.record('mi-1', '1.0.0', 'h');
    await writer.onModuleDestroy();
    expect(statements).toHaveLength(1);
  });
});
