import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderScenario, type ScenarioName, scenarioNames } from '@protomesh/chart/scenarios';
import {
  type AnalyzeMode,
  type AnalyzerMessage,
  CHART_DIR,
  describeWhen,
  goMissing,
  goTool,
  helmTemplate,
  istioctlAnalyze,
  type KubeObject,
  parseAnalyzeExceptions,
  unexcused,
} from '@protomesh/testing';
import { parse } from 'yaml';
import { routeAllTo } from './support/mesh-routing';

/**
 * `istioctl analyze` (the Istio version tools/scripts/go-tool.sh pins) over
 * every value set the chart's own tests render, plus a further service, in
 * two modes (see AnalyzeMode): `--use-kube=false -A` over the rendered files
 * alone, which skips every analyzer that needs a Service, Pod or Namespace;
 * and the same files against a stub Kubernetes API serving only
 * the rendering's own Namespace, Services and pods, so that every analyzer
 * runs. Any message outside the reasoned exception list fails.
 */
const EXCEPTIONS = parseAnalyzeExceptions(readFileSync(join(__dirname, 'support/mesh-analyze-exceptions.txt'), 'utf8'));
const MODES: readonly AnalyzeMode[] = ['files', 'stub-api'];
const FURTHER_SERVICE = 'a further service (services.echo, a copy of the server entry on port 9090)' as const;

/** The chart's scenario renders, as the objects istioctl is given. */
async function rendering(name: ScenarioName | typeof FURTHER_SERVICE): Promise<KubeObject[]> {
  if (name !== FURTHER_SERVICE) {
    return (await renderScenario(name)).docs as unknown as KubeObject[];
  }
  // The entry schema has no defaults for a new key: the server's own entry, changed where it must be.
  const server = (parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { services: { server: object } })
    .services.server;
  const echo = {
    ...server,
    // The server's route names its versions (weights); this entry has one, and Istio's default route.
    route: undefined,
    image: { repository: 'example/echo', tag: '1.2.3', pullPolicy: 'IfNotPresent' },
    port: 9090,
    authorization: { callers: ['client'], paths: ['/echo.v1.EchoService/Echo'] },
  };
  return helmTemplate(['--set-json', `services.echo=${JSON.stringify(echo)}`]);
}

const codes = (messages: readonly AnalyzerMessage[]) => messages.map((m) => `${m.code} ${m.level} (${m.origin})`);

describeWhen('istioctl analyze of every rendering the chart tests know', goMissing(), () => {
  let istioctl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    // Built from source on first use (minutes on a fresh machine), then cached in .tools/bin.
    istioctl = await goTool('istioctl');
  }, 30 * 60_000);

  afterAll(() => process.stdout.write(`istioctl analyze:\n${seen.join('\n')}\n`));

  it('has an exception list whose every entry carries its reason', () => {
    expect(EXCEPTIONS.length).toBeGreaterThan(0);
    for (const exception of EXCEPTIONS) {
      expect(exception.reason.length).toBeGreaterThan(20);
    }
  });

  const cases = [...scenarioNames, FURTHER_SERVICE].flatMap((name) => MODES.map((mode) => ({ name, mode })));

  it.each(cases)('$name, $mode: no message beyond the exception list', async ({ name, mode }) => {
    const docs = await rendering(name);
    const { messages, stderr } = await istioctlAnalyze(istioctl, docs, mode);
    seen.push(`  ${name} [${mode}]: ${codes(messages).join(', ') || 'no messages'}`);
    expect({ unexcused: unexcused(messages, EXCEPTIONS), stderr }).toEqual({
      unexcused: [],
      stderr: expect.any(String),
    });
  });

  it('fails a VirtualService that routes to a host nothing defines (IST0101), in both modes', async () => {
    const docs = (await rendering('defaults')).map((doc) =>
      doc.kind === 'VirtualService'
        ? (JSON.parse(
            JSON.stringify(doc).replaceAll('"protomesh-server.mesh.', '"protomesh-servr.mesh.'),
          ) as KubeObject)
        : doc,
    );
    for (const mode of MODES) {
      const { messages } = await istioctlAnalyze(istioctl, docs, mode);
      expect(unexcused(messages, EXCEPTIONS)).toContainEqual(
        expect.objectContaining({ code: 'IST0101', level: 'Error', origin: 'VirtualService mesh/protomesh-server' }),
      );
    }
  });

  it('sees, only with the stub API, a subset that selects no pod (IST0173): what file mode cannot', async () => {
    // Routing to v2 while only v1 pods exist: the version-bump gap a real rollout would hit.
    const docs = routeAllTo(await rendering('defaults'), 'v2');
    const [files, stub] = [
      await istioctlAnalyze(istioctl, docs, 'files'),
      await istioctlAnalyze(istioctl, docs, 'stub-api'),
    ];
    expect(unexcused(files.messages, EXCEPTIONS)).toEqual([]);
    expect(unexcused(stub.messages, EXCEPTIONS)).toEqual([
      expect.objectContaining({ code: 'IST0173', origin: 'DestinationRule mesh/protomesh-server' }),
    ]);
  });
});
