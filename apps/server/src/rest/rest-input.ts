import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { ErrorCode, isErrorCode } from '../common/error-catalog';

/**
 * Validation of REST input with zod, answering the Alibaba codes the RPC edge answers for the
 * same mistake. A field's code is, in this order: the code a check names as its `error`
 * (`z.string().max(128, { error: 'CmdName.ExceedLimit' })`), the field's `x-error-code` meta
 * (`withCode`), or `InvalidParameter.<Field>`; an absent required field is
 * `MissingParameter.<Field>`. Missing fields are reported before malformed ones, as RPC does.
 */

/** The `x-error-code` extension: documents in the OpenAPI schema which code a bad value gets. */
export function withCode<T extends z.ZodType>(schema: T, code: ErrorCode): T {
  return schema.meta({ 'x-error-code': code });
}

/** Text PostgreSQL refuses: NUL in any text, and (once JSON.stringify re-escapes it) an unpaired surrogate in jsonb. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string the database can store, 1 (or with `allowEmpty` 0) to `maxLength` characters. */
export function text(maxLength: number, options: { tooLong?: string; allowEmpty?: boolean } = {}): z.ZodString {
  return z
    .string()
    .min(options.allowEmpty ? 0 : 1)
    .max(maxLength, options.tooLong ? { error: options.tooLong } : undefined)
    .refine((value) => !UNSTORABLE.test(value), { error: 'contains a NUL character or an unpaired surrogate' });
}

/** A check's `error` naming a code (`CmdName.ExceedLimit`) rather than a sentence: zod's own messages have spaces. */
const CODE = /^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)*$/;

export function parseInput<T extends z.ZodObject>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues;
  const missing = issues.find((issue) => isMissing(issue, input));
  throw toApiError(schema, missing ?? issues[0], input);
}

function isMissing(issue: z.core.$ZodIssue, input: unknown): boolean {
  if (issue.code === 'custom' && (issue.params as { missing?: boolean } | undefined)?.missing) return true;
  if (issue.message.startsWith('MissingParameter.')) return true;
  return issue.code === 'invalid_type' && issue.path.length === 1 && valueAt(input, issue.path[0]) === undefined;
}

function toApiError(schema: z.ZodObject, issue: z.core.$ZodIssue, input: unknown): ApiError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0].slice(0, 64);
    return ApiError.invalid(key, 'not a field of this request', `InvalidParameter.${pascal(key)}`);
  }
  if (issue.path.length === 0) return new ApiError('InvalidParameter.Encoding', 'The request body must be a JSON object.');
  const field = String(issue.path[0]);
  const name = pascal(field);
  if (isMissing(issue, input)) return isErrorCode(issue.message) ? new ApiError(issue.message) : ApiError.missing(name);
  const fieldSchema = schema.shape[field] as z.ZodType | undefined;
  const metaCode = fieldSchema ? (z.globalRegistry.get(fieldSchema) as { 'x-error-code'?: ErrorCode } | undefined)?.['x-error-code'] : undefined;
  const issueCode = isErrorCode(issue.message) ? issue.message : undefined;
  return ApiError.invalid(field, reasonOf(issue), issueCode ?? metaCode ?? `InvalidParameter.${name}`);
}

function reasonOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string' ? `longer than ${issue.maximum} characters` : issue.origin === 'array' ? `more than ${issue.maximum} items` : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : issue.origin === 'array' ? `needs at least ${issue.minimum} items` : `must be at least ${issue.minimum}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'malformed value' : `not a valid ${issue.format}`;
    default:
      return CODE.test(issue.message) ? 'malformed value' : issue.message;
  }
}

function valueAt(input: unknown, key: PropertyKey): unknown {
  return input && typeof input === 'object' ? (input as Record<PropertyKey, unknown>)[key] : undefined;
}

/** `instanceIds` → `InstanceIds`: REST fields are camelCase, Alibaba's codes name them in PascalCase. */
export function pascal(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/**
 * The body of a POST/PATCH: JSON (the service keeps every body raw, see server.ts). No body at
 * all reads as `{}`, so an optional body may be left out.
 */
export function readJsonBody(body: unknown, contentType: string | undefined): unknown {
  const raw = Buffer.isBuffer(body) ? body : undefined;
  if (!raw || raw.length === 0) return {};
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    throw new ApiError('UnsupportedMediaType', 'The request body must be application/json.');
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new ApiError('InvalidParameter.Encoding', 'The request body is not valid UTF-8 JSON.');
  }
}
