/**
 * The small part of OpenAPI 3.0 schema checking the REST tests need: types, nullable, enums,
 * required properties, arrays, maps, `$ref`, `anyOf` and date-time strings. Enough to catch a
 * response that drifts from the document the server generates.
 */
export interface SchemaObject {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  required?: string[];
  properties?: Record<string, SchemaObject>;
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  anyOf?: SchemaObject[];
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

export interface OperationObject {
  operationId: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: SchemaObject }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: SchemaObject }> };
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: SchemaObject }> }>;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Where `value` breaks `schema`, as `$.path: reason` lines; none when it conforms. */
export function schemaViolations(document: OpenApiDocument, schema: SchemaObject, value: unknown, path = '$'): string[] {
  if (schema.$ref) return schemaViolations(document, resolveRef(document, schema.$ref), value, path);
  if (value === null) return schema.nullable ? [] : [`${path}: null is not allowed`];
  if (schema.anyOf) {
    return schema.anyOf.some((option) => schemaViolations(document, option, value, path).length === 0) ? [] : [`${path}: matches no anyOf option`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string`];
      return schema.format === 'date-time' && !ISO_TIME.test(value) ? [`${path}: ${value} is not an ISO 8601 time`] : [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected an array`];
      return value.flatMap((item, index) => schemaViolations(document, schema.items ?? {}, item, `${path}[${index}]`));
    case 'object':
      return objectViolations(document, schema, value, path);
    default:
      return [];
  }
}

function objectViolations(document: OpenApiDocument, schema: SchemaObject, value: unknown, path: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
  const record = value as Record<string, unknown>;
  const problems = (schema.required ?? []).filter((name) => !(name in record)).map((name) => `${path}.${name}: required but absent`);
  for (const [name, item] of Object.entries(record)) {
    const property = schema.properties?.[name];
    if (property) problems.push(...schemaViolations(document, property, item, `${path}.${name}`));
    else if (typeof schema.additionalProperties === 'object')
      problems.push(...schemaViolations(document, schema.additionalProperties, item, `${path}.${name}`));
    else if (schema.properties) problems.push(`${path}.${name}: not in the documented schema`);
  }
  return problems;
}

export function resolveRef(document: OpenApiDocument, ref: string): SchemaObject {
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  const schema = name ? document.components.schemas[name] : undefined;
  if (!schema) throw new Error(`unresolvable $ref ${ref}`);
  return schema;
}
