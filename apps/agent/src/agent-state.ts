import { AgentCredentials } from '@ca/protocol';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The agent's state directory: its credentials (mode 0600) and, later, its work journal. */
export class AgentState {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get credentialsFile(): string {
    return join(this.dir, 'credentials.json');
  }

  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  hasCredentials(): boolean {
    return existsSync(this.credentialsFile);
  }

  readCredentials(): AgentCredentials {
    if (!this.hasCredentials()) {
      throw new Error(`no credentials in ${this.dir}: run \`npm run agent -- register …\` first`);
    }
    return JSON.parse(readFileSync(this.credentialsFile, 'utf8')) as AgentCredentials;
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a credential. */
  writeCredentials(credentials: AgentCredentials): void {
    this.ensureDir();
    const temporary = `${this.credentialsFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, this.credentialsFile);
  }
}
