// Lint: ESLint's and typescript-eslint's recommended rules on src/ and test/ (run by .ci/run).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.work/', 'test/.tmp/', 'status-page/vendor/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `this` kept under a name where node:http or an app calls a function with its own this.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self', 'res', 'captured', 'front'] }],
    },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], languageOptions: { globals: { ...globals.node } } },
  // CommonJS fixtures and deploy files are CommonJS on purpose.
  { files: ['**/*.cjs', 'test/fixtures/commonjs/**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-unused-vars': 'off' } },
  // The status page's scripts run in the browser.
  { files: ['status-page/**/*.js'], languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } } },
);
