const { readFileSync } = require('fs');

// Reading the SWC compilation config for the spec files
const swcJestConfig = JSON.parse(readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'));

// Disable .swcrc look-up by SWC core because we're passing in swcJestConfig ourselves
swcJestConfig.swcrc = false;

// The OTLP exporter loads node:http with import(), which Jest's CommonJS
// runtime refuses without --experimental-vm-modules; compiling that one
// package turns the import() into require(), as a Node bundle needs none.
const OTLP_EXPORTER_BASE = '@opentelemetry/otlp-exporter-base';

module.exports = {
  displayName: '@protomesh/telemetry',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', swcJestConfig],
    [`${OTLP_EXPORTER_BASE}/.+\\.cjs$`]: ['@swc/jest', swcJestConfig],
  },
  transformIgnorePatterns: [`/node_modules/(?!${OTLP_EXPORTER_BASE}/)`],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'html'],
  coverageDirectory: 'test-output/jest/coverage',
};
