export { createRetryInterceptor, MAX_ATTEMPTS_LIMIT, type RetryOptions } from './retry.js';
