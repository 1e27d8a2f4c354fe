const { readFileSync } = require('node:fs');
const nxPreset = require('@nx/jest/preset').default;

// One SWC setup for every project's specs; .swcrc look-up is off because the
// options are passed in here.
const swcOptions = { ...JSON.parse(readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8')), swcrc: false };

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  setupFiles: [`${__dirname}/jest.native-errors.cjs`],
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', swcOptions],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: 'test-output/jest/coverage',
};
