module.exports = {
  displayName: '@protomesh/proto',
  preset: '../../jest.preset.js',
};
