import { documentedRoutes } from '../support/rest-client';
import { startTestApp, TestApp } from '../support/test-app';
import { commandTests } from './rest-api/commands';
import { docsAndAuthTests } from './rest-api/docs-and-auth';
import { instanceTests } from './rest-api/instances';
import { invocationErrorTests } from './rest-api/invocation-errors';
import { invocationTests } from './rest-api/invocations';
import { RestSuite, restSuite } from './rest-api/suite';

/**
 * The REST edge (/v1) through the OpenAPI document the running server generates: every
 * call goes through a route and method the document lists and is checked against its documented
 * responses; the last test asserts that every documented route was exercised, so a route added
 * without documentation, or documented without a test, fails here.
 */
describe('REST API /v1', () => {
  let app: TestApp;
  const suite = {} as RestSuite;

  beforeAll(async () => {
    app = await startTestApp();
    Object.assign(suite, await restSuite(app));
  });
  afterAll(async () => {
    await app?.close();
  });

  docsAndAuthTests(suite);
  commandTests(suite);
  instanceTests(suite);
  invocationTests(suite);
  invocationErrorTests(suite);

  describe('coverage', () => {
    it('exercised exactly the routes the document lists', () => {
      expect([...suite.exercised].sort()).toEqual([...documentedRoutes(suite.document)].sort());
    });
  });
});
