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
  {
    // The mesh rehearsal (npm run mesh) drives istiod, the bundles and an xDS
    // caller with the machinery the e2e specs use.
    files: ['src/mesh.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
