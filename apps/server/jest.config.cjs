module.exports = {
  displayName: '@protomesh/server',
  preset: '../../jest.preset.js',
};
