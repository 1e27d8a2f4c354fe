module.exports = {
  displayName: '@protomesh/conformance',
  preset: '../../jest.preset.js',
};
