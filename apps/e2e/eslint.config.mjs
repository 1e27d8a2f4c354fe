import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    ignores: ['**/out-tsc'],
  },
  {
    // Everything here is a system test or its support.
    files: ['**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
