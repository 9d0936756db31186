import { deriveInvocationStatus, RecordStatus } from './invocation-status';

describe(deriveInvocationStatus.name, () => {
  const oneShot = { timed: false, stopped: false };
  it.each<[RecordStatus[], string]>([
    [['Pending', 'Pending'], 'Pending'],
    [['Running', 'Pending'], 'Running'],
    [['Success', 'Pending'], 'Running'],
    [['Success', 'Success'], 'Success'],
    [['Failed', 'Timeout'], 'Failed'],
    [['Success', 'Aborted'], 'PartialFailed'],
  ])('a one-shot invocation with records %j is %s', (records, expected) => {
    expect(deriveInvocationStatus(oneShot, records)).toBe(expected);
  });

  it('a timed invocation is Scheduled or Running, never finished, until stopped', () => {
    expect(deriveInvocationStatus({ timed: true, stopped: false }, [])).toBe('Scheduled');
    expect(deriveInvocationStatus({ timed: true, stopped: false }, ['Success', 'Failed'])).toBe('Scheduled');
    expect(deriveInvocationStatus({ timed: true, stopped: false }, ['Running'])).toBe('Running');
  });

  it('a stopped invocation is Stopping while a record still runs, then Stopped', () => {
    expect(deriveInvocationStatus({ timed: false, stopped: true }, ['Running', 'Cancelled'])).toBe('Stopping');
    expect(deriveInvocationStatus({ timed: true, stopped: true }, ['Terminated', 'Cancelled'])).toBe('Stopped');
  });
});
