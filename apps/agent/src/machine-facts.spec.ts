import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootId, machineFacts, parseOsRelease } from './machine-facts';

describe('machine facts', () => {
  it('reads os-release values bare, double- or single-quoted, with escapes', () => {
    const fields = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID=\'12\'\nNAME=Debian\n# comment\nODD="say \\"hi\\""\n');
    expect(fields).toEqual({ PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', VERSION_ID: '12', NAME: 'Debian', ODD: 'say "hi"' });
  });

  it('takes the boot id from CLOUD_ASSISTANT_BOOT_ID_FILE, trimmed, so tests can simulate a reboot', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ca-boot-')), 'boot_id');
    writeFileSync(file, 'boot-one\n');
    const saved = process.env.CLOUD_ASSISTANT_BOOT_ID_FILE;
    process.env.CLOUD_ASSISTANT_BOOT_ID_FILE = file;
    try {
      expect(bootId()).toBe('boot-one');
      writeFileSync(file, 'boot-two\n');
      expect(machineFacts('9.9.9')).toMatchObject({ BootId: 'boot-two', AgentVersion: '9.9.9', OsType: 'linux' });
    } finally {
      if (saved === undefined) delete process.env.CLOUD_ASSISTANT_BOOT_ID_FILE;
      else process.env.CLOUD_ASSISTANT_BOOT_ID_FILE = saved;
    }
  });

  it('reports only printable facts, within the lengths the service accepts', () => {
    const facts = machineFacts('1.0.0');
    for (const value of Object.values(facts)) expect(value).not.toMatch(/\p{Cc}/u);
    expect(facts.IntranetIp.split(',').length).toBeLessThanOrEqual(16);
  });
});
