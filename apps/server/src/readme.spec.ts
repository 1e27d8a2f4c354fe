import { SERVICE_DEFAULTS } from '@protomesh/grpc-server';
import { TELEMETRY_DEFAULTS } from '@protomesh/telemetry';
import { readmeSettings } from '@protomesh/testing';

describe('the README table of server settings', () => {
  const documented = readmeSettings('## Server');

  it('states every default the parser has, as the parser has it', () => {
    for (const [name, value] of Object.entries({ ...SERVICE_DEFAULTS, ...TELEMETRY_DEFAULTS })) {
      expect([name, documented.get(name)]).toEqual([name, value]);
    }
  });

  it('states no default the parser lacks, and describes the rest', () => {
    const stated = [...documented].filter(([, value]) => value !== undefined).map(([name]) => name);
    expect(stated.sort()).toEqual(Object.keys({ ...SERVICE_DEFAULTS, ...TELEMETRY_DEFAULTS }).sort());
    expect([...documented.keys()]).toEqual(expect.arrayContaining(['POD_NAME', 'SERVICE_VERSION', 'FAULT_DELAY']));
  });
});
