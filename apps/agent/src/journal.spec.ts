import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FinishReport, Journal } from './journal';

const report = (overrides: Partial<FinishReport> = {}): FinishReport => ({
  status: 'Success',
  exitCode: 0,
  outputBytes: 3,
  finishedTime: '2026-11-28T00:00:00.000Z',
  outputOffset: 0,
  outputBase64: 'aGkK',
  ...overrides,
});

describe(Journal.name, () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'ca-journal-'));
  });

  it('gives back, after a restart, the last state written for each run', () => {
    const sut = new Journal(stateDir);
    sut.put('r-1', { state: 'received' });
    sut.put('r-1', { state: 'running', pid: 42 });
    sut.put('r-2', { state: 'finished', report: report() });
    sut.put('r-3', { state: 'done', at: Date.now() });

    const restarted = new Journal(stateDir);
    expect(restarted.get('r-1')).toEqual({ state: 'running', pid: 42 });
    expect(restarted.get('r-2')).toEqual({ state: 'finished', report: report() });
    expect(restarted.get('r-3')).toMatchObject({ state: 'done' });
    expect(
      restarted
        .unfinished()
        .map(([id]) => id)
        .sort(),
    ).toEqual(['r-1', 'r-2']);
  });

  it('writes each step before put returns, so a kill right after loses nothing', () => {
    const sut = new Journal(stateDir);
    sut.put('r-1', { state: 'received' });
    const lines = readFileSync(join(stateDir, 'journal.log'), 'utf8').split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toEqual({ id: 'r-1', state: 'received' });
  });

  it('skips a line torn by a crash mid-write: that step did not happen', () => {
    const sut = new Journal(stateDir);
    sut.put('r-1', { state: 'received' });
    appendFileSync(join(stateDir, 'journal.log'), '\n{"id":"r-1","state":"runn');
    expect(new Journal(stateDir).get('r-1')).toEqual({ state: 'received' });

    // Cut short while the agent lives on (a full disk): the steps after it still count.
    const living = new Journal(stateDir);
    appendFileSync(join(stateDir, 'journal.log'), '\n{"id":"r-2","sta');
    living.put('r-3', { state: 'received' });
    expect(new Journal(stateDir).get('r-3')).toEqual({ state: 'received' });
  });

  it('drops done entries older than the retention when pruning, keeping recent and unfinished ones', () => {
    const sut = new Journal(stateDir);
    sut.put('old', { state: 'done', at: Date.now() - 2 * 3600_000 });
    sut.put('recent', { state: 'done', at: Date.now() });
    sut.put('open', { state: 'received' });

    sut.prune(3600_000);

    expect(sut.get('old')).toBeUndefined();
    expect(new Journal(stateDir).get('old')).toBeUndefined();
    expect(new Journal(stateDir).get('recent')).toMatchObject({ state: 'done' });
    expect(new Journal(stateDir).get('open')).toEqual({ state: 'received' });
  });

  it('logs each execution with its start and receive times', () => {
    const sut = new Journal(stateDir);
    sut.logExecution('r-1', 't-1', 1000.5, 1002.25);
    sut.logExecution('r-2', 't-2', 2000, 2001);

    expect(readFileSync(join(stateDir, 'executions.log'), 'utf8')).toBe('1002.250 r-1 t-1 1000.500\n2001.000 r-2 t-2 2000.000\n');
  });
});
