import { formatV1Timestamp, percentEncode, signV1 } from '@ca/signing';
import * as fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { call, newActivation, newCommand, newInstance, REGION } from '../support/factories';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, tableCounts, tableSnapshot, TableSnapshot, TestApp } from '../support/test-app';

/**
 * Property-based fuzzing of the RPC edge against the real in-process service and its
 * real PostgreSQL. Whatever a client sends — correctly signed or garbage — the answer is a
 * specific 4xx (never a 5xx, never a generic InternalError), in Alibaba's error shape, and a
 * refused request writes nothing. Seeds are fixed, so a failure replays identically; fast-check
 * prints the seed, the path and the shrunk counterexample.
 */

type Params = Record<string, string>;

interface Answer {
  status: number;
  text: string;
  /** Top-level fields of the JSON body, or of the XML one when XML was asked for. */
  body: Record<string, unknown>;
  format: 'JSON' | 'XML';
}

interface RawRequest {
  method: 'GET' | 'POST';
  /** Appended to `/?` as is (already encoded, or deliberately not). */
  query?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

const SEED = 42;
/** Runs per property; the whole file stays well under a minute on two cores. */
const SIGNED_RUNS = 500;
const TARGETED_RUNS = 100;
const GARBAGE_RUNS = 250;

const RESERVED = new Set(['Action', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature']);
const PAGING = ['PageNumber', 'PageSize', 'MaxResults', 'NextToken'];
const LIST = ['InstanceIds', 'InstanceId.1', 'InstanceId.2'];

/** Every registered action and the parameters it reads (from its *.actions.ts). */
const ACTIONS: Record<string, string[]> = {
  DescribeRegions: ['AcceptLanguage'],
  CreateCommand: ['RegionId', 'Name', 'Type', 'CommandContent', 'ContentEncoding', 'Description', 'WorkingDir', 'Timeout', 'EnableParameter'],
  DescribeCommands: ['RegionId', 'CommandId', 'Name', 'Type', 'ContentEncoding', ...PAGING],
  ModifyCommand: ['RegionId', 'CommandId', 'CommandContent', 'ContentEncoding', 'Name', 'Description', 'WorkingDir', 'Timeout'],
  DeleteCommand: ['RegionId', 'CommandId'],
  InvokeCommand: [
    'RegionId',
    ...LIST,
    'CommandId',
    'Timed',
    'RepeatMode',
    'Frequency',
    'Timeout',
    'WorkingDir',
    'Username',
    'Parameters',
    'ClientToken',
    'MisfirePolicy',
  ],
  RunCommand: [
    'RegionId',
    ...LIST,
    'Type',
    'CommandContent',
    'ContentEncoding',
    'Name',
    'Description',
    'EnableParameter',
    'KeepCommand',
    'Timed',
    'RepeatMode',
    'Frequency',
    'Timeout',
    'WorkingDir',
    'Username',
    'Parameters',
    'ClientToken',
  ],
  DescribeInvocations: [
    'RegionId',
    'InvokeId',
    'CommandId',
    'CommandName',
    'CommandType',
    'RepeatMode',
    'Timed',
    'InvocationStatus',
    'InvokeStatus',
    'InstanceId',
    'ContentEncoding',
    'IncludeOutput',
    ...PAGING,
  ],
  DescribeInvocationResults: ['RegionId', 'InvokeId', 'InstanceId', 'CommandId', 'InvokeRecordStatus', 'IncludeHistory', 'ContentEncoding', ...PAGING],
  StopInvocation: ['RegionId', 'InvokeId', 'InstanceId.1', 'InstanceId.2'],
  CreateActivation: ['RegionId', 'InstanceName', 'InstanceCount', 'TimeToLiveInHours', 'IpAddressRange', 'Description', ...LIST],
  DescribeActivations: ['RegionId', 'ActivationId', ...PAGING],
  DisableActivation: ['RegionId', 'ActivationId'],
  DeleteActivation: ['RegionId', 'ActivationId'],
  DescribeCloudAssistantStatus: ['RegionId', 'InstanceId.1', 'InstanceId.2', 'OSType', ...PAGING],
  RegisterInstance: ['RegionId', 'InstanceId', 'InstanceName', 'InstanceNetworkType', 'Status', 'OSType'],
  DeregisterInstance: ['InstanceId'],
  DeregisterManagedInstance: ['RegionId', 'InstanceId'],
  DescribeInstances: ['RegionId', ...LIST, ...PAGING],
  CreateAccessKey: ['Role', 'Description'],
  DeleteAccessKey: ['UserAccessKeyId'],
  DescribeFrequencyPreview: ['Frequency', 'Count'],
};
const ACTION_NAMES = Object.keys(ACTIONS);
const ALL_PARAMETER_NAMES = [...new Set(Object.values(ACTIONS).flat())];

const SQL_FRAGMENTS = [
  "'; DROP TABLE commands; --",
  "' OR '1'='1",
  "1; DELETE FROM instances WHERE '1'='1",
  '" OR ""="',
  "\\'; SELECT pg_sleep(5); --",
  "' UNION SELECT secret FROM access_keys --",
  '%',
  '_',
  '%_%\\',
  '$1',
  "E'\\x00'",
  "');--",
  '/* comment */',
  '`whoami`',
  '$(reboot)',
];

const MALFORMED_LISTS = [
  '["i-1"',
  '[1,2]',
  '{}',
  '[]',
  '[""]',
  '[null]',
  '["i-1","i-1"]',
  '[[["i-1"]]]',
  '["i-1",]',
  '[ ',
  '"i-1"',
  '[' + '['.repeat(5000),
  '["\u0000"]',
  '["a\\u0000b"]',
  '[' + Array.from({ length: 1001 }, (_, i) => `"i-${i}"`).join(',') + ']',
  '[' + Array.from({ length: 101 }, (_, i) => `"i-${i}"`).join(',') + ']',
];

const NUMBERS = [
  '0',
  '-1',
  '-0',
  '1',
  '10',
  '59',
  '60',
  '86400',
  '86401',
  '9'.repeat(30),
  '-' + '9'.repeat(30),
  '1e309',
  '1e3',
  '1.5',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  ' 1',
  '1 ',
  '+1',
  '9007199254740993',
  '-9223372036854775808',
  '2147483648',
  '00000000000000000001',
];
const BOOLEANS = ['true', 'TRUE', 'True', 'false', 'FALSE', 'yes', 'no', '1', '0', 'on', 'tRuE '];
const FREQUENCIES = [
  'rate(1d)',
  'rate(0s)',
  'rate(-5m)',
  'rate(5x)',
  'rate()',
  'rate(99999999999999999999d)',
  '0 0 0 1 1 ? 2099',
  '0 0 0 31 2 ?',
  '* * * * * *',
  '0 0 0 ? * 8#9',
  '0 0 0 L W #',
  '0 0 0 1 1 ? 1970',
  '0 0 14 * * ? Not/AZone',
  '0 0 14 * * ? GMT+99:00',
  '0 0 14 1 1 ? 2099 GMT+9:00',
  '008 0 0 * * ?',
  '0 0 0 1 JAN-DEC ? 2099',
  '',
  ' ',
  '@yearly',
  'at(2099-01-01 00:00:00 UTC)',
  'at(9999-99-99 99:99:99)',
  'at(1970-01-01 00:00:00 UTC)',
  'at()',
  '0 0 0 1 1 ? 2099 extra fields here',
];
const ODD_UNICODE = [
  '\uFEFF',
  '\u200B\u200D',
  '\u202Eevil',
  'e\u0301\u0301\u0301',
  '𝕏🙂👩‍👩‍👧‍👦',
  '\uFFFD',
  '\uFFFF',
  '\u{10FFFF}',
  '\r\n',
  '\t',
  '\u2028',
  'İı',
  'ß',
];

/**
 * A long value: a real string (so the service sees it), but printed as `'x'.repeat(n)` in
 * fast-check's counterexamples instead of 100 KB of text.
 */
function repeated(unit: string, n: number): string {
  const value = unit.repeat(n);
  return n <= 64 ? value : (Object.assign(new String(value), { [fc.toStringMethod]: () => `${JSON.stringify(unit)}.repeat(${n})` }) as unknown as string);
}

/** Things an instance/command/invocation id slot might receive, real ones included (filled in beforeAll). */
const realIds: string[] = [];

/** String.prototype.toWellFormed (ES2024): lone surrogates become U+FFFD. */
const wellFormed = (s: string): string => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

function valueArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        REGION,
        'cn-beijing',
        'no-such-region',
        'RunShellScript',
        'RunBatScript',
        'PlainText',
        'Base64',
        'Period',
        'Once',
        'vpc',
        'classic',
        'Running',
        'Stopped',
        'linux',
        'windows',
        'admin',
        'readonly',
        'en-US',
        'FireOnceNow',
        '127.0.0.1',
        '10.0.0.0/8',
        'root',
        '{"a":"b"}',
        Buffer.from('echo hi').toString('base64'),
        'ZWNobyBoaQ',
        '!!!not base64!!!',
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom(...realIds, 'i-1', 'c-' + '0'.repeat(32), 't-' + 'f'.repeat(32), 'mi-0', 'LTAInokey') },
    { weight: 2, arbitrary: fc.constantFrom(...SQL_FRAGMENTS) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_LISTS) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom(...BOOLEANS) },
    { weight: 2, arbitrary: fc.constantFrom(...FREQUENCIES) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_UNICODE) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    // Lone surrogates cannot be sent as UTF-8: make them well-formed (U+FFFD) before signing.
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(wellFormed) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', 'i-1\u0000', '\u0000' + REGION, 'echo\u0000hi') },
    // Lengths around the limits the params reader applies (64, 128, 256, 512, 4096, 65536) and up to 100 KB.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('A', 'é', '%', '\u0000'), fc.constantFrom(33, 64, 65, 128, 129, 200, 201, 256, 257, 512, 513, 4096, 4097, 65536, 65537, 100_000))
        .map(([unit, n]) => repeated(unit, unit === 'A' ? n : Math.min(n, 20_000))),
    },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 100_000 }).map((n) => repeated('x', n)) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '  ' + REGION + '  ') },
  );
}

/** Odd list indexes for the repeated form (`InstanceId.N`). */
const oddIndexedName = fc
  .constantFrom('InstanceId', 'InstanceIds')
  .chain((base) => fc.constantFrom('0', '-1', '99999', '10000', 'x', '', '01', '1.2', '1e3', ' 1', '١').map((i) => `${base}.${i}`));

const randomName = fc
  .oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Format', 'Version', 'regionid', 'REGIONID', 'RegionId '),
  )
  .filter((name) => !RESERVED.has(name));

/**
 * Ids created in beforeAll, so that a fair share of fuzzed requests get past the existence
 * checks and reach the database paths.
 */
const seeded = { instanceId: '', bareInstanceId: '', commandId: '', paramCommandId: '', activationId: '', invokeId: '' };

/** A request each action accepts; the fuzzer starts from it and breaks it. */
function template(action: string): Params {
  const region = { RegionId: REGION };
  const script = Buffer.from('echo fuzz').toString('base64');
  switch (action) {
    case 'DescribeRegions':
      return {};
    case 'CreateCommand':
      return { ...region, Name: 'fuzz', Type: 'RunShellScript', CommandContent: script };
    case 'ModifyCommand':
      return { ...region, CommandId: seeded.commandId, Description: 'fuzzed' };
    case 'DeleteCommand':
      return { ...region, CommandId: 'c-' + '0'.repeat(32) };
    case 'InvokeCommand':
      return { ...region, CommandId: seeded.commandId, InstanceIds: JSON.stringify([seeded.instanceId]) };
    case 'RunCommand':
      return { ...region, Type: 'RunShellScript', CommandContent: 'echo fuzz', 'InstanceId.1': seeded.instanceId };
    case 'StopInvocation':
      return { ...region, InvokeId: seeded.invokeId };
    case 'CreateActivation':
      return { ...region, InstanceCount: '1' };
    case 'DisableActivation':
    case 'DeleteActivation':
      return { ...region, ActivationId: seeded.activationId };
    case 'DescribeCloudAssistantStatus':
      return { ...region, 'InstanceId.1': seeded.instanceId };
    case 'DeregisterInstance':
      return { InstanceId: 'i-never-registered' };
    case 'DeregisterManagedInstance':
      return { ...region, InstanceId: 'i-never-registered' };
    case 'DescribeInstances':
      return { ...region, InstanceIds: JSON.stringify([seeded.instanceId, seeded.bareInstanceId]) };
    case 'CreateAccessKey':
      return { Role: 'readonly' };
    case 'DeleteAccessKey':
      return { UserAccessKeyId: 'LTAInokey' };
    case 'DescribeFrequencyPreview':
      return { Frequency: 'rate(1h)' };
    default:
      return region; // the Describe* listings
  }
}

/** One change to the template: a hostile value for a real parameter, an extra parameter, or an odd list index. */
function mutationArbitrary(action: string): fc.Arbitrary<[string, string]> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...ACTIONS[action]), valueArbitrary()) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ALL_PARAMETER_NAMES), valueArbitrary()) },
    { weight: 2, arbitrary: fc.tuple(randomName, valueArbitrary()) },
    { weight: 2, arbitrary: fc.tuple(oddIndexedName, valueArbitrary()) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('Format', 'Version'), fc.constantFrom('JSON', 'json', 'XML', 'xml', 'yaml', '', '2014-05-26', '2014-05-27')),
    },
  );
}

interface SignedCase {
  action: string;
  /** Start from the action's valid template (most of the time) or from nothing. */
  fromTemplate: boolean;
  transport: 'post-body' | 'post-split' | 'get';
  mutations: Array<[string, string]>;
}

/** Built lazily: the value pool includes ids created in beforeAll. */
const signedRequestArbitrary = (): fc.Arbitrary<SignedCase> =>
  fc.constantFrom(...ACTION_NAMES).chain((action) =>
    fc.record({
      action: fc.constant(action),
      fromTemplate: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      transport: fc.constantFrom<SignedCase['transport']>('post-body', 'post-split', 'get'),
      mutations: fc.array(mutationArbitrary(action), { minLength: 1, maxLength: 6 }),
    }),
  );

/** Items of an instance list (JSON or repeated form): real ids, hostile strings, NULs. */
const listItemArbitrary = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...realIds) },
    { weight: 3, arbitrary: valueArbitrary() },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...realIds, 'i-1', ''), fc.constantFrom('\u0000', '\uFFFF', '\u{10FFFF}', '\n')).map(([id, odd]) => id + odd),
    },
  );

/** Frequencies: cron, rate() and at(), well- and ill-formed, with numbers of every size. */
const BIG = fc.oneof(
  fc.integer({ min: 0, max: 120 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom('99999999999999999999', '00010', '1e3', '-1', ''),
);
const frequencyArbitrary = fc.oneof(
  fc.constantFrom(...FREQUENCIES),
  fc.tuple(BIG, fc.constantFrom('s', 'm', 'h', 'd', 'M', 'w', '', ' s')).map(([n, unit]) => `rate(${n}${unit})`),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 61 }),
      fc.constantFrom('', ' UTC', ' Asia/Shanghai', ' America/New_York', ' GMT+14:00', ' GMT-12:00', ' Mars/Olympus'),
    )
    .map(([y, mo, d, h, mi, se, zone]) => {
      const two = (n: number): string => String(n).padStart(2, '0');
      return `at(${String(y).padStart(4, '0')}-${two(mo)}-${two(d)} ${two(h)}:${two(mi)}:${two(se)}${zone})`;
    }),
  fc
    .tuple(
      fc.array(
        fc.constantFrom(
          '*',
          '?',
          '0',
          '1',
          '7',
          '12',
          '31',
          '59',
          '60',
          '99999999999',
          'L',
          'W',
          'LW',
          '15W',
          '5L',
          '1#5',
          '7#1',
          '1-7',
          '*/0',
          '0/1',
          '*/15',
          'JAN',
          'MON-FRI',
          'SUN#2',
          '1,2,3',
          '2026',
          '2099',
          '2100',
          '1970',
          '2026-2099/50',
          '-1',
          '',
        ),
        { minLength: 5, maxLength: 8 },
      ),
      fc.constantFrom('', ' UTC', ' Asia/Tokyo', ' GMT+9:00', ' GMT+99:00', ' Etc/Unknown'),
    )
    .map(([fields, zone]) => fields.join(' ') + zone),
);

/** The Parameters JSON of InvokeCommand/RunCommand: odd keys and values, escapes PostgreSQL's jsonb refuses. */
const parametersArbitrary = fc.oneof(
  fc
    .dictionary(
      fc.oneof(fc.constantFrom('a', 'b', '', '__proto__', 'constructor'), fc.string({ unit: 'binary', maxLength: 6 })),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('\u0000', 'x\u0000y', '\uD800', '\uDC00x', "'; DROP TABLE commands; --", '{{a}}', ''),
        fc.integer().map(String),
      ),
      { maxKeys: 3 },
    )
    .map((record) => JSON.stringify(record)),
  fc.constantFrom(
    '{"a":1e999}',
    '{"a":null}',
    '{"a":{"b":"c"}}',
    '{"a":[1]}',
    '[]',
    'null',
    '"a"',
    '{',
    '{"a":"\\u0000"}',
    '{"\\u0000":"x"}',
    '{"a":"\\ud800"}',
    '{"a":true,"b":-0}',
  ),
);

const encodeParams = (params: Params): string =>
  Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');

function safeJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { unparsable: text.slice(0, 200) };
  }
}

function firstTag(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match?.[1];
}

describe('fuzz: the RPC edge never fails open', () => {
  let app: TestApp;

  beforeAll(async () => {
    // The properties send requests back to back and compare answers: the per-key rate limit
    // (tested in abuse.e2e-spec) would turn a fast run's answers into Throttling.User.
    app = await startTestApp({ RATE_LIMIT_PER_SECOND: '0' });
    // Real ids in the value pool, so some fuzzed requests reach the database paths.
    const instanceId = await newInstance(app);
    const bare = await newInstance(app, { withClient: false });
    const commandId = await newCommand(app);
    const { activationId } = await newActivation(app);
    const paramCommandId = await newCommand(app, { EnableParameter: 'true' }, 'echo {{a}} {{b}}');
    const { InvokeId: invokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) });
    Object.assign(seeded, { instanceId, bareInstanceId: bare, commandId, paramCommandId, activationId, invokeId });
    realIds.push(instanceId, bare, commandId, paramCommandId, activationId, invokeId, ADMIN_KEY_ID);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  async function send(request: RawRequest): Promise<Answer> {
    const url = `${app.endpoint}/${request.query !== undefined ? `?${request.query}` : ''}`;
    const response = await fetch(url, { method: request.method, headers: request.headers, body: request.body });
    const text = await response.text();
    let body: Record<string, unknown>;
    let format: 'JSON' | 'XML' = 'JSON';
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      if (!text.startsWith('<')) throw new Error(`HTTP ${response.status}: the body is neither JSON nor XML: ${text.slice(0, 300)}`);
      format = 'XML';
      body = Object.fromEntries(['RequestId', 'HostId', 'Code', 'Message'].map((tag) => [tag, firstTag(text, tag)]).filter(([, v]) => v !== undefined));
    }
    return { status: response.status, text, body, format };
  }

  /** The invariants every answer obeys (Alibaba's error shape, a specific 4xx), and nothing written on a refusal. */
  async function expectSafeAnswer(answer: Answer, before: TableSnapshot, xmlAllowed: boolean): Promise<void> {
    const where = `HTTP ${answer.status} ${answer.text.slice(0, 400)}`;
    if (answer.status >= 500) throw new Error(`5xx: ${where}`);
    if (answer.format === 'XML' && !xmlAllowed) throw new Error(`XML answer to a request that did not ask for XML: ${where}`);
    if (typeof answer.body.RequestId !== 'string' || !/^[0-9A-F-]{36}$/.test(answer.body.RequestId)) {
      throw new Error(`no RequestId: ${where}`);
    }
    if (answer.status >= 400) {
      const { HostId, Code, Message } = answer.body;
      if (typeof HostId !== 'string' || HostId === '') throw new Error(`error without HostId: ${where}`);
      if (typeof Code !== 'string' || Code === '' || /^InternalError/.test(Code)) throw new Error(`unspecific Code: ${where}`);
      if (typeof Message !== 'string' || Message === '') throw new Error(`error without Message: ${where}`);
      const after = await tableSnapshot(app);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        throw new Error(`a refused request wrote: ${JSON.stringify(before)} -> ${JSON.stringify(after)}; ${where}`);
      }
    } else if (answer.status !== 200) {
      throw new Error(`unexpected status: ${where}`);
    }
  }

  /** A correctly V1-signed request, sent as a form body, split between query and body, or as a GET. */
  async function sendSigned(action: string, extra: Params, transport: 'post-body' | 'post-split' | 'get' = 'post-body'): Promise<Answer> {
    const params: Params = {
      Action: action,
      Version: '2014-05-26',
      Format: 'JSON',
      ...extra,
      AccessKeyId: ADMIN_KEY_ID,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: formatV1Timestamp(new Date()),
    };
    for (const name of ['Version', 'Format']) if (extra[name] === undefined) delete params[name];
    const method = transport === 'get' ? 'GET' : 'POST';
    const signed: Params = { ...params, Signature: signV1(method, params, ADMIN_KEY_SECRET) };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    if (transport === 'get') return send({ method, query: encodeParams(signed) });
    if (transport === 'post-body') return send({ method, body: encodeParams(signed), headers: form });
    const names = Object.keys(signed);
    // Every other short parameter goes in the query, the rest in the body (the edge merges both).
    const inQuery = names.filter((name, i) => i % 2 === 0 && encodeParams({ [name]: signed[name] }).length < 512);
    const pick = (keep: string[]): Params => Object.fromEntries(keep.map((n) => [n, signed[n]]));
    return send({ method, query: encodeParams(pick(inQuery)), body: encodeParams(pick(names.filter((n) => !inQuery.includes(n)))), headers: form });
  }

  it('property 1: correctly signed requests with hostile parameters get a specific 4xx or a 200, and refusals write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(signedRequestArbitrary(), async ({ action, fromTemplate, transport, mutations }) => {
        // fromEntries, not assignment: a parameter named __proto__ must stay an own property.
        const extra: Params = Object.fromEntries([
          ...Object.entries(fromTemplate ? template(action) : {}),
          ...mutations.map(([name, value]) => [name, String(value)]),
        ]);
        // A query string past Node's 16 KB header limit is a transport question (property 2).
        const effectiveTransport = transport === 'get' && encodeParams(extra).length > 8000 ? 'post-body' : transport;
        const before = await tableSnapshot(app);
        const answer = await sendSigned(action, extra, effectiveTransport);
        await expectSafeAnswer(answer, before, /^xml$/i.test(extra.Format ?? ''));
        // A correctly signed request is never refused for its signature, whatever its values.
        if (['SignatureDoesNotMatch', 'IncompleteSignature', 'SignatureNonceUsed'].includes(String(answer.body.Code))) {
          throw new Error(`a correctly signed request was refused: ${answer.text.slice(0, 300)}`);
        }
      }),
      { seed: SEED, numRuns: SIGNED_RUNS, verbose: 1 },
    );
  }, 180_000);

  it('property 1b: SQL fragments and odd text are stored and read back literally', async () => {
    const text = fc.oneof(
      fc.constantFrom(...SQL_FRAGMENTS),
      fc
        .tuple(fc.constantFrom(...SQL_FRAGMENTS), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom(...SQL_FRAGMENTS))
        .map((parts) => parts.join('')),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    );
    const usable = (s: string): boolean => s.trim() !== '' && s.length <= 128 && !s.includes('\u0000');
    await fc.assert(
      fc.asyncProperty(
        text.filter(usable),
        text.filter(usable),
        fc.constantFrom<'post-body' | 'get'>('post-body', 'get'),
        async (name, description, transport) => {
          const created = await sendSigned(
            'CreateCommand',
            {
              RegionId: REGION,
              Name: name,
              Description: description,
              Type: 'RunShellScript',
              CommandContent: Buffer.from(`echo ${name}`).toString('base64'),
            },
            transport,
          );
          if (created.status !== 200) throw new Error(`CreateCommand refused: ${created.text}`);
          const commandId = created.body.CommandId as string;

          const byId = await sendSigned('DescribeCommands', { RegionId: REGION, CommandId: commandId }, transport);
          const [command] = (byId.body.Commands as { Command: Array<Record<string, unknown>> }).Command;
          expect(command).toMatchObject({ CommandId: commandId, Name: name, Description: description });
          expect(Buffer.from(command.CommandContent as string, 'base64').toString()).toBe(`echo ${name}`);

          // The name filter is an exact match on the literal text: no wildcard, no injection.
          const byName = await sendSigned('DescribeCommands', { RegionId: REGION, Name: name, PageSize: '50' }, transport);
          const found = (byName.body.Commands as { Command: Array<Record<string, unknown>> }).Command;
          expect(found.map((c) => c.CommandId)).toContain(commandId);
          for (const c of found) expect(c.Name).toBe(name);

          const registered = await sendSigned('RegisterInstance', { RegionId: REGION, InstanceName: name }, transport);
          if (registered.status !== 200) throw new Error(`RegisterInstance refused: ${registered.text}`);
          const instances = await sendSigned('DescribeInstances', { RegionId: REGION, InstanceIds: JSON.stringify([registered.body.InstanceId]) });
          expect((instances.body.Instances as { Instance: Array<Record<string, unknown>> }).Instance).toEqual([
            expect.objectContaining({ InstanceId: registered.body.InstanceId, InstanceName: name }),
          ]);
        },
      ),
      { seed: SEED, numRuns: TARGETED_RUNS },
    );
    // And the tables the fragments name are all still there.
    await expect(tableCounts(app)).resolves.toEqual(expect.objectContaining({ commands: expect.any(Number) }));
  }, 120_000);

  it('property 1c: instance lists (JSON and repeated forms) with hostile items', async () => {
    const listCase = fc.record({
      action: fc.constantFrom('DescribeInstances', 'DescribeCloudAssistantStatus', 'StopInvocation', 'InvokeCommand', 'RunCommand'),
      form: fc.constantFrom<'json' | 'repeated'>('json', 'repeated'),
      items: fc.array(listItemArbitrary(), { minLength: 1, maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(listCase, async ({ action, form, items }) => {
        const params = template(action);
        for (const name of LIST) delete params[name];
        // DescribeCloudAssistantStatus and StopInvocation read only the repeated form.
        const json = form === 'json' && !['DescribeCloudAssistantStatus', 'StopInvocation'].includes(action);
        if (json) params.InstanceIds = JSON.stringify(items.map(String));
        else items.forEach((item, i) => (params[`InstanceId.${i + 1}`] = String(item)));
        const before = await tableSnapshot(app);
        await expectSafeAnswer(await sendSigned(action, params), before, false);
      }),
      { seed: SEED, numRuns: TARGETED_RUNS },
    );
  }, 120_000);

  it('property 1d: frequencies of every shape: a specific 4xx or a preview, and InvokeCommand agrees with the preview', async () => {
    // Fresh fixtures: property 1 may have deleted or changed the seeded ones (that is its job).
    const instanceId = await newInstance(app);
    const commandId = await newCommand(app);
    await fc.assert(
      fc.asyncProperty(frequencyArbitrary, fc.constantFrom('1', '10', '100'), async (frequency, count) => {
        let before = await tableSnapshot(app);
        const preview = await sendSigned('DescribeFrequencyPreview', { Frequency: frequency, Count: count });
        await expectSafeAnswer(preview, before, false);
        const [first] = preview.status === 200 ? (preview.body.FireTimes as { FireTime: Array<{ Time: string }> }).FireTime : [];
        // Only schedule what cannot fire during this run (the scheduler would write records).
        if (preview.status === 200 && !(Date.parse(first.Time) > Date.now() + 3_600_000)) return;
        before = await tableSnapshot(app);
        const invoked = await sendSigned('InvokeCommand', {
          RegionId: REGION,
          CommandId: commandId,
          InstanceIds: JSON.stringify([instanceId]),
          RepeatMode: 'Period',
          Frequency: frequency,
        });
        await expectSafeAnswer(invoked, before, false);
        if (preview.status !== 200) expect(invoked.body.Code).toBe(preview.body.Code);
        else expect(invoked.status).toBe(200);
      }),
      { seed: SEED, numRuns: TARGETED_RUNS * 2 },
    );
  }, 120_000);

  it('property 1e: Parameters JSON with odd keys, values and escapes: a specific 4xx or a 200', async () => {
    const instanceId = await newInstance(app);
    const commandId = await newCommand(app, { EnableParameter: 'true' }, 'echo {{a}} {{b}}');
    await fc.assert(
      fc.asyncProperty(parametersArbitrary, fc.constantFrom('InvokeCommand', 'RunCommand'), async (parameters, action) => {
        const params: Params =
          action === 'InvokeCommand'
            ? { RegionId: REGION, CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), Parameters: parameters }
            : {
                RegionId: REGION,
                Type: 'RunShellScript',
                'InstanceId.1': instanceId,
                CommandContent: 'echo {{a}}',
                EnableParameter: 'true',
                Parameters: parameters,
              };
        const before = await tableSnapshot(app);
        await expectSafeAnswer(await sendSigned(action, params), before, false);
      }),
      { seed: SEED, numRuns: TARGETED_RUNS },
    );
  }, 120_000);

  it('property 1f: IpAddressRange: an IPv4 address or CIDR is accepted, anything else is AddressRange.InvalidPattern', async () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 256, max: 999 }));
    const range = fc.tuple(
      octet,
      octet,
      octet,
      octet,
      fc.option(fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 33, max: 99 })), { nil: undefined }),
    );
    await fc.assert(
      fc.asyncProperty(range, async ([a, b, c, d, bits]) => {
        const value = `${a}.${b}.${c}.${d}${bits === undefined ? '' : `/${bits}`}`;
        const valid = [a, b, c, d].every((n) => n <= 255) && (bits === undefined || bits <= 32);
        const before = await tableSnapshot(app);
        const answer = await sendSigned('CreateActivation', { RegionId: REGION, IpAddressRange: value });
        await expectSafeAnswer(answer, before, false);
        if (valid) expect(answer.status).toBe(200);
        else expect(answer).toMatchObject({ status: 400, body: { Code: 'AddressRange.InvalidPattern' } });
      }),
      { seed: SEED, numRuns: TARGETED_RUNS },
    );
  }, 120_000);

  describe('property 2: unsigned and garbage requests', () => {
    const CONTENT_TYPES = [
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=UTF-8',
      'APPLICATION/X-WWW-FORM-URLENCODED; charset=latin1',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
      ';;;',
      'application/x-www-form-urlencoded\u0000',
    ];
    const fragment = fc.oneof(
      fc.constantFrom(
        'Action=DescribeRegions',
        'Action=CreateCommand',
        `AccessKeyId=${ADMIN_KEY_ID}`,
        'AccessKeyId=nobody',
        'Signature=abc',
        'SignatureMethod=HMAC-SHA1',
        'SignatureVersion=1.0',
        'SignatureNonce=n',
        'Timestamp=2020-01-01T00:00:00Z',
        `Timestamp=${formatV1Timestamp(new Date())}`,
        'Timestamp=garbage',
        'Format=XML',
        'Format=yaml',
        'Version=1',
        `RegionId=${REGION}`,
        'Action=',
        'Action',
        '=',
        '&&',
        '%zz',
        '%',
        '%E0%A4%A',
        '%C0%AF',
        '%ED%A0%80',
        '%FF%FE',
        'a=%00',
        '+',
        'Action=Describe%52egions',
        'Action=%00',
        'Action=' + 'A'.repeat(5000),
        'Action=__proto__',
        'Action=constructor',
        'Action=toString',
        'Action=hasOwnProperty',
      ),
      fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
      fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 20 })).map(([k, v]) => `${k}=${v}`),
    );
    const encoded = fc.array(fragment, { maxLength: 10 }).map((parts) => parts.join('&'));
    const body = fc.oneof(
      { weight: 4, arbitrary: encoded },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
      // Invalid UTF-8 inside an otherwise well-formed form.
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe0, 0xa4]))
          .map((bad) => Buffer.concat([Buffer.from('Action=DescribeRegions&Name='), bad])),
      },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ Action: 'DescribeRegions' })) },
    );
    const garbageRequest = fc.record({
      method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
      query: fc.option(encoded, { nil: undefined }),
      body: fc.option(body, { nil: undefined }),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      headers: fc.subarray(
        [
          ['authorization', 'ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host,Signature=00'],
          ['authorization', 'ACS3-garbage'],
          ['authorization', 'ACS3-HMAC-SHA256 Credential=' + 'x'.repeat(5000) + ',SignedHeaders=' + ';'.repeat(100) + ',Signature=zz'],
          ['x-acs-action', 'DescribeRegions'],
          ['x-acs-action', 'NoSuchAction'],
          ['x-acs-version', '2014-05-26'],
          ['x-acs-version', '1999-01-01'],
          ['x-acs-date', 'yesterday'],
          ['x-acs-signature-nonce', 'n'],
          ['x-acs-content-sha256', 'deadbeef'],
        ] as Array<[string, string]>,
        { maxLength: 4 },
      ),
    });

    async function expectGarbageHandled(request: RawRequest): Promise<Answer> {
      const before = await tableSnapshot(app);
      const answer = await send(request);
      const xmlAllowed = /Format=xml/i.test(`${request.query ?? ''}&${request.body?.toString() ?? ''}`);
      await expectSafeAnswer(answer, before, xmlAllowed);
      return answer;
    }

    it('random query strings, bodies, content types and headers: a specific 4xx, nothing written', async () => {
      await fc.assert(
        fc.asyncProperty(garbageRequest, async ({ method, query, body, contentType, headers }) => {
          const allHeaders: Record<string, string> = {};
          for (const [name, value] of headers) allHeaders[name] = value;
          const sendsBody = method === 'POST' && body !== undefined;
          if (sendsBody && contentType !== '') allHeaders['content-type'] = contentType.replace('\u0000', '');
          const answer = await expectGarbageHandled({ method, query, body: sendsBody ? body : undefined, headers: allHeaders });
          // Nothing here is correctly signed, so nothing may succeed.
          if (answer.status === 200) throw new Error(`an unsigned request succeeded: ${answer.text.slice(0, 300)}`);
        }),
        { seed: SEED, numRuns: GARBAGE_RUNS },
      );
    }, 120_000);

    it('other paths and methods: still an Alibaba error body with a specific code', async () => {
      const pathArbitrary = fc.oneof(
        fc.constantFrom('/x', '//', '/%zz', '/..%2f', '/?', '/index.html', '/' + 'a'.repeat(3000)),
        fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((p) => '/' + encodeURI(p)),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), pathArbitrary, async (method, path) => {
          fc.pre(!(path === '/' || path.startsWith('/?') || path === '/#'));
          const before = await tableSnapshot(app);
          const response = await fetch(app.endpoint + path, { method });
          const text = await response.text();
          const answer: Answer = { status: response.status, text, body: safeJson(text), format: 'JSON' };
          await expectSafeAnswer(answer, before, false);
          expect(answer.status).toBeGreaterThanOrEqual(400);
        }),
        { seed: SEED, numRuns: 50 },
      );
    });

    it('thousands of parameters: InvalidParameter.TooMany', async () => {
      const many = Array.from({ length: 3000 }, (_, n) => `a${n}=1`).join('&');
      const answer = await expectGarbageHandled({
        method: 'POST',
        body: `Action=DescribeRegions&${many}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer).toMatchObject({ status: 400, body: { Code: 'InvalidParameter.TooMany' } });
    });

    it("a body over the 1 MiB limit: 413 RequestEntityTooLarge in Alibaba's error shape", async () => {
      const big = `Action=DescribeRegions&Name=${'A'.repeat(1024 * 1024 + 10)}`;
      const answer = await expectGarbageHandled({ method: 'POST', body: big, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(answer).toMatchObject({ status: 413, body: { Code: 'RequestEntityTooLarge' } });
    });

    it('a correctly signed request over the 1 MiB limit is refused the same way, and writes nothing', async () => {
      const before = await tableSnapshot(app);
      const answer = await sendSigned('CreateCommand', {
        RegionId: REGION,
        Name: 'too-big',
        Type: 'RunShellScript',
        CommandContent: Buffer.from('echo hi').toString('base64'),
        Description: 'é'.repeat(400_000),
      });
      await expectSafeAnswer(answer, before, false);
      expect(answer).toMatchObject({ status: 413, body: { Code: 'RequestEntityTooLarge' } });
    });

    it("a query string past the HTTP header limit: a specific 4xx in Alibaba's error shape", async () => {
      const answer = await expectGarbageHandled({ method: 'GET', query: `Action=DescribeRegions&Name=${'A'.repeat(70_000)}` });
      expect(answer.status).toBeGreaterThanOrEqual(400);
    });

    it.each([
      ['in the query', 'Action=DescribeRegions&Action=DescribeRegions', undefined],
      ['in the body', undefined, 'Action=DescribeRegions&RegionId=a&RegionId=b'],
      ['across query and body', `RegionId=${REGION}`, `Action=DescribeRegions&RegionId=${REGION}`],
      ['differing only by encoding', 'Action=DescribeRegions&Region%49d=x&RegionId=y', undefined],
    ])('duplicate parameter names %s: InvalidParameter.Duplicate', async (_title, query, form) => {
      const answer = await expectGarbageHandled({
        method: form === undefined ? 'GET' : 'POST',
        query,
        body: form,
        headers: form === undefined ? undefined : { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer).toMatchObject({ status: 400, body: { Code: 'InvalidParameter.Duplicate' } });
    });

    it('a correctly signed request with a duplicated parameter is refused and writes nothing', async () => {
      const params: Params = {
        Action: 'CreateCommand',
        RegionId: REGION,
        Name: 'dup',
        Type: 'RunShellScript',
        CommandContent: Buffer.from('echo hi').toString('base64'),
        AccessKeyId: ADMIN_KEY_ID,
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: randomUUID(),
        Timestamp: formatV1Timestamp(new Date()),
      };
      const form = encodeParams({ ...params, Signature: signV1('POST', params, ADMIN_KEY_SECRET) });
      const answer = await expectGarbageHandled({
        method: 'POST',
        query: 'Name=other',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer).toMatchObject({ status: 400, body: { Code: 'InvalidParameter.Duplicate' } });
    });
  });

  it('property 3: the process is still up and answering after all of the above', async () => {
    const response = await app.admin.call('DescribeRegions', {});
    expect(response.status).toBe(200);
    expect(response.body).toHaveProperty('Regions.Region');
    await expect(call(app, 'DescribeCommands', {})).resolves.toHaveProperty('Commands');
  });
});
