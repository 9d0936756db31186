import { FrequencyError } from './frequency-error';
import { DEFAULT_TIME_ZONE, instantsAtWallClock, parseTimeZone, type TimeZoneSpec } from './time-zone';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** 100 years: far beyond any real schedule, and 100 previewed fires stay inside the range of a JS Date. */
const MAX_RATE_SECONDS = 100 * 365 * 86_400;

export const RATE_PREFIX = /^rate\s*\(/i;
export const AT_PREFIX = /^at\s*\(/i;

/** `rate(5m)`: units s, m, h, d (lower case, so `M` is never read as months). */
export function parseRateSeconds(source: string): number {
  const match = /^rate\s*\(\s*(\d+)\s*([A-Za-z]*)\s*\)$/i.exec(source);
  if (!match) throw new FrequencyError(`'${source}' is not a rate expression: expected e.g. rate(5m)`);
  const [, amountText, unit] = match;
  const unitSeconds = UNIT_SECONDS[unit];
  if (unitSeconds === undefined) {
    throw new FrequencyError(`rate unit '${unit}' is unknown: use s (seconds), m (minutes), h (hours) or d (days)`);
  }
  const amount = Number(amountText);
  if (amount < 1 || !Number.isSafeInteger(amount * unitSeconds)) {
    throw new FrequencyError(`rate interval '${amountText}${unit}' must be a whole number above zero`);
  }
  if (amount * unitSeconds > MAX_RATE_SECONDS) {
    throw new FrequencyError(`rate interval '${amountText}${unit}' must be at most 100 years`);
  }
  return amount * unitSeconds;
}

/**
 * First fire strictly after `after`, counting whole intervals from the creation time, so the first
 * run is one interval after creation. Creation is cut to whole seconds: fire times are whole seconds.
 */
export function nextRateFireMs(intervalSeconds: number, createdAt: Date, after: Date): number {
  const anchorMs = Math.floor(createdAt.getTime() / 1000) * 1000;
  const intervalMs = intervalSeconds * 1000;
  const elapsedIntervals = Math.floor((after.getTime() - anchorMs) / intervalMs);
  return anchorMs + Math.max(1, elapsedIntervals + 1) * intervalMs;
}

export interface AtTime {
  readonly fireAt: Date;
  readonly zone: TimeZoneSpec;
}

/** `at(2026-12-01 08:00:00 Asia/Shanghai)`; the zone is optional and defaults to +08:00. */
export function parseAt(source: string): AtTime {
  const match = /^at\s*\(\s*(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\s+(\S+))?\s*\)$/i.exec(source);
  if (!match) {
    throw new FrequencyError(`'${source}' is not an at expression: expected at(yyyy-MM-dd HH:mm:ss) with an optional time zone`);
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const zoneToken = match[7];
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const wall = new Date(wallMs);
  // Date.UTC rolls 2026-02-30 over to March; a changed field means the date does not exist.
  const rolledOver = wall.getUTCFullYear() !== year || wall.getUTCMonth() !== month - 1 || wall.getUTCDate() !== day;
  if (rolledOver || hour > 23 || minute > 59 || second > 59) {
    const written = `${match[1]}-${match[2]}-${match[3]} ${match[4]}:${match[5]}:${match[6]}`;
    throw new FrequencyError(`at(): '${written}' is not a valid date and time`);
  }
  const zone = zoneToken === undefined ? DEFAULT_TIME_ZONE : parseTimeZone(zoneToken);
  // A time repeated by a DST fall-back runs at its first occurrence, as croner does for cron.
  const [first] = instantsAtWallClock(zone, wallMs);
  if (first === undefined) {
    throw new FrequencyError(`at(): ${zone.display} skips this time for daylight saving; pick another time`);
  }
  return { fireAt: new Date(first), zone };
}
