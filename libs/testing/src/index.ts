export {
  BUNDLE_NODE,
  BundleProcess,
  callLines,
  CLIENT_BUNDLE,
  type Exit,
  killAll,
  type LogLine,
  runToExit,
  SERVER_BUNDLE,
  SERVER_GO_BINARY,
  type ServerImplementation,
  SERVERS,
  type StartedServer,
  startServer,
  unusedPort,
  waitForCalls,
} from './bundle-process.js';
export { declaredMetrics, metricsUrl, parseExposition, type Sample, sampleValue } from './exposition.js';
export {
  codeOf,
  grpcFrame,
  observableResponse,
  type RawRequest,
  type RawResponse,
  rawGrpcRequest,
  SAY_HELLO_PATH,
  sayHelloMessage,
} from './grpc-frames.js';
export {
  CLIENT_PREFACE,
  dataFrame,
  encodeHeaderBlock,
  type Frame,
  FrameFlag,
  FrameType,
  grpcRequestHeaders,
  H2Error,
  h2ErrorName,
  type H2ErrorName,
  h2Frame,
  headersFrame,
  pingFrame,
  rstStreamFrame,
  SETTINGS_ACK,
  settingsFrame,
} from './h2-frames.js';
export { type GoAway, H2Wire, type H2WireOptions } from './h2-wire.js';
export { Changes, eventually } from './changes.js';
export { logLines } from './log-lines.js';
export { describeEnding, type Ending, type Exchange, grpcCodeOfReset, http2Exchange } from './http2-exchange.js';
export { establishedClientPorts, procMissing, rssBytes, type TcpSocket, tcpSockets } from './proc.js';
export {
  type GreeterServing,
  type GrpcJsGreeter,
  GrpcJsClient,
  type PeerAnswer,
  readAll,
  startGrpcJsGreeter,
  type UnaryOutcome,
} from './grpc-js-peer.js';
export {
  type ConnectServer,
  greet,
  type ListeningServer,
  type Loopback,
  loopbackServerOptions,
  loopbackTransport,
  type LoopbackTransport,
  type RequestInterceptor,
  type SayHelloHandler,
  serveOnLoopback,
  startConnectServer,
  TEST_INSTANCE,
  TEST_VERSION,
} from './loopback.js';
export { README, readmeSettings } from './readme.js';
export { describeWhen, goMissing, goTool } from './requirements.js';
export {
  type ActiveTarget,
  Prometheus,
  PROMETHEUS_BINARY,
  type ScrapeTarget,
  staticScrapeConfigs,
  type VectorSample,
} from './prometheus.js';
export {
  type Analysis,
  type AnalyzeException,
  type AnalyzeMode,
  type AnalyzerMessage,
  istioctlAnalyze,
  parseAnalyzeExceptions,
  unexcused,
} from './mesh/analyze.js';
export { mintWorkloadCertificates, opensslMissing, startXdsGreeter } from './mesh/authorization.js';
export { meshMissing } from './mesh/istiod.js';
export { type Applied, CHART_DIR, helmTemplate, MeshRehearsal, type RunningInstance } from './mesh/rehearsal.js';
export {
  type Backend,
  backends,
  type Caller,
  callerOf,
  type Instance,
  instanceOf,
  type KubeObject,
  type Placed,
} from './mesh/rendering.js';
export { type MeshCall, XdsGreeter } from './mesh/xds-client.js';
