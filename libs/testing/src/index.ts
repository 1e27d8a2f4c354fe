export * from './bundle-process.js';
