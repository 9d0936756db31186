/** Per run, so two runs against one TEST_DATABASE_URL server do not collide. */
export const TEMPLATE_DATABASE = `ca_template_${process.env.CA_TEST_RUN_ID ?? 'run'}`;

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
