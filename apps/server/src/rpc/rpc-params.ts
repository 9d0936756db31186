import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-catalog';

const MAX_LIST_ITEMS = 1000;

/** Text PostgreSQL refuses: NUL in any text, and (once JSON.stringify re-escapes it) an unpaired surrogate in jsonb. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Typed, validating access to the merged request parameters. Every getter throws an ApiError
 * with an Alibaba code, so handlers never see a malformed value and never answer a 500 for one.
 */
export class RpcParams {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  static from(record: Record<string, string>): RpcParams {
    return new RpcParams(new Map(Object.entries(record)));
  }

  has(name: string): boolean {
    const value = this.values.get(name);
    return value !== undefined && value !== '';
  }

  raw(name: string): string | undefined {
    return this.values.get(name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /** A non-empty string or undefined; over `maxLength` characters is an InvalidParameter. */
  string(name: string, options: { maxLength?: number; pattern?: RegExp; code?: ErrorCode } = {}): string | undefined {
    const value = this.values.get(name);
    if (value === undefined || value === '') return undefined;
    const maxLength = options.maxLength ?? 4096;
    if (value.length > maxLength) throw ApiError.invalid(name, `longer than ${maxLength} characters`, options.code);
    if (value.includes('\u0000')) throw ApiError.invalid(name, 'contains a NUL character', options.code);
    if (options.pattern && !options.pattern.test(value)) {
      throw ApiError.invalid(name, 'malformed value', options.code);
    }
    return value;
  }

  requiredString(name: string, options: { maxLength?: number; pattern?: RegExp; code?: ErrorCode } = {}): string {
    const value = this.string(name, options);
    if (value === undefined) throw ApiError.missing(name);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], options: { caseInsensitive?: boolean; code?: ErrorCode } = {}): T | undefined {
    const value = this.string(name, { maxLength: 64, code: options.code });
    if (value === undefined) return undefined;
    const match = allowed.find((a) => (options.caseInsensitive ? a.toLowerCase() === value.toLowerCase() : a === value));
    if (!match) throw ApiError.invalid(name, `must be one of ${allowed.join(', ')}`, options.code);
    return match;
  }

  int(name: string, options: { min?: number; max?: number; code?: ErrorCode } = {}): number | undefined {
    const value = this.string(name, { maxLength: 20, code: options.code });
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw ApiError.invalid(name, 'must be an integer', options.code);
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) throw ApiError.invalid(name, 'out of range', options.code);
    if (options.min !== undefined && parsed < options.min) {
      throw ApiError.invalid(name, `must be at least ${options.min}`, options.code);
    }
    if (options.max !== undefined && parsed > options.max) {
      throw ApiError.invalid(name, `must be at most ${options.max}`, options.code);
    }
    return parsed;
  }

  /** `true`/`false` in any case, as Alibaba accepts them. */
  bool(name: string, options: { code?: ErrorCode } = {}): boolean | undefined {
    const value = this.string(name, { maxLength: 5, code: options.code });
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw ApiError.invalid(name, 'must be true or false', options.code);
  }

  /**
   * A list given either in the seed's JSON form (`InstanceIds=["i-1","i-2"]`, or a bare
   * `InstanceIds=i-1`) or in the SDK's repeated form (`InstanceId.1=i-1&InstanceId.2=i-2`).
   * Returns undefined when neither form is present.
   */
  list(jsonName: string | undefined, repeatedName: string, options: { code?: ErrorCode } = {}): string[] | undefined {
    const code: ErrorCode = options.code ?? `InvalidParameter.${jsonName ?? repeatedName}`;
    const repeated = this.repeated(repeatedName, code);
    const jsonValue = jsonName ? this.values.get(jsonName) : undefined;
    const items = jsonValue === undefined || jsonValue === '' ? repeated : [...parseJsonList(jsonName!, jsonValue, code), ...(repeated ?? [])];
    if (items?.some((item) => UNSTORABLE.test(item))) {
      throw ApiError.invalid(jsonName ?? repeatedName, 'an item contains a NUL character or an unpaired surrogate', code);
    }
    return items;
  }

  private repeated(name: string, code: ErrorCode): string[] | undefined {
    const prefix = `${name}.`;
    const indexed: Array<[number, string]> = [];
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const index = key.slice(prefix.length);
      if (!/^[1-9]\d{0,3}$/.test(index)) throw ApiError.invalid(key, 'list index must be 1 to 9999', code);
      indexed.push([Number(index), value]);
    }
    if (indexed.length === 0) return undefined;
    if (indexed.length > MAX_LIST_ITEMS) throw ApiError.invalid(name, `more than ${MAX_LIST_ITEMS} items`, code);
    return indexed.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
  }

  /** A JSON object of string-able values (e.g. `Parameters`). */
  jsonObject(name: string, options: { code?: ErrorCode; maxLength?: number } = {}): Record<string, string> | undefined {
    const value = this.string(name, { maxLength: options.maxLength ?? 65536, code: options.code });
    if (value === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw ApiError.invalid(name, 'must be a JSON object', options.code);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw ApiError.invalid(name, 'must be a JSON object', options.code);
    }
    const result: Record<string, string> = {};
    for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') result[key] = String(v);
      else throw ApiError.invalid(name, `value of "${key}" must be a string`, options.code);
      if (UNSTORABLE.test(key) || UNSTORABLE.test(result[key])) {
        throw ApiError.invalid(name, 'contains a NUL character or an unpaired surrogate', options.code);
      }
    }
    return result;
  }
}

function parseJsonList(name: string, value: string, code: ErrorCode): string[] {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[')) {
    // A bare single id, as in the seed's own request example.
    return [trimmed];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw ApiError.invalid(name, 'must be a JSON array of strings', code);
  }
  if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string')) {
    throw ApiError.invalid(name, 'must be a JSON array of strings', code);
  }
  if (parsed.length > MAX_LIST_ITEMS) throw ApiError.invalid(name, `more than ${MAX_LIST_ITEMS} items`, code);
  return parsed as string[];
}
