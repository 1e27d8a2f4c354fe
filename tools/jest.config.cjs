module.exports = {
  displayName: '@protomesh/tools',
  preset: '../jest.preset.js',
};
