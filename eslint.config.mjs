// Lint for the mistakes that slip past the compiler and the tests: typescript-eslint's
// type-checked recommendations (unsafe `any`, promises nobody awaits, misused awaits), on every
// TypeScript file. Formatting is Prettier's job; eslint-config-prettier turns off the rules that
// would fight it.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const promiseRules = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/await-thenable': 'error',
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'artifacts/**', 'eslint.config.mjs', 'jest.config.js', 'scripts/**'] },
  {
    files: ['**/*.{ts,tsx,mts}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    rules: promiseRules,
  },
  {
    files: ['**/*.ts'],
    ignores: ['apps/dashboard/**'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // The dashboard is browser code with its own tsconfigs (DOM lib; the Vite config on Node).
    files: ['apps/dashboard/**/*.{ts,tsx,mts}'],
    languageOptions: {
      parserOptions: {
        project: ['apps/dashboard/tsconfig.json', 'apps/dashboard/tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  prettier,
);
