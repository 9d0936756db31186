import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The operator dashboard, served by the service itself at /dashboard (see
 * apps/server/src/dashboard). Vite 8 compiles TSX with oxc; no React plugin is needed for a
 * production build (Fast Refresh is the only thing it would add in `vite dev`).
 */
export default defineConfig({
  root: here,
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names under assets/ are what lets the server cache them forever.
    assetsDir: 'assets',
    sourcemap: true,
  },
  server: {
    // `npx vite --config apps/dashboard/vite.config.mts` against a service on :8080.
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
