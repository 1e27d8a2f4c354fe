export { attemptsKey, attemptsOf } from './attempts.js';
export { type CallOutcome, callOutcome, errorType, isServerBug, OK_OUTCOME, type RpcSide } from './call-outcome.js';
export { GRPC_STATUS_NAMES, grpcStatusCode, type GrpcStatusName, grpcStatusName } from './grpc-status.js';
export { definedOnly } from './defined-only.js';
export { formatGrpcTimeout, parseGrpcTimeout } from './grpc-timeout.js';
export { InvalidFieldError } from './invalid-field-error.js';
export { fullMethodName } from './method-name.js';
export { watchStream } from './watch-stream.js';
