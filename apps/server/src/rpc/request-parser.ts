import { ApiError } from '../common/api-error';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_PARAMETERS = 2000;

/**
 * Decodes `a=1&b=2` (query string or form body) into `target`, refusing a name given twice:
 * a repeated name is ambiguous, and which copy was signed would be a guess.
 */
export function decodeParameters(encoded: string, target: Map<string, string>): void {
  if (!encoded) return;
  const pairs = new URLSearchParams(encoded);
  for (const [name, value] of pairs) {
    if (name === '') continue;
    if (target.has(name)) {
      throw new ApiError('InvalidParameter.Duplicate', `The parameter \u201c${truncate(name)}\u201d was given more than once.`);
    }
    if (target.size >= MAX_PARAMETERS) {
      throw new ApiError('InvalidParameter.TooMany', `A request may carry at most ${MAX_PARAMETERS} parameters.`);
    }
    target.set(name, value);
  }
}

export function truncate(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
