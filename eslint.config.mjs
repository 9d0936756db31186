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

const rules = {
  ...promiseRules,
  // `const { secret: _secret, ...rest } = value` is how a field is left out of a copy: the named
  // sibling of a rest element is not a forgotten variable.
  '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'artifacts/**', 'eslint.config.mjs', 'jest.config.js', 'scripts/**'] },
  {
    files: ['**/*.{ts,tsx,mts}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    rules,
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
  {
    // The suites read the service's wire answers (JSON and XML bodies, typed `any` by the test
    // clients) and check them with expect(): that assertion is the type check, and the REST suite
    // also checks every answer against the OpenAPI document. Declaring a type for each answer
    // would copy the very shapes under test and catch nothing more, so `any` is allowed there;
    // every other rule applies to the tests as to the product.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
