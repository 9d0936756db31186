import { FrequencyError } from './frequency-error';

/**
 * Alibaba cron fields (`sec min hour day-of-month month day-of-week [year]`) are checked here,
 * field by field, so that a refusal can name the field and the reason; croner's own messages
 * cannot. The result is rewritten into croner's dialect, which differs in a few places:
 * - day-of-week 1 = Monday … 7 = Sunday (Alibaba) happens to equal croner's default numbering
 *   (0/7 = Sunday, 1 = Monday), but names are rewritten here so that SUN means 7, not 0;
 * - `5L` (last Friday) becomes `5#L`, and `L` alone (last day of the week) becomes 7;
 * - `?` becomes `*`, and Quartz's `a/step` becomes `a-max/step` (croner only takes it "sloppily").
 */

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names standing for min, min + 1, … (JAN = 1, MON = 1). */
  readonly names?: readonly string[];
}

/** Years are checked against "this year" by the caller, which knows the clock. */
export const EARLIEST_YEAR = 1970;
export const LATEST_YEAR = 2099;

const SECOND: FieldSpec = { label: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { label: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { label: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { label: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = {
  label: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
const DAY_OF_WEEK: FieldSpec = {
  label: 'day-of-week',
  min: 1,
  max: 7,
  names: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'],
};
const YEAR: FieldSpec = { label: 'year', min: EARLIEST_YEAR, max: LATEST_YEAR };

/** Quartz allows `#1`–`#5`: no month has a sixth of any weekday. */
const MAX_NTH_WEEKDAY = 5;

export interface CronFields {
  /** Seven-field pattern in croner's dialect. */
  readonly cronerPattern: string;
  /** Same days, firing once at 00:00:00: used to find consecutive firing days. */
  readonly dayPattern: string;
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /**
   * Years written out in the year field, for the "not in the past" check; null when every item
   * starts with `*`. A `*\/2` counts from 1970 as in Quartz, so its early years are not the user's.
   */
  readonly years: readonly number[] | null;
}

interface ParsedField {
  readonly croner: string;
  readonly values: number[];
}

export function parseCronFields(fields: readonly string[]): CronFields {
  const [secondText, minuteText, hourText, dayText, monthText, weekdayText, yearText = '*'] = fields;
  const second = parseNumericField(secondText, SECOND);
  const minute = parseNumericField(minuteText, MINUTE);
  const hour = parseNumericField(hourText, HOUR);
  const month = parseNumericField(monthText, MONTH);
  const year = parseNumericField(yearText, YEAR);
  checkDayFieldsTogether(dayText, weekdayText);
  const day = parseDayOfMonth(dayText);
  const weekday = parseDayOfWeek(weekdayText);
  const dayFields = `${day} ${month.croner} ${weekday} ${year.croner}`;
  return {
    cronerPattern: `${second.croner} ${minute.croner} ${hour.croner} ${dayFields}`,
    dayPattern: `0 0 0 ${dayFields}`,
    seconds: second.values,
    minutes: minute.values,
    hours: hour.values,
    years: yearsWrittenOut(yearText),
  };
}

function yearsWrittenOut(yearText: string): number[] | null {
  const written = yearText.split(',').filter((item) => !item.startsWith('*'));
  if (written.length === 0) return null;
  return written.flatMap((item) => parseRangeItem(item, YEAR, yearText).values);
}

function refuse(spec: FieldSpec, text: string, why: string): never {
  throw new FrequencyError(`${spec.label} field '${text}': ${why}`);
}

/**
 * Quartz semantics: `?` means "no value" and belongs in exactly one of the two day fields;
 * restricting both is refused rather than guessing between AND (Quartz intent) and OR (cron).
 */
function checkDayFieldsTogether(dayText: string, weekdayText: string): void {
  const isOpen = (text: string) => text === '*' || text === '?';
  if (dayText === '?' && weekdayText === '?') {
    throw new FrequencyError(`day-of-month and day-of-week are both '?': use '?' in only one of them`);
  }
  if (!isOpen(dayText) && !isOpen(weekdayText)) {
    throw new FrequencyError(`day-of-month '${dayText}' and day-of-week '${weekdayText}' are both set: put '?' in one of them`);
  }
}

function checkCharacters(text: string, spec: FieldSpec, allowed: RegExp, allowedText: string): void {
  if (text === '') refuse(spec, text, 'is empty');
  const bad = [...text].find((character) => !allowed.test(character));
  if (bad !== undefined) refuse(spec, text, `character '${bad}' is not allowed here (allowed: ${allowedText})`);
  if (text.split(',').some((item) => item === '')) refuse(spec, text, 'has an empty list item');
}

function parseNumericField(text: string, spec: FieldSpec): ParsedField {
  if (text === '?') refuse(spec, text, `'?' is only allowed in day-of-month and day-of-week`);
  const allowed = spec.names ? /[0-9A-Za-z*,\-/]/ : /[0-9*,\-/]/;
  checkCharacters(text, spec, allowed, spec.names ? `digits, names, * , - /` : 'digits * , - /');
  const values = new Set<number>();
  const items = text.split(',').map((item) => {
    const parsed = parseRangeItem(item, spec, text);
    parsed.values.forEach((value) => values.add(value));
    return parsed.croner;
  });
  return { croner: items.join(','), values: [...values].sort((a, b) => a - b) };
}

/** One list item: `*`, `n`, `a-b`, `*\/s`, `a/s` or `a-b/s`. */
function parseRangeItem(item: string, spec: FieldSpec, fieldText: string): ParsedField {
  const [rangeText, stepText, ...extra] = item.split('/');
  if (extra.length > 0) refuse(spec, fieldText, `'${item}' has more than one '/'`);
  const step = stepText === undefined ? 1 : parseStep(stepText, spec, fieldText);
  let start: number;
  let end: number;
  if (rangeText === '*') {
    [start, end] = [spec.min, spec.max];
  } else if (rangeText.includes('-')) {
    const bounds = rangeText.split('-');
    if (bounds.length !== 2) refuse(spec, fieldText, `'${item}' is not a valid range`);
    [start, end] = bounds.map((bound) => parseValue(bound, spec, fieldText));
    if (start > end) {
      refuse(spec, fieldText, `range '${rangeText}' runs backwards; wrap-around ranges are not supported`);
    }
  } else {
    start = parseValue(rangeText, spec, fieldText);
    // Quartz `a/step` means "from a to the field's end".
    end = stepText === undefined ? start : spec.max;
  }
  const values: number[] = [];
  for (let value = start; value <= end; value += step) values.push(value);
  let croner = `${start}-${end}/${step}`;
  // A bare `*` stays `*`: for the year it means "any year", with no 2099 end.
  if (rangeText === '*' && stepText === undefined) croner = '*';
  else if (stepText === undefined) croner = start === end ? `${start}` : `${start}-${end}`;
  return { croner, values };
}

function parseStep(text: string, spec: FieldSpec, fieldText: string): number {
  if (!/^\d+$/.test(text)) refuse(spec, fieldText, `step '${text}' is not a number`);
  const step = parseDigits(text, spec, fieldText);
  const largest = spec.max - spec.min;
  if (step < 1 || step > largest) refuse(spec, fieldText, `step ${step} must be between 1 and ${largest}`);
  return step;
}

/** A number (at most one leading zero, as Alibaba allows) or a name, within the field's range. */
function parseValue(text: string, spec: FieldSpec, fieldText: string): number {
  const nameIndex = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (nameIndex >= 0) return spec.min + nameIndex;
  if (!/^\d+$/.test(text)) {
    const expected = spec.names ? `a number or a name (${spec.names[0]}–${spec.names.at(-1)})` : 'a number';
    refuse(spec, fieldText, `'${text}' is not ${expected}`);
  }
  const value = parseDigits(text, spec, fieldText);
  if (value < spec.min || value > spec.max) {
    const extra = spec === DAY_OF_WEEK ? ' (1 = Monday … 7 = Sunday)' : '';
    refuse(spec, fieldText, `${value} is out of range ${spec.min}–${spec.max}${extra}`);
  }
  return value;
}

function parseDigits(text: string, spec: FieldSpec, fieldText: string): number {
  if (!/^0?(?:0|[1-9]\d*)$/.test(text)) {
    refuse(spec, fieldText, `'${text}' has more than one leading zero (at most one is allowed, e.g. 08)`);
  }
  return Number(text);
}

/** Day of month: the numeric forms plus `L`, `LW` and `nW`. */
function parseDayOfMonth(text: string): string {
  if (text === '?' || text === '*') return '*';
  if (text.includes('?')) refuse(DAY_OF_MONTH, text, `'?' must be the whole field`);
  checkCharacters(text, DAY_OF_MONTH, /[0-9*,\-/LWlw]/, 'digits * , - / ? L W');
  const upper = text.toUpperCase();
  if (upper === 'LW') return 'LW';
  if (/^L-/.test(upper)) {
    refuse(DAY_OF_MONTH, text, `'L-n' (n days before the last day) is not supported`);
  }
  if (upper.includes('W')) {
    const nearestWeekday = /^(\d+)W$/.exec(upper);
    if (!nearestWeekday) {
      refuse(DAY_OF_MONTH, text, `'W' must follow a single day, as in 15W, or be 'LW', and stand alone`);
    }
    return `${parseValue(nearestWeekday[1], DAY_OF_MONTH, text)}W`;
  }
  return upper
    .split(',')
    .map((item) => (item === 'L' ? 'L' : parseRangeItem(item, DAY_OF_MONTH, text).croner))
    .join(',');
}

/** Day of week: the numeric forms plus `L` (Sunday), `nL`/`FRIL` (last of month) and `n#k`. */
function parseDayOfWeek(text: string): string {
  if (text === '?' || text === '*') return '*';
  if (text.includes('?')) refuse(DAY_OF_WEEK, text, `'?' must be the whole field`);
  checkCharacters(text, DAY_OF_WEEK, /[0-9A-Za-z*,\-/#]/, 'digits, MON–SUN, * , - / ? L #');
  return text
    .split(',')
    .map((item) => parseDayOfWeekItem(item.toUpperCase(), text))
    .join(',');
}

function parseDayOfWeekItem(item: string, fieldText: string): string {
  // Alone, L is the week's last day; Alibaba's week ends on Sunday (7).
  if (item === 'L') return '7';
  const nth = /^([0-9A-Z]+)#(.*)$/.exec(item);
  if (nth) {
    const weekday = parseValue(nth[1], DAY_OF_WEEK, fieldText);
    const occurrence = /^\d$/.test(nth[2]) ? Number(nth[2]) : NaN;
    if (!(occurrence >= 1 && occurrence <= MAX_NTH_WEEKDAY)) {
      refuse(DAY_OF_WEEK, fieldText, `'#${nth[2]}' must be #1 to #${MAX_NTH_WEEKDAY} (which occurrence in the month)`);
    }
    return `${weekday}#${occurrence}`;
  }
  const last = /^([0-9]+|[A-Z]{3})L$/.exec(item);
  if (last) return `${parseValue(last[1], DAY_OF_WEEK, fieldText)}#L`;
  // No day name contains an L, so any other L is misplaced.
  if (item.includes('L')) {
    refuse(DAY_OF_WEEK, fieldText, `'L' must stand alone or follow one day, as in 5L or FRIL`);
  }
  return parseRangeItem(item, DAY_OF_WEEK, fieldText).croner;
}
