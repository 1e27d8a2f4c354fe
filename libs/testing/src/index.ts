export * from './bundle-process.js';
export * from './prometheus.js';
