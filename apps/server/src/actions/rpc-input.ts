import { z } from 'zod';
import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-catalog';
import { fieldCode, UNSTORABLE } from '../common/fields';
import { Paging } from '../common/paging';
import { readPaging } from './rpc-paging';
import { fieldError } from '../common/input-errors';
import { RpcParams } from './rpc-params';

/**
 * One step of reading an action's input, in the order its errors take precedence:
 * - a field name: read the field from the wire and validate it with its schema;
 * - `{ present: name }`: only refuse the field as missing (MissingParameter.<Name>), for actions
 *   that report every missing parameter before any malformed one;
 * - `{ field: name, if }`: read the field only when the fields read so far call for it (a value
 *   that means nothing otherwise is ignored, not refused);
 * - a rule over the fields read so far (cross-field checks, values derived from several fields).
 */
export type RpcStep<T> =
  | (keyof T & string)
  | { present: keyof T & string }
  | { field: keyof T & string; if: (input: Partial<T>, params: RpcParams) => boolean }
  | ((input: Partial<T>, params: RpcParams) => void);

/** A list parameter's wire names: the JSON form (`InstanceIds=["i-1"]`) and the repeated one (`InstanceId.1=i-1`). */
export interface RpcListName {
  json?: string;
  repeated: string;
}

/** An action's input: its schema, in Alibaba's parameter names, and the order it is checked in. */
export interface RpcInput<S extends z.ZodObject = z.ZodObject> {
  readonly schema: S;
  readonly steps: ReadonlyArray<RpcStep<z.output<S>>>;
  readonly lists: Readonly<Record<string, RpcListName>>;
  /** What each field's reading needs, worked out once per action rather than per request. */
  readonly fields: ReadonlyMap<string, FieldPlan>;
}

interface FieldPlan {
  schema: z.ZodType;
  kind: WireKind;
  /** The code a malformed wire form gets. */
  code: ErrorCode;
  /** Absent, the field is simply left out (optional, no default): no need to parse. */
  omittedWhenAbsent: boolean;
}

const DERIVED = new WeakSet<z.ZodType>();

/**
 * A value a rule computes from other parameters (a decoded content, a page position): part of
 * the input's type, never read from the wire under its own name.
 */
export function derived<T>(): z.ZodType<T> {
  const field = z.custom<T>();
  DERIVED.add(field);
  return field;
}

/** The page the request asks for, in either of Alibaba's paging styles (see readPaging). */
export function readPagingInto<T extends { Paging: Paging }>(options: { defaultSize: number; maxSize: number }) {
  return (input: Partial<T>, params: RpcParams): void => {
    input.Paging = readPaging(params, options);
  };
}

/**
 * Declares how an action's parameters are read: `order` lists the steps that do not simply
 * follow the schema's field order; every field it does not name is read after them, in the
 * schema's order. A list field is read from its JSON form under its own name and from the
 * repeated form under the name without the plural `s`, unless `lists` says otherwise.
 */
export function rpcInput<S extends z.ZodObject>(
  schema: S,
  options: { order?: ReadonlyArray<RpcStep<z.output<S>>>; lists?: Partial<Record<keyof z.output<S> & string, RpcListName>> } = {},
): RpcInput<S> {
  const order = options.order ?? [];
  const named = new Set(order.map((step) => (typeof step === 'string' ? step : typeof step === 'object' && 'field' in step ? step.field : undefined)));
  const rest = Object.entries(schema.shape)
    .filter(([name, field]) => !named.has(name) && !DERIVED.has(field as z.ZodType))
    .map(([name]) => name) as Array<keyof z.output<S> & string>;
  const fields = new Map<string, FieldPlan>();
  for (const [name, field] of Object.entries(schema.shape) as Array<[string, z.ZodType]>) {
    const absent = field.safeParse(undefined);
    fields.set(name, {
      schema: field,
      kind: wireKind(field),
      code: fieldCode(field) ?? `InvalidParameter.${name}`,
      omittedWhenAbsent: absent.success && absent.data === undefined,
    });
  }
  return { schema, steps: [...order, ...rest], lists: (options.lists ?? {}) as Record<string, RpcListName>, fields };
}

/**
 * Reads Alibaba's wire forms (an empty value is absent; integers and `true`/`false` in any case
 * as strings; lists as JSON arrays or `Name.N`; JSON objects) into the plain object the schema
 * parses, one step at a time, so that the first failing step's error is the answer.
 */
export function readRpcInput<S extends z.ZodObject>(input: RpcInput<S>, params: RpcParams): z.output<S> {
  const result: Record<string, unknown> = {};
  const wire = new WireReader(params, input);
  const readField = (name: string): void => {
    const plan = input.fields.get(name)!;
    const value = wire.read(name);
    if (value === undefined && plan.omittedWhenAbsent) return;
    const parsed = plan.schema.safeParse(value);
    if (!parsed.success) {
      if (isAbsent(value)) throw ApiError.missing(name);
      throw fieldError(name, name, plan.schema, parsed.error.issues[0], { catalogueMessages: true });
    }
    if (parsed.data !== undefined) result[name] = parsed.data;
  };
  for (const step of input.steps) {
    if (typeof step === 'function') step(result as Partial<z.output<S>>, params);
    else if (typeof step === 'string') readField(step);
    else if ('present' in step) {
      if (isAbsent(wire.read(step.present))) throw ApiError.missing(step.present);
    } else if (step.if(result as Partial<z.output<S>>, params)) readField(step.field);
  }
  return result as z.output<S>;
}

type WireKind = 'string' | 'int' | 'bool' | 'list' | 'object';

/** The wire value of each field, read once even when a `present` step looked at it first. */
class WireReader {
  private readonly values = new Map<string, unknown>();

  constructor(
    private readonly params: RpcParams,
    private readonly input: RpcInput<z.ZodObject>,
  ) {}

  read(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    const { kind, code } = this.input.fields.get(name)!;
    const value = this.readAs(kind, name, code);
    this.values.set(name, value);
    return value;
  }

  private readAs(kind: WireKind, name: string, code: ErrorCode): unknown {
    if (kind === 'list') return this.list(name, code);
    const text = this.params.raw(name);
    if (text === undefined || text === '') return undefined;
    switch (kind) {
      case 'int':
        return readInt(name, text, code);
      case 'bool':
        return readBool(name, text, code);
      case 'object':
        return readJsonObject(name, text, code);
      default:
        return text;
    }
  }

  private list(name: string, code: ErrorCode): string[] | undefined {
    const wireName = this.input.lists[name] ?? { json: name, repeated: name.replace(/s$/, '') };
    return this.params.list(wireName.json, wireName.repeated, { code });
  }
}

/** Not given, or a list without one non-blank item: what a required parameter must not be. */
function isAbsent(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() === ''));
}

/** What a field's value is on the wire, from its schema (through optional, default and pipes). */
function wireKind(schema: z.ZodType): WireKind {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return wireKind(def.innerType as z.ZodType);
    case 'pipe': {
      const from = def.in as z.ZodType;
      return (from as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'transform' ? wireKind(def.out as z.ZodType) : wireKind(from);
    }
    case 'number':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'list';
    case 'record':
      return 'object';
    default:
      return 'string';
  }
}

function readInt(name: string, text: string, code: ErrorCode): number {
  if (text.length > 20) throw ApiError.invalid(name, 'longer than 20 characters', code);
  if (!/^-?\d+$/.test(text)) throw ApiError.invalid(name, 'must be an integer', code);
  const parsed = Number(text);
  if (!Number.isSafeInteger(parsed)) throw ApiError.invalid(name, 'out of range', code);
  return parsed;
}

/** `true`/`false` in any case, as Alibaba accepts them. */
function readBool(name: string, text: string, code: ErrorCode): boolean {
  const lower = text.length <= 5 ? text.toLowerCase() : '';
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw ApiError.invalid(name, 'must be true or false', code);
}

/** A JSON object of string-able values (e.g. `Parameters`), each value as a string. */
function readJsonObject(name: string, text: string, code: ErrorCode): Record<string, string> {
  if (text.length > 65536) throw ApiError.invalid(name, 'longer than 65536 characters', code);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw ApiError.invalid(name, 'must be a JSON object', code);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw ApiError.invalid(name, 'must be a JSON object', code);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') result[key] = String(value);
    else throw ApiError.invalid(name, `value of "${key}" must be a string`, code);
    if (UNSTORABLE.test(key) || UNSTORABLE.test(result[key])) throw ApiError.invalid(name, 'contains a NUL character or an unpaired surrogate', code);
  }
  return result;
}
