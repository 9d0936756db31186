import { FrequencyError } from './frequency-error';

/**
 * A frequency's time zone: either a fixed UTC offset (the Alibaba default of +08:00, `GMT+9:00`,
 * `UTC`), which never has daylight saving, or an IANA zone evaluated through Intl.
 */
export type TimeZoneSpec = { kind: 'fixed'; offsetMinutes: number; display: string } | { kind: 'iana'; name: string; display: string };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Real-world offsets run from -12:00 to +14:00; anything outside is a typo. */
const MIN_OFFSET_MINUTES = -12 * 60;
const MAX_OFFSET_MINUTES = 14 * 60;

export function fixedOffsetZone(offsetMinutes: number): TimeZoneSpec {
  return { kind: 'fixed', offsetMinutes, display: formatOffset(offsetMinutes) };
}

/** Alibaba evaluates a frequency without a zone in China Standard Time, which has no DST. */
export const DEFAULT_TIME_ZONE: TimeZoneSpec = fixedOffsetZone(8 * 60);

const UTC_ALIASES = /^(?:UTC|GMT)$/i;
const FIXED_OFFSET = /^(?:UTC|GMT)([+-])(\d{1,2})(?::(\d{2}))?$/i;
/** Letters first keeps years, numbers and cron fields from ever being mistaken for a zone. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Region/City, every part starting with a letter: unlike a cron field such as MON/2. */
const IANA_REGION_CITY = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z][A-Za-z0-9_+-]*)+$/;

/** True for a token no cron field can be, so the zone is recognised even after too few fields. */
export function looksLikeTimeZone(token: string): boolean {
  return UTC_ALIASES.test(token) || FIXED_OFFSET.test(token) || IANA_REGION_CITY.test(token);
}

/** Reads `Asia/Tokyo`, `GMT+9:00`, `GMT-3`, `UTC+8`, `UTC` or `GMT`. */
export function parseTimeZone(token: string): TimeZoneSpec {
  if (UTC_ALIASES.test(token)) return { kind: 'fixed', offsetMinutes: 0, display: 'UTC' };
  const fixed = FIXED_OFFSET.exec(token);
  if (fixed) {
    const [, sign, hours, minutes = '0'] = fixed;
    const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
    if (Number(minutes) >= 60 || offsetMinutes < MIN_OFFSET_MINUTES || offsetMinutes > MAX_OFFSET_MINUTES) {
      throw new FrequencyError(`time zone '${token}': offset must be between GMT-12:00 and GMT+14:00`);
    }
    return fixedOffsetZone(offsetMinutes);
  }
  const canonical = IANA_NAME.test(token) ? canonicalIanaName(token) : undefined;
  if (!canonical) {
    throw new FrequencyError(`time zone '${token}' is unknown: use an IANA name such as Asia/Shanghai, an offset such as GMT+8:00, or UTC`);
  }
  // Show the name as written (EST stays EST, though ICU files it under America/Panama), only
  // with its letter case put right.
  const display = canonical.toLowerCase() === token.toLowerCase() ? canonical : token;
  return { kind: 'iana', name: canonical, display };
}

function canonicalIanaName(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Options that make croner evaluate a pattern in this zone. */
export function cronerZoneOptions(zone: TimeZoneSpec): { timezone: string } | { utcOffset: number } {
  return zone.kind === 'iana' ? { timezone: zone.name } : { utcOffset: zone.offsetMinutes };
}

/**
 * Formatters are costly to build and there are only a few hundred zones, so one per zone is kept.
 * (Unlike croner objects, which the brief forbids keeping per schedule.)
 */
const wallClockFormatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFormatter(zoneName: string): Intl.DateTimeFormat {
  let formatter = wallClockFormatters.get(zoneName);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zoneName,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormatters.set(zoneName, formatter);
  }
  return formatter;
}

/** Offset from UTC, in minutes, in force at an instant. */
export function offsetMinutesAt(zone: TimeZoneSpec, instantMs: number): number {
  if (zone.kind === 'fixed') return zone.offsetMinutes;
  const wholeSecondMs = Math.floor(instantMs / 1000) * 1000;
  const part: Record<string, number> = {};
  for (const { type, value } of wallClockFormatter(zone.name).formatToParts(new Date(wholeSecondMs))) {
    part[type] = Number(value);
  }
  const wallMs = Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
  return Math.round((wallMs - wholeSecondMs) / MINUTE_MS);
}

/**
 * A wall-clock time is carried as "the UTC instant with the same digits" (wallMs), which lets
 * Date.UTC and getUTC* do the calendar arithmetic.
 */
export function wallClockMs(zone: TimeZoneSpec, instantMs: number): number {
  return instantMs + offsetMinutesAt(zone, instantMs) * MINUTE_MS;
}

/**
 * Every instant showing this wall-clock time, earliest first: none inside a DST gap, two inside
 * a DST overlap. Any transition near the wall time changes the offset within a day, so the
 * offsets a day either side are the only candidates.
 */
export function instantsAtWallClock(zone: TimeZoneSpec, wallMs: number): number[] {
  const candidateOffsets = new Set([offsetMinutesAt(zone, wallMs - DAY_MS), offsetMinutesAt(zone, wallMs), offsetMinutesAt(zone, wallMs + DAY_MS)]);
  const instants: number[] = [];
  for (const offset of candidateOffsets) {
    const instant = wallMs - offset * MINUTE_MS;
    if (offsetMinutesAt(zone, instant) === offset && !instants.includes(instant)) instants.push(instant);
  }
  return instants.sort((a, b) => a - b);
}

/** `+08:00`, `-03:00`, `+05:30`. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/** ISO 8601 local time with the offset in force, e.g. `2027-03-14T03:00:00-04:00`. */
export function formatLocalIso(zone: TimeZoneSpec, instantMs: number): string {
  const offset = offsetMinutesAt(zone, instantMs);
  const wall = new Date(instantMs + offset * MINUTE_MS).toISOString().slice(0, 19);
  return `${wall}${formatOffset(offset)}`;
}

/** ISO 8601 in UTC without milliseconds, as Alibaba's APIs print times. */
export function formatUtcIso(instantMs: number): string {
  return `${new Date(instantMs).toISOString().slice(0, 19)}Z`;
}
