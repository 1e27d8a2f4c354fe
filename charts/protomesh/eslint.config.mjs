import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    ignores: ['**/out-tsc'],
  },
  {
    // The chart ships no code: everything under tests-spec is a test or its support.
    files: ['tests-spec/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
