import { INSTANCE_ID_PATTERN } from '@ca/protocol';
import { z } from 'zod';
import { ErrorCode, isErrorCode } from './error-catalog';

/**
 * Field schemas both edges validate input with: each limit and pattern is written here (or in
 * the concept's own `*.input.ts`) once. The RPC edge names a field in Alibaba's PascalCase, the
 * REST edge in camelCase; the schema of the value is the same. A field's error code is, in this
 * order: the code a check names as its `error` (`text(128, { tooLong: 'CmdName.ExceedLimit' })`),
 * the field's `x-error-code` meta (`withCode`), or `InvalidParameter.<Field>`.
 */

/** Text PostgreSQL refuses: NUL in any text, and (once JSON.stringify re-escapes it) an unpaired surrogate in jsonb. */
export const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** How many items a list parameter may carry at all; actions limit their own lists further. */
export const MAX_LIST_ITEMS = 1000;

/** A check's `error` naming a code (`CmdName.ExceedLimit`) rather than a sentence. */
export function isCheckCode(message: string): message is ErrorCode {
  return isErrorCode(message);
}

/** The `x-error-code` extension: documents in the OpenAPI schema which code a bad value gets. */
export function withCode<T extends z.ZodType>(schema: T, code: ErrorCode): T {
  return schema.meta({ 'x-error-code': code });
}

/** The code `withCode` gave a field, if any, also when the field was made optional or given a default afterwards. */
export function fieldCode(schema: z.ZodType | undefined): ErrorCode | undefined {
  if (!schema) return undefined;
  const own = (z.globalRegistry.get(schema) as { 'x-error-code'?: ErrorCode } | undefined)?.['x-error-code'];
  if (own) return own;
  const inner = (schema as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
  return inner ? fieldCode(inner) : undefined;
}

const CATALOGUE_ANSWERED = new Set<ErrorCode>();

/**
 * A check's code whose failure the RPC edge answers with the code's own catalogue message (as
 * Alibaba does for it), not with "The specified parameter … is not valid: …".
 */
export function catalogued(code: ErrorCode): ErrorCode {
  CATALOGUE_ANSWERED.add(code);
  return code;
}

export function answersCatalogueMessage(code: ErrorCode): boolean {
  return CATALOGUE_ANSWERED.has(code);
}

/** A string the database can store, 1 (or with `allowEmpty` 0) to `maxLength` characters. */
export function text(maxLength: number, options: { tooLong?: string; allowEmpty?: boolean } = {}): z.ZodString {
  return z
    .string()
    .min(options.allowEmpty ? 0 : 1)
    .max(maxLength, options.tooLong ? { error: options.tooLong } : undefined)
    .refine((value) => !UNSTORABLE.test(value), { error: 'contains a NUL character or an unpaired surrogate' });
}

/** An integer within bounds; `base` lets a query string coerce (`z.coerce.number()`). */
export function int(bounds: { min?: number; max?: number; tooBig?: string }, base: z.ZodNumber = z.number()): z.ZodNumber {
  let schema = base.int();
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max, bounds.tooBig ? { error: bounds.tooBig } : undefined);
  return schema;
}

/** One of `values`; with `caseInsensitive` a differently cased value is read as the listed one. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, options: { caseInsensitive?: boolean } = {}) {
  const schema = z.enum(values);
  if (!options.caseInsensitive) return schema;
  return z.preprocess((value) => (typeof value === 'string' ? (values.find((v) => v.toLowerCase() === value.toLowerCase()) ?? value) : value), schema);
}

/** A region's id (see DescribeRegions). */
export const regionId = () => text(32);

/**
 * A RegionId as the catalogue actions read it: looked up as given, so that an unknown one of any
 * length is InvalidRegionId.NotFound, as Alibaba answers.
 */
export const anyRegionId = () => text(DEFAULT_MAX_LENGTH);

/** The length a string parameter without a limit of its own may have. */
export const DEFAULT_MAX_LENGTH = 4096;

/** A command, invocation or activation id as given by a client: looked up, never parsed. */
export const resourceId = () => text(64);

/** An instance id (`i-…` or `mi-…`) as InvokeCommand accepts it. */
export const instanceId = () => text(64).regex(INSTANCE_ID_PATTERN, { error: 'InvalidInstanceId.Malformed' });

/** A run's (invocation record's) id: a UUID, as the service issues them. */
export const RECORD_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Paging: an opaque token of ours, and a page size. */
export const PAGE_TOKEN_MAX_LENGTH = 256;
export const pageToken = () => withCode(text(PAGE_TOKEN_MAX_LENGTH), 'InvalidParameter.NextToken');
export const PAGE_NUMBER = { min: 1, max: 1_000_000 } as const;

/** A Frequency: cron (with an optional zone), rate(…) or at(…); its syntax is checked by @ca/frequency. */
export const frequency = () => withCode(text(256), 'InvalidParam.Frequency');

/** How many fire times DescribeFrequencyPreview lists. */
export const previewCount = (base: z.ZodNumber = z.number()) => withCode(int({ min: 1, max: 100 }, base), 'InvalidParam.Count');
