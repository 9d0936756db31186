import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { SECURITY_HEADERS } from '../dashboard/dashboard-static';
import { MALFORMED_INPUT, openApiComponentSchemas } from './openapi';
import { BASIC_AUTH } from './rest-common';
import { RestModule } from './rest.module';

/** Where Swagger UI and the JSON document are served (public, as the README documents). */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';

/** The OpenAPI 3 document of the REST edge, generated from its controllers and zod schemas. */
export function buildRestDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cloud Assistant REST API')
    .setDescription(
      'JSON resources over the same services and error codes as the Alibaba-compatible RPC API. ' +
        'Authenticate with HTTP Basic: an access key id as the user name, its secret as the password ' +
        '(readonly keys may only GET). Region-scoped routes take ?regionId=. Errors are ' +
        '{ requestId, code, message } with the status and code the RPC API gives the same failure.',
    )
    .setVersion('v1')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'AccessKeyId : AccessKeySecret' }, BASIC_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [RestModule] });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...openApiComponentSchemas() } };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      const refused = operation.responses?.['400'] as ResponseObject | undefined;
      if (refused && !refused.description) refused.description = MALFORMED_INPUT;
    }
  }
  return document;
}

/**
 * The dashboard's headers, with the one allowance Swagger UI needs: its page and its React
 * components set inline styles. Its scripts are all files from this origin, so no inline script
 * runs. A key typed into "Authorize" lives in the page's memory only (persistAuthorization off):
 * kept in localStorage it would outlive the tab, readable by any script on this origin.
 */
const DOCS_HEADERS: Record<string, string> = {
  ...SECURITY_HEADERS,
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
};

/** Swagger UI at /docs, the JSON document at /docs/json; both public, like any API reference. */
export function serveRestDocs(app: NestFastifyApplication): void {
  const document = buildRestDocument(app);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0];
    if (path === `/${DOCS_PATH}` || path.startsWith(`/${DOCS_PATH}/`)) reply.headers(DOCS_HEADERS);
    done();
  });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Cloud Assistant REST API',
    swaggerOptions: { persistAuthorization: false },
  });
}
