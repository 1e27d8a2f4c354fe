module.exports = {
  displayName: '@protomesh/grpc-client',
  preset: '../../jest.preset.js',
};
