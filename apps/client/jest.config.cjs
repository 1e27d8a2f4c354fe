module.exports = {
  displayName: '@protomesh/client',
  preset: '../../jest.preset.js',
};
