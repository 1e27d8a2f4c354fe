module.exports = {
  displayName: '@protomesh/grpc-server',
  preset: '../../jest.preset.js',
};
