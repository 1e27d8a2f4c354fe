const preset = require('../../jest.preset.js');

// The OTLP exporter loads node:http with import(), which Jest's CommonJS
// runtime refuses without --experimental-vm-modules; compiling that one
// package turns the import() into require(), as a Node bundle needs none.
const OTLP_EXPORTER_BASE = '@opentelemetry/otlp-exporter-base';

module.exports = {
  displayName: '@protomesh/telemetry',
  preset: '../../jest.preset.js',
  transform: {
    ...preset.transform,
    [`${OTLP_EXPORTER_BASE}/.+\\.cjs$`]: preset.transform['^.+\\.[tj]s$'],
  },
  transformIgnorePatterns: [`/node_modules/(?!${OTLP_EXPORTER_BASE}/)`],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'html'],
};
