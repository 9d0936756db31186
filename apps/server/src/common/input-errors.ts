import { z } from 'zod';
import { ApiError } from './api-error';
import { answersCatalogueMessage, fieldCode, isCheckCode } from './fields';

/**
 * The ApiError for the first zod issue of one field, named as the edge names it (`Name` over
 * RPC, `name` over REST): the code the failed check names, else the field's `x-error-code`, else
 * `InvalidParameter.<Name>`. With `catalogueMessages` (the RPC edge, as Alibaba answers), a check
 * declared `catalogued` answers its code's own message.
 */
export function fieldError(
  name: string,
  codeName: string,
  field: z.ZodType | undefined,
  issue: z.core.$ZodIssue,
  options: { catalogueMessages?: boolean } = {},
): ApiError {
  const issueCode = isCheckCode(issue.message) ? issue.message : undefined;
  if (issueCode?.startsWith('MissingParameter.')) return new ApiError(issueCode);
  if (issueCode && options.catalogueMessages && answersCatalogueMessage(issueCode)) return new ApiError(issueCode);
  return ApiError.invalid(name, reasonOf(issue), issueCode ?? fieldCode(field) ?? `InvalidParameter.${codeName}`);
}

export function reasonOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string'
        ? `longer than ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `more than ${issue.maximum} items`
          : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? 'must not be empty'
        : issue.origin === 'array'
          ? `needs at least ${issue.minimum} items`
          : `must be at least ${issue.minimum}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'malformed value' : `not a valid ${issue.format}`;
    default:
      return isCheckCode(issue.message) ? 'malformed value' : issue.message;
  }
}
