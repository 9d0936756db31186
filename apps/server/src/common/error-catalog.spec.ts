import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ApiError } from './api-error';
import { catalogEntry, ERROR_CATALOG, errorDefinition, isErrorCode, PARAMETER_FAMILIES } from './error-catalog';

const SOURCE_ROOT = join(__dirname, '..');
const CATALOG_FILE = join(__dirname, 'error-catalog.ts');

/** The statuses an Alibaba error answer can have; anything else would be a typo. */
const ERROR_STATUSES = new Set([400, 401, 403, 404, 408, 409, 413, 415, 429, 431, 500, 503]);

const SEGMENT = String.raw`[A-Z][A-Za-z0-9]*`;
const DOTTED_CODE = String.raw`${SEGMENT}(?:\.${SEGMENT})+`;
/** A plain code is a CamelCase word: `ECONNRESET` and `EEXIST` are Node's error names, not ours. */
const CODE = String.raw`[A-Z][a-z][A-Za-z0-9]*`;
/**
 * Where a code is written in the source. A dotted literal (`'InvalidCmdId.NotFound'`) is a code
 * wherever it stands: an ApiError argument, a RpcParams or zod option, a `withCode`, the value of
 * a SQL CASE. A plain word (`'Throttling'`) only where it is used as one: constructed, compared
 * with a code, a `code:` option, a SQL refusal (`THEN 'InvalidInstanceStatus'`), or the value of
 * a table keyed by status or by a Node error name (HTTP_EXCEPTION_CODES, NODE_REFUSALS).
 */
const CODE_SITES = [
  new RegExp(String.raw`'(${DOTTED_CODE})'`, 'g'),
  new RegExp(String.raw`new ApiError\(\s*'(${CODE})'`, 'g'),
  new RegExp(String.raw`(?<![A-Za-z])code\s*(?:===|!==|:)\s*'(${CODE})'`, 'g'),
  new RegExp(String.raw`\bTHEN '(${CODE})'`, 'g'),
  new RegExp(String.raw`^\s*(?:\d{3}|[A-Z][A-Z0-9_]+):\s*'(${CODE})'`, 'gm'),
];
/**
 * Codes built from a parameter's name: `ApiError.missing('RegionId')` answers
 * MissingParameter.RegionId, and so does an action input's `{ present: 'RegionId' }` step.
 */
const PARAMETER_SITES: Array<[RegExp, string]> = [
  [/ApiError\.missing\(\s*'(\w+)'/g, 'MissingParameter'],
  [/\{\s*present:\s*'(\w+)'\s*\}/g, 'MissingParameter'],
  [/ApiError\.invalid\(\s*'(\w+)',[^,)]*\)/g, 'InvalidParameter'],
];

/** Catalogue entries no source line names, kept on purpose, each with the reason (none today). */
const KEPT_WITHOUT_THROW: Partial<Record<keyof typeof ERROR_CATALOG, string>> = {};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every code the source answers with, and the files that name it (the catalogue itself aside). */
function codesInSource(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const note = (code: string, file: string) => found.set(code, (found.get(code) ?? new Set()).add(relative(SOURCE_ROOT, file)));
  for (const file of sourceFiles(SOURCE_ROOT)) {
    if (file === CATALOG_FILE) continue;
    const text = readFileSync(file, 'utf8');
    for (const site of CODE_SITES) for (const match of text.matchAll(site)) note(match[1], file);
    for (const [site, family] of PARAMETER_SITES) for (const match of text.matchAll(site)) note(`${family}.${match[1]}`, file);
  }
  return found;
}

describe('the error catalogue', () => {
  const inSource = codesInSource();

  it('finds the codes the service answers with (the scan itself works)', () => {
    for (const code of [
      'InvalidCmdId.NotFound',
      'InvalidInstanceStatus',
      'Throttling',
      'RequestHeaderFieldsTooLarge',
      'MissingParameter.Action',
      'ServiceUnavailable',
    ]) {
      expect([...inSource.keys()]).toContain(code);
    }
  });

  it('lists every code thrown in the code base, or the code is a parameter family\u2019s', () => {
    const unknown = [...inSource].filter(([code]) => !isErrorCode(code)).map(([code, files]) => `${code} (${[...files].join(', ')})`);
    expect(unknown).toEqual([]);
  });

  it('has its own entry for every code that is not built from a parameter name', () => {
    const family = new RegExp(`^(${PARAMETER_FAMILIES.join('|')})\\.`);
    const unlisted = [...inSource.keys()].filter((code) => !family.test(code) && !catalogEntry(code));
    expect(unlisted).toEqual([]);
  });

  it.each(Object.entries(ERROR_CATALOG))('%s answers an error status with a message', (code, entry) => {
    expect(ERROR_STATUSES).toContain(entry.status);
    expect(entry.message.trim()).not.toBe('');
    expect(entry.message).not.toBe(code);
  });

  it.each([...codesInSource().keys()].filter(isErrorCode))('%s, as thrown, has an error status and a message', (code) => {
    const error = new ApiError(code);
    expect(ERROR_STATUSES).toContain(error.status);
    expect(error.status).toBe(errorDefinition(code).status);
    expect(error.message.trim()).not.toBe('');
  });

  it('gives a parameter family\u2019s unlisted code a 400 and a message naming the parameter', () => {
    expect(ApiError.missing('Colour')).toMatchObject({ code: 'MissingParameter.Colour', status: 400 });
    expect(ApiError.missing('Colour').message).toContain('\u201cColour\u201d');
    expect(ApiError.invalid('Colour', 'not a colour')).toMatchObject({ code: 'InvalidParameter.Colour', status: 400 });
    expect(ApiError.missing('RegionId').message).toBe(ERROR_CATALOG['MissingParameter.RegionId'].message);
  });

  it('has no entry that nothing answers with, unless it is kept on purpose', () => {
    const unused = Object.keys(ERROR_CATALOG).filter((code) => !inSource.has(code) && !(code in KEPT_WITHOUT_THROW));
    expect(unused).toEqual([]);
  });

  it('lets the compiler refuse a code it does not know', () => {
    // tsc checks this file (tsconfig.json includes the specs): without the directive it fails.
    // @ts-expect-error 'Made.Up' is neither in the catalogue nor a parameter family's
    const madeUp = new ApiError('Made.Up');
    // @ts-expect-error InvalidParam.* is Alibaba's name for a few fields, not a family
    const unlistedParam = new ApiError('InvalidParam.Colour');
    expect([isErrorCode(madeUp.code), isErrorCode(unlistedParam.code)]).toEqual([false, false]);
  });
});
