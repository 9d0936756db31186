import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

export const DASHBOARD_PREFIX = '/dashboard';

const FOREVER = 'public, max-age=31536000, immutable';
/** index.html names the current hashes, so it must be revalidated on every load. */
const ALWAYS_REVALIDATE = 'no-cache';

/**
 * The page may talk to this origin only: a stolen-script or framing attack on a page that holds
 * an admin secret in sessionStorage is what these headers are for.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * `dist/dashboard` of the checkout, found from this file whether it runs compiled
 * (`dist/apps/server/src/dashboard`) or as TypeScript under jest (`apps/server/src/dashboard`):
 * the first folder upwards with a package.json is the project.
 */
export function dashboardRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return join(dir, 'dist', 'dashboard');
}

/** Vite writes only content-hashed names into assets/: a changed file is a new URL, so those never expire. */
function headersFor(root: string) {
  const hashedAssets = join(root, 'assets') + sep;
  return (reply: FastifyReply, filePath: string): void => {
    reply.headers(SECURITY_HEADERS);
    reply.header('cache-control', filePath.startsWith(hashedAssets) ? FOREVER : ALWAYS_REVALIDATE);
  };
}

/**
 * Serves the built dashboard (`npm run build` → dist/dashboard) at /dashboard. Files are listed
 * once at start-up (`wildcard: false`), so any other /dashboard/... path is a client route and
 * gets index.html, except a missing file under assets/ or with an extension: that is a 404, not
 * HTML under a script's name. Runs on Fastify directly, before Nest's routes: nothing here is an
 * API call, so none of the API's auth, request ids or error bodies apply.
 */
export async function serveDashboard(app: NestFastifyApplication, root = dashboardRoot()): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!existsSync(join(root, 'index.html'))) {
    const notBuilt = (_request: unknown, reply: FastifyReply): FastifyReply =>
      reply.status(503).type('text/plain; charset=utf-8').send(`The dashboard is not built (${root}/index.html is missing): run npm run build.\n`);
    fastify.get(DASHBOARD_PREFIX, notBuilt);
    fastify.get(`${DASHBOARD_PREFIX}/*`, notBuilt);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: `${DASHBOARD_PREFIX}/`,
    wildcard: false,
    cacheControl: false,
    setHeaders: headersFor(root),
  });
  fastify.get(DASHBOARD_PREFIX, (_request, reply) => reply.redirect(`${DASHBOARD_PREFIX}/`, 301));
  fastify.get(`${DASHBOARD_PREFIX}/*`, (request, reply) => {
    const path = request.url.split('?')[0];
    if (path.startsWith(`${DASHBOARD_PREFIX}/assets/`) || /\.\w+$/.test(path)) {
      return reply.status(404).type('text/plain; charset=utf-8').send('Not found\n');
    }
    return reply.sendFile('index.html');
  });
}
