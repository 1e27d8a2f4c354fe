export { ConfigError, EXIT_CONFIG } from './config-error.js';
export { DURATION_FORM, DURATION_PATTERN, parseDuration } from './duration.js';
export { type Env, EnvReader } from './env.js';
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
export { runMain } from './main-runner.js';
export { sleep } from './sleep.js';
