// ESLint for the portal's modules and the browser tests; scripts/js-lint.sh
// runs it from the repository root with this file as its config.
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    files: ['components/portal/assets/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    // The tests run in node and hand some functions to the page.
    files: ['tests/browser/**/*.mjs', 'tests/browser/eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
  },
];
