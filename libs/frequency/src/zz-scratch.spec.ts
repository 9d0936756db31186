import { parseFrequency, nextFireTimes, previewFireTimes } from './index';
const NOW = new Date('2026-11-27T00:00:00Z');
const show = (t: string, n = 4, after = NOW) => {
  try {
    const f = parseFrequency(t, { now: NOW, minIntervalSeconds: 1 });
    const p = previewFireTimes(f, after, NOW, n);
    return `${t} [${f.timeZone}] ${p.map((x) => x.local + (x.dstGap ? ' GAP' : '') + (x.dstOverlap ? ' OVL' : '')).join(' ')}`;
  } catch (e) { return `${t} ERR ${(e as Error).message}`; }
};
it('scratch', () => {
  const out = [
    '0 0 9 ? * MON/2', '0 0 0 1/10 * ?', '0 0 0 1 1 ? */2', '0 0 9 ? * fril', '0 0 0 1 JAN-MAR ?', '0 0 0 ? * MON-',
    '0 0 0 ? * 1,', '0 0 14 * * ? asia/tokyo', '0 0 14 * * ? EST', '0 0 14 * * ? GMT+8:0', '0 0 9 LW * ?', '0 0 9 15W * ?',
    '0 0 9 ? * 5L', '0 0 9 1,L * ?', '0 0 9 ? * 5#L', 'UTC', '0 0 9 ? * 7#5', '0 0 9 ? * SUN-MON', '0 0 9 ? * 5-7',
    '0 0 9 ? * 0', '0 0 0 1 1 ? 2027-2020', '0 0 0 L * ? Europe/London', '1-5/2 0 0 * * ?', '0 0 0 ? * MONL', '0 0 0 ? * LL',
    '0 0 0 1W * ?', '0 0 0 31W * ?', 'rate( 10 m )', 'RATE(1h)', 'at( 2026-12-01 08:00:00 UTC )', 'at(2026-12-01 24:00:00)',
    '0 0 14 * * ? Etc/GMT-9', '0 0 0 15 * ? Australia/Lord_Howe', '0 0/30 2 * * ? Australia/Lord_Howe',
  ].map((t) => show(t));
  out.push(show('0 0/30 1,2 * * ? Australia/Lord_Howe', 6, new Date('2027-04-03T13:00:00Z')));
  out.push(show('0 15 2 * * ? Australia/Lord_Howe', 3, new Date('2027-10-01T00:00:00Z')));
  console.log(out.join('\n'));
});
