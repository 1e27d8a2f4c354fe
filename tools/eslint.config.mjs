import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    ignores: ['**/out-tsc'],
  },
  {
    // The benchmark harness runs the bundles as processes, as the specs do.
    files: ['src/bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
