import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RegionExistsPipe } from './region-exists.pipe';
import { parseInput, readJsonBody } from './rest-input';

/**
 * zod schemas are the one description of REST input and output: the same schema validates a
 * request (rest-input.ts) and becomes its OpenAPI schema (zod's own toJSONSchema, OpenAPI 3.0
 * flavour). Named schemas become `components/schemas` entries; request bodies are read in
 * "input" form (what a client may send), responses in "output" form.
 */
const requestSchemas = z.registry<{ id: string }>();
const responseSchemas = z.registry<{ id: string }>();
const TARGET = 'openapi-3.0' as const;
const REQUEST_ID_HEADER = { 'x-request-id': { description: 'The RequestId, also in error bodies', schema: { type: 'string' } } };
const ERROR_SCHEMA = { $ref: '#/components/schemas/Error' };

export function requestSchema<T extends z.ZodType>(id: string, schema: T): T {
  requestSchemas.add(schema, { id });
  return schema;
}

export function responseSchema<T extends z.ZodType>(id: string, schema: T): T {
  responseSchemas.add(schema, { id });
  return schema;
}

function refTo(registry: typeof requestSchemas, schema: z.ZodType): { $ref: string } {
  const id = registry.get(schema)?.id;
  if (!id) throw new Error('schema is not registered: give it a name with requestSchema() or responseSchema()');
  return { $ref: `#/components/schemas/${id}` };
}

/** Every named schema, for the document's `components/schemas`. */
export function openApiComponentSchemas(): Record<string, SchemaObject> {
  return { ...emit(requestSchemas, 'input'), ...emit(responseSchemas, 'output') };
}

function emit(registry: typeof requestSchemas, io: 'input' | 'output'): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(registry, { target: TARGET, io, uri: (id) => `#/components/schemas/${id}` });
  const result: Record<string, SchemaObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $id: _id, ...rest } = schema as Record<string, unknown>;
    // Responses may gain fields in later versions: do not promise clients there are no others.
    result[id] = (io === 'output' ? withoutClosedObjects(rest) : rest) as SchemaObject;
  }
  return result;
}

function withoutClosedObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutClosedObjects);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key, v]) => !(key === 'additionalProperties' && v === false))
      .map(([key, v]) => [key, withoutClosedObjects(v)]),
  );
}

function inputSchemaOf(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, { target: TARGET, io: 'input' }) as SchemaObject;
}

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

/**
 * Input can be refused: a route with input documents a 400 (and, with a body, a 415). The
 * description is left empty here, for the route's RestErrors to give; the document builder
 * fills a generic one where it does not (see MALFORMED_INPUT).
 */
const MAY_REFUSE_INPUT = ApiResponse({ status: 400, description: '', headers: REQUEST_ID_HEADER, schema: ERROR_SCHEMA });
const MAY_REFUSE_MEDIA_TYPE = ApiResponse({
  status: 415,
  description: 'UnsupportedMediaType: the body is not application/json',
  headers: REQUEST_ID_HEADER,
  schema: ERROR_SCHEMA,
});

export const MALFORMED_INPUT =
  'A missing or malformed parameter: MissingParameter.<Name>, or the code in the field’s x-error-code (else InvalidParameter.<Name>)';

/** A parameter decorator that also documents its method: the decorated method is already on the prototype. */
function documenting(read: ParameterDecorator, docs: MethodDecorator): ParameterDecorator {
  return (target, key, index) => {
    read(target, key, index);
    docs(target, key!, Object.getOwnPropertyDescriptor(target, key!)!);
  };
}

/**
 * The query string, validated by `schema` and documented field by field. An empty value
 * (`?status=`) counts as absent, as over RPC. A `regionId` must name an existing region, checked
 * here unless the service checks it in an order of its own (`regionCheckedBy`).
 */
export function RestQuery(schema: z.ZodObject, options: { regionCheckedBy?: 'the service' } = {}): ParameterDecorator {
  const checkRegion = 'regionId' in schema.shape && options.regionCheckedBy === undefined;
  const read = createParamDecorator((_data: unknown, context: ExecutionContext) => {
    const query = (context.switchToHttp().getRequest<FastifyRequest>().query ?? {}) as Record<string, unknown>;
    return parseInput(schema, Object.fromEntries(Object.entries(query).filter(([, value]) => value !== '')));
  })(undefined, ...(checkRegion ? [RegionExistsPipe] : []));
  const docs = Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { description, ...fieldSchema } = inputSchemaOf(field);
    return ApiQuery({ name, required: !isOptional(field), schema: fieldSchema, description });
  });
  return documenting(read, applyDecorators(...docs, MAY_REFUSE_INPUT));
}

/** A path parameter, validated by `schema` (its codes as for any other field). */
export function RestParam(name: string, schema: z.ZodType, description: string): ParameterDecorator {
  const wrapper = z.object({ [name]: schema });
  const read = createParamDecorator((_data: unknown, context: ExecutionContext) => {
    const params = context.switchToHttp().getRequest<FastifyRequest>().params as Record<string, string>;
    return parseInput(wrapper, { [name]: params[name] })[name];
  })();
  return documenting(read, applyDecorators(ApiParam({ name, required: true, schema: inputSchemaOf(schema), description }), MAY_REFUSE_INPUT));
}

/** The JSON body, validated by a named request schema; an optional body may be left out. */
export function RestBody(schema: z.ZodObject, options: { required: boolean }): ParameterDecorator {
  const read = createParamDecorator((_data: unknown, context: ExecutionContext) => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return parseInput(schema, readJsonBody(request.body, request.headers['content-type']));
  })();
  return documenting(
    read,
    applyDecorators(ApiBody({ schema: refTo(requestSchemas, schema), required: options.required }), MAY_REFUSE_INPUT, MAY_REFUSE_MEDIA_TYPE),
  );
}

/** A success answer: a named response schema, or no body (204). */
export function RestResponse(status: number, schema: z.ZodType | null, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    headers: REQUEST_ID_HEADER,
    ...(schema ? { schema: refTo(responseSchemas, schema) } : {}),
  });
}

/** Failure answers: each status with the REST error body, described by the codes it can carry. */
export function RestErrors(errors: Partial<Record<400 | 401 | 403 | 404 | 429, string>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, headers: REQUEST_ID_HEADER, schema: ERROR_SCHEMA }),
    ),
  );
}
