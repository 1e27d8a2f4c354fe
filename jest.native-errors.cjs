// Jest runs specs in a realm of their own, where errors made by Node itself
// (zlib, net, http2) fail `instanceof Error`. Connect sorts errors into gRPC
// codes with instanceof, and so does our code, so without this they would
// read INTERNAL under Jest where production reports e.g. RESOURCE_EXHAUSTED.
const { types } = require('node:util');

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];
Object.defineProperty(Error, Symbol.hasInstance, {
  value(value) {
    return ordinaryHasInstance.call(this, value) || (this === Error && types.isNativeError(value));
  },
});
