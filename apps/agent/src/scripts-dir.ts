import { chmodSync, lstatSync, mkdirSync, Stats } from 'node:fs';
import { join } from 'node:path';

/** A directory the agent would write a script into, but that someone else could change. */
export class UnsafeDirectoryError extends Error {}

/**
 * Where each run's script is written: `scripts/` in the agent's state directory, which only the
 * agent can write to. A directory another user can write to (or replace) lets that user rename
 * the script away between its writing and its reading by the interpreter and put their own in
 * its place, run as the agent's user; so both directories are checked with lstat before every
 * script is written, and a run is refused rather than written anywhere unsafe.
 *
 * A run as another user must still open its own script by name, so when the agent is root both
 * directories are 0711: traversable by everyone, listable and writable only by the agent. Each
 * script is chowned to its run's user with mode 0700 (see TaskProcess), so it is readable by that
 * user alone. Passing the script as an inherited descriptor (`/dev/fd/3`) instead was rejected:
 * reopening /dev/fd/N still checks the file's own permissions, so the chown is needed anyway; the
 * descriptor would leak into everything the script starts; and the pre-forked spare shell
 * (ProcessLauncher) cannot be handed a descriptor after it is forked.
 */
export class ScriptsDir {
  readonly path: string;
  private readonly uid: number | undefined;
  private readonly mode: number;

  constructor(
    private readonly stateDir: string,
    uid = process.getuid?.(),
  ) {
    this.path = join(stateDir, 'scripts');
    this.uid = uid;
    // Only a root agent runs scripts as other users; any other agent keeps both directories closed.
    this.mode = uid === 0 ? 0o711 : 0o700;
  }

  /** The path for a new script: the directory checked (and created if missing) just now. */
  scriptPath(name: string): string {
    this.secure(this.stateDir, 'state directory');
    try {
      mkdirSync(this.path, { mode: this.mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    this.secure(this.path, 'scripts directory');
    return join(this.path, name);
  }

  /** Throws unless `dir` is a real directory of the agent's that no one else can write to; then sets its mode. */
  private secure(dir: string, what: string): void {
    let stats: Stats;
    try {
      stats = lstatSync(dir);
    } catch (error) {
      throw new UnsafeDirectoryError(`the ${what} ${dir} cannot be examined: ${(error as Error).message}`);
    }
    const problem = unsafe(stats, this.uid);
    if (problem) throw new UnsafeDirectoryError(`refusing to write a script: the ${what} ${dir} ${problem}`);
    if (this.uid !== undefined && (stats.mode & 0o777) !== this.mode) chmodSync(dir, this.mode);
  }
}

function unsafe(stats: Stats, uid: number | undefined): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link';
  if (!stats.isDirectory()) return 'is not a directory';
  // No owners or modes to check where there are no uids (Windows).
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return `is owned by uid ${stats.uid}, not by the agent (uid ${uid})`;
  if (stats.mode & 0o022) return `is writable by its group or by others (mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}
