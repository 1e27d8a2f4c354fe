import { isRoutineLogLine, listeningPort } from './child-protocol.js';

describe('listeningPort', () => {
  it('reads the port from the protomesh server start line', () => {
    const line =
      '{"level":"info","time":"2026-11-24T10:23:59.206Z","service":"greeter-server","address":"127.0.0.1:45813",' +
      '"instance":"vm","version":"0.1.0","msg":"greeter server listening"}';
    expect(listeningPort(line)).toBe(45813);
  });

  it('ignores other lines', () => {
    expect(listeningPort('{"level":"warn","msg":"FAULT INJECTION ACTIVE","address":"127.0.0.1:1"}')).toBeUndefined();
    expect(listeningPort('{"msg":"greeter server listening","address":"somewhere"}')).toBeUndefined();
    expect(listeningPort('greeter server listening on 127.0.0.1:8080')).toBeUndefined();
    expect(listeningPort('null')).toBeUndefined();
  });
});

describe('isRoutineLogLine', () => {
  it('passes pino lines at info and below', () => {
    expect(isRoutineLogLine('{"level":"info","msg":"metrics listening"}')).toBe(true);
    expect(isRoutineLogLine('{"level":"debug","msg":"call","code":"OK"}')).toBe(true);
  });

  it('flags warnings, errors and anything that is not a pino line', () => {
    expect(isRoutineLogLine('{"level":"warn","msg":"drain cut short"}')).toBe(false);
    expect(isRoutineLogLine('{"level":"error","msg":"call failed"}')).toBe(false);
    expect(isRoutineLogLine('(node:123) MaxListenersExceededWarning: Possible EventEmitter memory leak')).toBe(false);
  });
});
