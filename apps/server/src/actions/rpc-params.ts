import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-catalog';
import { MAX_LIST_ITEMS, UNSTORABLE } from '../common/fields';

/**
 * The merged request parameters as sent, with the wire forms actions share: lists (read into
 * action inputs by rpc-input.ts) and the paging parameters. Every getter throws an ApiError with
 * an Alibaba code, so a malformed value never becomes a 500.
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
