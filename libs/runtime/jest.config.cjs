module.exports = {
  displayName: '@protomesh/runtime',
  preset: '../../jest.preset.js',
};
