import { OpenApiDocument, schemaViolations } from './openapi-check';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RestRequest {
  /** Path parameters, filled into the route's `{name}`s. */
  params?: Record<string, string>;
  /** Query parameters; an `undefined` value leaves the parameter out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with `contentType`. */
  rawBody?: string;
  contentType?: string;
}

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

export function basicAuthorization(accessKeyId: string, accessKeySecret: string): string {
  return `Basic ${Buffer.from(`${accessKeyId}:${accessKeySecret}`).toString('base64')}`;
}

/**
 * A client of the REST edge that goes only through the OpenAPI document the server generated:
 * a route or method not in the document fails the test, every call is recorded in `exercised`
 * (for the test that every documented route is exercised), and every answer must be a
 * documented status with a body that conforms to its documented schema, tagged `x-request-id`.
 */
export class RestClient {
  constructor(
    private readonly endpoint: string,
    readonly document: OpenApiDocument,
    readonly exercised: Set<string>,
    private readonly authorization: string | undefined,
    /** Added to every request whose route documents it, unless the request names it. */
    private readonly defaultQuery: Record<string, string> = {},
  ) {}

  /** The same client with other credentials (`undefined`: none). */
  as(authorization: string | undefined): RestClient {
    return new RestClient(this.endpoint, this.document, this.exercised, authorization, this.defaultQuery);
  }

  async call<T = any>(method: Method, route: string, request: RestRequest = {}): Promise<RestResponse<T>> {
    const operation = this.document.paths[route]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${route} is not in the OpenAPI document`);
    this.exercised.add(`${method} ${route}`);

    const path = route.replace(/\{(\w+)\}/g, (_whole, name: string) => {
      const value = request.params?.[name];
      if (value === undefined) throw new Error(`${route}: no value for {${name}}`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams();
    const documentedQuery = new Set((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
    for (const [name, value] of Object.entries(this.defaultQuery)) {
      if (documentedQuery.has(name) && !(request.query && name in request.query)) query.set(name, value);
    }
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) query.set(name, String(value));

    const headers: Record<string, string> = {};
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    let body: string | undefined;
    if (request.rawBody !== undefined) {
      body = request.rawBody;
      if (request.contentType) headers['content-type'] = request.contentType;
    } else if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.endpoint}${path}${query.size ? `?${query.toString()}` : ''}`, { method, headers, body });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    this.checkAgainstDocument(`${method} ${route}`, operation.responses, response, parsed);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  private checkAgainstDocument(where: string, responses: OpenApiDocument['paths'][string][string]['responses'], response: Response, body: unknown): void {
    const requestId = response.headers.get('x-request-id') ?? '';
    if (!REQUEST_ID.test(requestId)) throw new Error(`${where}: x-request-id header is ${JSON.stringify(requestId)}`);
    const documented = responses[String(response.status)];
    if (!documented) throw new Error(`${where}: status ${response.status} is not documented (${JSON.stringify(body)})`);
    const schema = documented.content?.['application/json']?.schema;
    if (!schema) {
      if (body !== undefined) throw new Error(`${where}: ${response.status} is documented without a body, got ${JSON.stringify(body)}`);
      return;
    }
    const problems = schemaViolations(this.document, schema, body);
    if (problems.length > 0) throw new Error(`${where}: ${response.status} body breaks its schema:\n${problems.join('\n')}\n${JSON.stringify(body)}`);
    if (response.status >= 400 && (body as { requestId?: string }).requestId !== requestId) {
      throw new Error(`${where}: error body's requestId differs from x-request-id`);
    }
  }
}

/** Every `METHOD /path` the document lists. */
export function documentedRoutes(document: OpenApiDocument): Set<string> {
  return new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
}
