module.exports = {
  displayName: '@protomesh/grpc-core',
  preset: '../../jest.preset.js',
};
