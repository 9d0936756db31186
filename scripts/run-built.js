#!/usr/bin/env node
// Runs a compiled entry point (`npm run agent`, `npm run cli`), building first when the
// checkout has never been built, so neither command needs a separate build step.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', process.argv[2]);
if (!existsSync(entry)) {
  execSync('npm run build --silent', { cwd: join(__dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
}
process.argv.splice(1, 2, entry);
require(entry);
