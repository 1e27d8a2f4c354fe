const { readFileSync } = require('fs');

// Reading the SWC compilation config for the spec files
const swcJestConfig = JSON.parse(
  readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'),
);

// Disable .swcrc look-up by SWC core because we're passing in swcJestConfig ourselves
swcJestConfig.swcrc = false;

module.exports = {
  displayName: '@protomesh/chart',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  resolver: '<rootDir>/jest-resolver.cjs',
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', swcJestConfig],
  },
  // The ESM-only manifest models (and the CIDR helpers they import) must be
  // compiled to CommonJS like our own sources.
  transformIgnorePatterns: [
    '/node_modules/(?!(@kubernetes-models|kubernetes-models|is-cidr|cidr-regex|ip-regex)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'html'],
  roots: ['<rootDir>/tests-spec'],
  globalSetup: '<rootDir>/tests-spec/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests-spec/support/global-teardown.ts',
  // Rendering with the real helm and type-checking every document with the
  // TypeScript compiler take seconds, not milliseconds.
  testTimeout: 60_000,
  coverageDirectory: 'test-output/jest/coverage',
};
