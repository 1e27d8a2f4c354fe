// kubernetes-models and @kubernetes-models/* export only an `import`
// condition. Jest resolves with `require`, so retry those with `import`; the
// files are then compiled to CommonJS by the transform (see
// transformIgnorePatterns). Everything else goes through Nx's resolver, which
// also maps the workspace libraries' `.js` specifiers to their `.ts` sources.
const nxResolver = require('@nx/jest/plugins/resolver');

module.exports = function resolve(path, options) {
  try {
    return options.defaultResolver(path, options);
  } catch {
    try {
      return options.defaultResolver(path, { ...options, conditions: ['import', 'node', 'default'] });
    } catch {
      return nxResolver(path, options);
    }
  }
};
