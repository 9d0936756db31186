import { FrequencyError, nextFireTime, nextFireTimes, parseFrequency, previewFireTimes, type FirePreview } from './index';

/** Friday 2026-11-27, 08:00 at the default +08:00: fixed so every expected time is exact. */
const NOW = new Date('2026-11-27T00:00:00Z');

const parse = (text: string, minIntervalSeconds = 1) => parseFrequency(text, { now: NOW, minIntervalSeconds });

function upcoming(text: string, after: string | Date, count: number, createdAt: Date = NOW): string[] {
  return nextFireTimes(parse(text), new Date(after), createdAt, count).map((time) => time.toISOString());
}

function refusalOf(text: string, minIntervalSeconds: number): FrequencyError {
  try {
    parse(text, minIntervalSeconds);
  } catch (error) {
    if (error instanceof FrequencyError) return error;
    throw error;
  }
  throw new Error(`'${text}' was accepted`);
}

describe(parseFrequency.name, () => {
  it.each([
    ['0 0-5 14 * * ?', 'cron', '0 0-5 14 * * ?', '+08:00'],
    ['  rate(5m)  ', 'rate', 'rate(5m)', '+08:00'],
    ['at(2026-12-01 08:00:00 Asia/Shanghai)', 'at', 'at(2026-12-01 08:00:00 Asia/Shanghai)', 'Asia/Shanghai'],
    ['at(2026-12-01 08:00:00)', 'at', 'at(2026-12-01 08:00:00)', '+08:00'],
    ['0 0 14 * * ? Asia/Tokyo', 'cron', '0 0 14 * * ? Asia/Tokyo', 'Asia/Tokyo'],
    ['0 0 14 * * ? GMT+9:00', 'cron', '0 0 14 * * ? GMT+9:00', '+09:00'],
    ['0 0 14 * * ? GMT-3', 'cron', '0 0 14 * * ? GMT-3', '-03:00'],
    ['0 0 14 * * ? UTC+8', 'cron', '0 0 14 * * ? UTC+8', '+08:00'],
    ['0 0 14 * * ? UTC', 'cron', '0 0 14 * * ? UTC', 'UTC'],
    ['0 0 14 * * ? 2027 America/New_York', 'cron', '0 0 14 * * ? 2027 America/New_York', 'America/New_York'],
  ])('accepts %j as %s (source %j, zone %s)', (text, kind, source, timeZone) => {
    expect(parse(text)).toEqual({ kind, source, timeZone });
  });

  it.each([
    ['garbage', 'hello', 1, /6 or 7 fields .*got 1/],
    ['an empty string', '   ', 1, /empty/],
    ['5 fields', '0 14 * * ?', 1, /6 or 7 fields .*got 5/],
    ['5 fields and a zone', '0 14 * * ? Asia/Tokyo', 1, /got 5 before the time zone 'Asia\/Tokyo'/],
    ['8 fields', '0 0 14 * * ? 2027 2028', 1, /6 or 7 fields .*got 8/],
    ['two leading zeros', '0 0 008 * * ?', 1, /hour field '008': '008' has more than one leading zero/],
    ['second 60', '60 * * * * ?', 1, /second field '60': 60 is out of range 0–59/],
    ['hour 24', '0 0 24 * * ?', 1, /hour field '24': 24 is out of range 0–23/],
    ['day 32', '0 0 0 32 * ?', 1, /day-of-month field '32': 32 is out of range 1–31/],
    ['month 13', '0 0 0 ? 13 *', 1, /month field '13': 13 is out of range 1–12/],
    ['weekday 8', '0 0 0 ? * 8', 1, /day-of-week field '8': 8 is out of range 1–7 \(1 = Monday … 7 = Sunday\)/],
    ['weekday 0', '0 0 0 ? * 0', 1, /day-of-week field '0': 0 is out of range 1–7/],
    ['a sixth weekday', '0 0 0 ? * 1#6', 1, /'#6' must be #1 to #5/],
    ['an unknown month name', '0 0 0 ? FOO *', 1, /month field 'FOO': 'FOO' is not a number or a name \(JAN–DEC\)/],
    ['a backwards range', '0 0 0 ? * 5-1', 1, /range '5-1' runs backwards/],
    ['L in the minute field', '0 L 0 * * ?', 1, /minute field 'L': character 'L' is not allowed/],
    ['? outside the day fields', '? 0 0 * * ?', 1, /second field '\?': '\?' is only allowed in day-of-month/],
    ['both day fields set', '0 0 0 1 * MON', 1, /day-of-month '1' and day-of-week 'MON' are both set/],
    ['both day fields ?', '0 0 0 ? * ?', 1, /both '\?'/],
    ['L-3, which croner lacks', '0 0 0 L-3 * ?', 1, /'L-n' .* is not supported/],
    ['W on a range', '0 0 0 1-5W * ?', 1, /'W' must follow a single day/],
    ['a zero step', '0 */0 * * * ?', 1, /step 0 must be between 1 and 59/],
    ['every second under a 10 s minimum', '* * * * * ?', 10, /fires 1 s apart, under the minimum interval of 10 s/],
    ['23:00 then 00:00 under a 2 h minimum', '0 0 0,23 * * ?', 7200, /fires 3600 s apart/],
    // 01:59:59 EST, then 03:00:05 EDT on 14 March 2027: six real seconds apart.
    ['fires a DST spring-forward draws together', '5,59 0,59 1,3 * * ? America/New_York', 10, /fires 6 s apart, under the minimum interval of 10 s/],
    ['a past year', '0 0 0 1 1 ? 2020', 1, /year field: 2020 is in the past/],
    ['a year past 2099', '0 0 0 1 1 ? 2100', 1, /year field '2100': 2100 is out of range 1970–2099/],
    ['this year, already passed', '0 0 0 1 1 ? 2026', 1, /never fires after 2026-11-27T00:00:00Z/],
    ['February 30', '0 0 0 30 2 ?', 1, /never fires/],
    ['an unknown zone', '0 0 14 * * ? Mars/Olympus', 1, /time zone 'Mars\/Olympus' is unknown/],
    ['an offset beyond +14:00', '0 0 14 * * ? GMT+15', 1, /between GMT-12:00 and GMT\+14:00/],
    ['a rate under the minimum', 'rate(5s)', 10, /rate interval is 5 s, under the minimum of 10 s/],
    ['a zero rate', 'rate(0m)', 1, /must be a whole number above zero/],
    ['an unknown rate unit', 'rate(5M)', 1, /rate unit 'M' is unknown/],
    ['at() in the past', 'at(2026-01-01 00:00:00)', 1, /2025-12-31T16:00:00Z is not in the future/],
    ['at() on a day that does not exist', 'at(2026-02-30 08:00:00)', 1, /'2026-02-30 08:00:00' is not a valid date/],
    ['at() inside a DST gap', 'at(2027-03-14 02:30:00 America/New_York)', 1, /skips this time/],
    ['at() with another layout', 'at(2026/12/01 08:00)', 1, /expected at\(yyyy-MM-dd HH:mm:ss\)/],
  ])('refuses %s', (_label, text, minIntervalSeconds, message) => {
    const error = refusalOf(text, minIntervalSeconds);
    expect(error.code).toBe('InvalidParam.Frequency');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['every 2 s with a 1 s minimum', '*/2 * * * * ?', 1],
    ['hourly at :00 and :59 with a 60 s minimum', '0 0,59 * * * ?', 60],
    ['00:00 and 23:00 with a 1 h minimum', '0 0 0,23 * * ?', 3600],
    ['a single fire in a single year', '0 0 0 1 1 ? 2027', 86_400 * 365 * 10],
    ['the same pattern in a zone without DST', '5,59 0,59 1,3 * * ? Asia/Tokyo', 10],
    ['every 10 s across DST transitions', '*/10 * * * * ? America/New_York', 10],
  ])('accepts %s', (_label, text, minIntervalSeconds) => {
    expect(() => parse(text, minIntervalSeconds)).not.toThrow();
  });
});

describe(nextFireTimes.name, () => {
  it.each([
    [
      'the seed, 14:00–14:05 at +08:00',
      '0 0-5 14 * * ?',
      NOW,
      [
        '2026-11-27T06:00:00.000Z',
        '2026-11-27T06:01:00.000Z',
        '2026-11-27T06:02:00.000Z',
        '2026-11-27T06:03:00.000Z',
        '2026-11-27T06:04:00.000Z',
        '2026-11-27T06:05:00.000Z',
        '2026-11-28T06:00:00.000Z',
      ],
    ],
    ['every 2 s', '*/2 * * * * ?', NOW, ['2026-11-27T00:00:02.000Z', '2026-11-27T00:00:04.000Z']],
    [
      'a Quartz start/step, 0/20',
      '0 0/20 14 * * ?',
      NOW,
      ['2026-11-27T06:00:00.000Z', '2026-11-27T06:20:00.000Z', '2026-11-27T06:40:00.000Z', '2026-11-28T06:00:00.000Z'],
    ],
    ['one leading zero, 08', '0 15 08 ? * *', NOW, ['2026-11-27T00:15:00.000Z']],
    ['month ends, L', '0 0 0 L * ?', NOW, ['2026-11-29T16:00:00.000Z', '2026-12-30T16:00:00.000Z', '2027-01-30T16:00:00.000Z', '2027-02-27T16:00:00.000Z']],
    ['Feb 29 from 2027', '0 0 0 29 2 ?', '2027-01-01T00:00:00Z', ['2028-02-28T16:00:00.000Z', '2032-02-28T16:00:00.000Z']],
    ['15W, 15th a Saturday → Friday 14th', '0 0 9 15W * ?', '2027-04-20T00:00:00Z', ['2027-05-14T01:00:00.000Z', '2027-06-15T01:00:00.000Z']],
    ['15W, 15th a Sunday → Monday 16th', '0 0 9 15W * ?', '2027-07-20T00:00:00Z', ['2027-08-16T01:00:00.000Z']],
    ['LW, 31st a Sunday → Friday 29th', '0 0 9 LW * ?', '2027-01-01T00:00:00Z', ['2027-01-29T01:00:00.000Z', '2027-02-26T01:00:00.000Z']],
    ['1#1, first Monday', '0 0 9 ? * 1#1', NOW, ['2026-12-07T01:00:00.000Z', '2027-01-04T01:00:00.000Z']],
    ['6#3, third Saturday', '0 0 9 ? * 6#3', NOW, ['2026-12-19T01:00:00.000Z']],
    ['5L, last Friday', '0 0 9 ? * 5L', NOW, ['2026-11-27T01:00:00.000Z', '2026-12-25T01:00:00.000Z']],
    ['FRIL, last Friday by name', '0 0 9 ? * FRIL', NOW, ['2026-11-27T01:00:00.000Z', '2026-12-25T01:00:00.000Z']],
    ['L alone, the last day of the week: Sunday', '0 0 9 ? * L', NOW, ['2026-11-29T01:00:00.000Z', '2026-12-06T01:00:00.000Z']],
    ['7 is Sunday', '0 0 9 ? * 7', NOW, ['2026-11-29T01:00:00.000Z']],
    ['SUN is Sunday', '0 0 9 ? * sun', NOW, ['2026-11-29T01:00:00.000Z']],
    ['MON-FRI', '0 0 9 ? * MON-FRI', NOW, ['2026-11-27T01:00:00.000Z', '2026-11-30T01:00:00.000Z', '2026-12-01T01:00:00.000Z']],
    ['JAN,JUL', '0 0 0 1 JAN,JUL ?', NOW, ['2026-12-31T16:00:00.000Z', '2027-06-30T16:00:00.000Z']],
    ['a Quartz day step, MON/2', '0 0 9 ? * MON/2', NOW, ['2026-11-27T01:00:00.000Z', '2026-11-29T01:00:00.000Z', '2026-11-30T01:00:00.000Z']],
    ['a year step counts from 1970, as in Quartz', '0 0 0 1 1 ? */2', NOW, ['2027-12-31T16:00:00.000Z', '2029-12-31T16:00:00.000Z']],
    ['the year field stops after 2028', '0 0 0 1 1 ? 2028', NOW, ['2027-12-31T16:00:00.000Z']],
    ['Asia/Tokyo', '0 0 14 * * ? Asia/Tokyo', NOW, ['2026-11-27T05:00:00.000Z']],
    ['GMT+9:00', '0 0 14 * * ? GMT+9:00', NOW, ['2026-11-27T05:00:00.000Z']],
    ['GMT-3', '0 0 14 * * ? GMT-3', NOW, ['2026-11-27T17:00:00.000Z']],
    ['UTC', '0 0 14 * * ? UTC', NOW, ['2026-11-27T14:00:00.000Z']],
    ['at(), Asia/Shanghai', 'at(2026-12-01 08:00:00 Asia/Shanghai)', NOW, ['2026-12-01T00:00:00.000Z']],
    ['at(), default +08:00', 'at(2026-12-01 08:00:00)', NOW, ['2026-12-01T00:00:00.000Z']],
    ['at(), GMT+9:00', 'at(2026-12-01 08:00:00 GMT+9:00)', NOW, ['2026-11-30T23:00:00.000Z']],
    ['at(), already fired', 'at(2026-12-01 08:00:00)', '2026-12-01T00:00:00Z', []],
    ['at(), a repeated hour: first occurrence', 'at(2027-11-07 01:30:00 America/New_York)', NOW, ['2027-11-07T05:30:00.000Z']],
  ])('%s: %s after %s', (_label, text, after, expected) => {
    expect(upcoming(text, after, Math.max(expected.length, 1))).toEqual(expected);
  });

  it.each([
    ['the year field ends', '0 0 0 1 1 ? 2028', ['2027-12-31T16:00:00.000Z']],
    ['at() fires once', 'at(2026-12-01 08:00:00)', ['2026-12-01T00:00:00.000Z']],
  ])('returns fewer times than asked when %s', (_label, text, expected) => {
    expect(upcoming(text, NOW, 5)).toEqual(expected);
  });

  describe('rate()', () => {
    const createdAt = new Date('2026-11-27T00:00:00.700Z');
    it.each([
      ['rate(5m)', 'at creation', '2026-11-27T00:00:00.700Z', ['2026-11-27T00:05:00.000Z', '2026-11-27T00:10:00.000Z']],
      ['rate(5m)', 'before creation', '2026-11-26T00:00:00Z', ['2026-11-27T00:05:00.000Z']],
      ['rate(5m)', 'between fires', '2026-11-27T00:07:30Z', ['2026-11-27T00:10:00.000Z']],
      ['rate(5m)', 'exactly on a fire', '2026-11-27T00:10:00Z', ['2026-11-27T00:15:00.000Z']],
      ['rate(30s)', 'at creation', '2026-11-27T00:00:00Z', ['2026-11-27T00:00:30.000Z', '2026-11-27T00:01:00.000Z']],
      ['rate(2h)', 'at creation', '2026-11-27T00:00:00Z', ['2026-11-27T02:00:00.000Z']],
      ['rate(1d)', 'a day later', '2026-11-28T00:00:00Z', ['2026-11-29T00:00:00.000Z']],
    ])('%s %s (%s)', (text, _label, after, expected) => {
      expect(upcoming(text, after, expected.length, createdAt)).toEqual(expected);
    });
  });
});

describe(nextFireTime.name, () => {
  it('returns the first fire strictly after the given time', () => {
    const seed = parse('0 0-5 14 * * ?');
    expect(nextFireTime(seed, new Date('2026-11-27T06:00:00Z'), NOW)).toEqual(new Date('2026-11-27T06:01:00Z'));
  });

  it.each([
    ['a cron whose last year is over', '0 0 0 1 1 ? 2028', '2028-06-01T00:00:00Z'],
    ['an at() that has fired', 'at(2026-12-01 08:00:00)', '2026-12-01T00:00:00Z'],
  ])('returns null for %s', (_label, text, after) => {
    expect(nextFireTime(parse(text), new Date(after), NOW)).toBeNull();
  });
});

/**
 * America/New_York, 2027: clocks go 02:00 → 03:00 on 14 March and 02:00 → 01:00 on 7 November.
 * Croner (like Vixie cron) treats a pattern with one value in each of second, minute and hour as a
 * fixed-time job: on the gap day it runs at the first valid time after the gap (02:30 → 03:00 EDT),
 * and a repeated time runs once, at its first occurrence. Any other pattern is an interval job:
 * times in the gap are skipped and repeated times run twice.
 */
describe(previewFireTimes.name, () => {
  const preview = (text: string, after: string, count: number): FirePreview[] => previewFireTimes(parse(text), new Date(after), NOW, count);

  it('shows UTC and local time in the default +08:00', () => {
    expect(preview('0 0-5 14 * * ?', NOW.toISOString(), 1)).toEqual([{ utc: '2026-11-27T06:00:00Z', local: '2026-11-27T14:00:00+08:00' }]);
  });

  it('moves a daily 02:30 to 03:00 EDT on the spring-forward day, flagged as a gap', () => {
    expect(preview('0 30 2 * * ? America/New_York', '2027-03-13T00:00:00Z', 3)).toEqual([
      { utc: '2027-03-13T07:30:00Z', local: '2027-03-13T02:30:00-05:00' },
      { utc: '2027-03-14T07:00:00Z', local: '2027-03-14T03:00:00-04:00', dstGap: true },
      { utc: '2027-03-15T06:30:00Z', local: '2027-03-15T02:30:00-04:00' },
    ]);
  });

  it('skips gap times of an interval job', () => {
    expect(preview('0 0/30 2 * * ? America/New_York', '2027-03-14T00:00:00Z', 1)).toEqual([
      { utc: '2027-03-15T06:00:00Z', local: '2027-03-15T02:00:00-04:00' },
    ]);
  });

  it('runs a daily 01:30 once, at the first occurrence, on the fall-back day', () => {
    expect(preview('0 30 1 * * ? America/New_York', '2027-11-06T12:00:00Z', 2)).toEqual([
      { utc: '2027-11-07T05:30:00Z', local: '2027-11-07T01:30:00-04:00', dstOverlap: true },
      { utc: '2027-11-08T06:30:00Z', local: '2027-11-08T01:30:00-05:00' },
    ]);
  });

  it('runs an interval job through both passes of the repeated hour', () => {
    expect(preview('0 0/30 1 * * ? America/New_York', '2027-11-07T00:00:00Z', 4)).toEqual([
      { utc: '2027-11-07T05:00:00Z', local: '2027-11-07T01:00:00-04:00', dstOverlap: true },
      { utc: '2027-11-07T05:30:00Z', local: '2027-11-07T01:30:00-04:00', dstOverlap: true },
      { utc: '2027-11-07T06:00:00Z', local: '2027-11-07T01:00:00-05:00', dstOverlap: true },
      { utc: '2027-11-07T06:30:00Z', local: '2027-11-07T01:30:00-05:00', dstOverlap: true },
    ]);
  });

  it('shows rate() fires in the default +08:00, which has no DST', () => {
    const createdAt = new Date('2027-11-07T04:30:00Z');
    expect(previewFireTimes(parse('rate(1h)'), createdAt, createdAt, 1)).toEqual([{ utc: '2027-11-07T05:30:00Z', local: '2027-11-07T13:30:00+08:00' }]);
  });
});
