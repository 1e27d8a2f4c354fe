module.exports = {
  displayName: '@protomesh/chart',
  preset: '../../jest.preset.js',
  resolver: '<rootDir>/jest-resolver.cjs',
  // The ESM-only manifest models (and the CIDR helpers they import) must be
  // compiled to CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes-models|kubernetes-models|is-cidr|cidr-regex|ip-regex)/)'],
  roots: ['<rootDir>/tests-spec'],
  globalSetup: '<rootDir>/tests-spec/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests-spec/support/global-teardown.ts',
  // Rendering with the real helm and type-checking every document with the
  // TypeScript compiler take seconds, not milliseconds.
  testTimeout: 60_000,
};
