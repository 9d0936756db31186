// Lint for the mistakes that slip past the compiler and the tests: promises nobody awaits.
import tseslint from 'typescript-eslint';

const promiseRules = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/await-thenable': 'error',
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'artifacts/**', 'eslint.config.mjs', 'jest.config.js', 'scripts/**'] },
  {
    files: ['**/*.ts'],
    ignores: ['apps/dashboard/**'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: promiseRules,
  },
  {
    // The dashboard is browser code with its own tsconfigs (DOM lib; the Vite config on Node).
    files: ['apps/dashboard/**/*.{ts,tsx,mts}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        project: ['apps/dashboard/tsconfig.json', 'apps/dashboard/tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: promiseRules,
  },
);
