import { AgentTask } from '@ca/protocol';
import { taskProblem } from './task-check';

function newTask(overrides: Partial<AgentTask> = {}): AgentTask {
  return {
    RecordId: '3f2b8c1e-9a4d-4c7b-8e21-5d6f7a8b9c0d',
    InvokeId: 't-' + '0'.repeat(32),
    CommandType: 'RunShellScript',
    CommandContent: Buffer.from('echo hi').toString('base64'),
    WorkingDir: '',
    Username: '',
    TimeoutSeconds: 60,
    ...overrides,
  };
}

describe(taskProblem.name, () => {
  it('accepts a task as the service sends it', () => {
    expect(taskProblem(newTask())).toBeUndefined();
    expect(taskProblem(newTask({ Username: 'nobody', WorkingDir: '/tmp', TimeoutSeconds: 86_400 }))).toBeUndefined();
  });

  it.each<[string, Partial<AgentTask>, RegExp]>([
    ['a record id that would leave the scripts directory', { RecordId: '../../etc/cron.d/x' }, /RecordId/],
    ['a record id with a path separator', { RecordId: '3f2b8c1e-9a4d-4c7b-8e21-5d6f7a8b9c0d/x' }, /RecordId/],
    ['an unknown command type', { CommandType: 'RunPerlScript' as AgentTask['CommandType'] }, /CommandType/],
    ['content that is not Base64', { CommandContent: 'echo hi;' }, /Base64/],
    ['a timeout past what a timer can hold', { TimeoutSeconds: 3_000_000 }, /TimeoutSeconds/],
    ['a fractional timeout', { TimeoutSeconds: 1.5 }, /TimeoutSeconds/],
    ['no timeout', { TimeoutSeconds: 0 }, /TimeoutSeconds/],
    ['a user name that is an option', { Username: '-oProxyCommand' }, /Username/],
    ['a working directory with a NUL', { WorkingDir: '/tmp\0/x' }, /WorkingDir/],
  ])('refuses %s', (_name, overrides, problem) => {
    expect(taskProblem(newTask(overrides))).toMatch(problem);
  });
});
