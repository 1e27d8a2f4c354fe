module.exports = {
  displayName: '@protomesh/e2e',
  preset: '../../jest.preset.js',
  // Every spec starts real processes (bundles, Prometheus, containers); each wait has its own bound.
  testTimeout: 30_000,
};
