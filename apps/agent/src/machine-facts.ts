import { AGENT_LABEL_PATTERN, AgentStartFacts, MAX_REPORTED_ADDRESSES } from '@ca/protocol';
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces, platform, release } from 'node:os';

/** Tests point this at a file of their own to simulate a reboot. */
const BOOT_ID_FILE_VARIABLE = 'CLOUD_ASSISTANT_BOOT_ID_FILE';
const DEFAULT_BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/**
 * What this machine says of itself, read once per agent start: the service shows it to
 * operators and learns from the boot id that the machine has booted. Anything unreadable is
 * reported empty rather than failing the start: a container has no /etc/machine-id, a
 * minimal image no /etc/os-release.
 */
export function machineFacts(agentVersion: string): AgentStartFacts {
  const osRelease = parseOsRelease(readOptional('/etc/os-release'));
  return {
    AgentVersion: agentVersion,
    Hostname: label(hostname(), 255),
    OsType: platform() === 'win32' ? 'windows' : 'linux',
    OsName: label(osRelease.PRETTY_NAME ?? osRelease.NAME ?? '', 128),
    OsVersion: label(osRelease.VERSION_ID ?? '', 128),
    KernelVersion: label(release(), 128),
    IntranetIp: intranetAddresses().join(','),
    MachineId: label(readOptional('/etc/machine-id').trim(), 64),
    BootId: bootId(),
  };
}

/** The current boot's id; empty when the machine does not say (then no reboot is ever seen). */
export function bootId(): string {
  return label(readOptional(process.env[BOOT_ID_FILE_VARIABLE] || DEFAULT_BOOT_ID_FILE).trim(), 64);
}

/** `KEY=value` lines, values optionally quoted (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    fields[match[1]] = value.replace(/\\(["'$`\\])/g, '$1');
  }
  return fields;
}

/** Non-internal IPv4 addresses first (what an operator looks for), then IPv6 ones that are not link-local. */
function intranetAddresses(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined && !entry.internal);
  const v4 = addresses.filter((a) => a!.family === 'IPv4').map((a) => a!.address);
  const v6 = addresses.filter((a) => a!.family === 'IPv6' && !a!.address.toLowerCase().startsWith('fe80')).map((a) => a!.address);
  return [...new Set([...v4, ...v6])].slice(0, MAX_REPORTED_ADDRESSES);
}

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The service refuses control characters and overlong values; trim here so one odd field does not refuse the whole start. */
function label(value: string, maxLength: number): string {
  const printable = AGENT_LABEL_PATTERN.test(value) ? value : value.replace(/\p{Cc}/gu, '');
  return printable.slice(0, maxLength);
}
