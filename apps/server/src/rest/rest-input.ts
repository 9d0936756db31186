import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { isCheckCode } from '../common/fields';
import { fieldError } from '../common/input-errors';

/**
 * Validation of REST input with zod, answering the Alibaba codes the RPC edge answers for the
 * same mistake. A field's code is, in this order: the code a check names as its `error`
 * (`z.string().max(128, { error: 'CmdName.ExceedLimit' })`), the field's `x-error-code` meta
 * (`withCode`), or `InvalidParameter.<Field>`; an absent required field is
 * `MissingParameter.<Field>`. Missing fields are reported before malformed ones, as RPC does.
 */

export function parseInput<T extends z.ZodObject>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues;
  const missing = issues.find((issue) => isMissing(issue, input));
  throw issueError(schema, missing ?? issues[0], input);
}

function isMissing(issue: z.core.$ZodIssue, input: unknown): boolean {
  if (issue.code === 'custom' && (issue.params as { missing?: boolean } | undefined)?.missing) return true;
  if (issue.message.startsWith('MissingParameter.')) return true;
  return issue.code === 'invalid_type' && issue.path.length === 1 && valueAt(input, issue.path[0]) === undefined;
}

function issueError(schema: z.ZodObject, issue: z.core.$ZodIssue, input: unknown): ApiError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0].slice(0, 64);
    return ApiError.invalid(key, 'not a field of this request', `InvalidParameter.${pascal(key)}`);
  }
  if (issue.path.length === 0) return new ApiError('InvalidParameter.Encoding', 'The request body must be a JSON object.');
  const field = String(issue.path[0]);
  if (isMissing(issue, input)) return isCheckCode(issue.message) ? new ApiError(issue.message) : ApiError.missing(pascal(field));
  return fieldError(field, pascal(field), schema.shape[field] as z.ZodType | undefined, issue);
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
