import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptsDir, UnsafeDirectoryError } from './scripts-dir';

const uid = process.getuid!();
const mode = (path: string): number => lstatSync(path).mode & 0o7777;

describe(ScriptsDir.name, () => {
  let sandbox: string;
  let stateDir: string;

  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'ca-scripts-'));
    stateDir = join(sandbox, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
  });
  afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

  const refusal = (sut: ScriptsDir): string => {
    try {
      sut.scriptPath('r.sh');
    } catch (error) {
      expect(error).toBeInstanceOf(UnsafeDirectoryError);
      return (error as Error).message;
    }
    throw new Error('the directory was accepted');
  };

  it('creates scripts/ in the state directory; a root agent opens both to traversal (0711), any other keeps them 0700', () => {
    expect(new ScriptsDir(stateDir, uid).scriptPath('r.sh')).toBe(join(stateDir, 'scripts', 'r.sh'));
    const expected = uid === 0 ? 0o711 : 0o700;
    expect([mode(stateDir), mode(join(stateDir, 'scripts'))]).toEqual([expected, expected]);
  });

  it('refuses directories owned by anyone but the agent', () => {
    const other = uid + 1;
    expect(refusal(new ScriptsDir(stateDir, other))).toBe(
      `refusing to write a script: the state directory ${stateDir} is owned by uid ${uid}, not by the agent (uid ${other})`,
    );
  });

  it('refuses a group- or world-writable state or scripts directory, and leaves its mode alone', () => {
    chmodSync(stateDir, 0o770);
    expect(refusal(new ScriptsDir(stateDir, uid))).toBe(
      `refusing to write a script: the state directory ${stateDir} is writable by its group or by others (mode 0770)`,
    );
    expect(mode(stateDir)).toBe(0o770);

    chmodSync(stateDir, 0o700);
    mkdirSync(join(stateDir, 'scripts'));
    chmodSync(join(stateDir, 'scripts'), 0o1777);
    expect(refusal(new ScriptsDir(stateDir, uid))).toMatch(/scripts directory .* is writable by its group or by others \(mode 1777\)$/);
  });

  it('refuses a symbolic link in place of either directory, even to a safe directory', () => {
    const real = join(sandbox, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(stateDir, 'scripts'));
    expect(refusal(new ScriptsDir(stateDir, uid))).toMatch(/the scripts directory .*\/scripts is a symbolic link$/);

    const linkedState = join(sandbox, 'linked-state');
    symlinkSync(stateDir, linkedState);
    expect(refusal(new ScriptsDir(linkedState, uid))).toBe(`refusing to write a script: the state directory ${linkedState} is a symbolic link`);
  });

  it('refuses a file in place of the scripts directory, and a missing state directory', () => {
    writeFileSync(join(stateDir, 'scripts'), '');
    expect(refusal(new ScriptsDir(stateDir, uid))).toMatch(/the scripts directory .*\/scripts is not a directory$/);

    rmSync(stateDir, { recursive: true });
    expect(refusal(new ScriptsDir(stateDir, uid))).toMatch(/the state directory .* cannot be examined: ENOENT/);
  });
});
