import { describeWhen, goMissing } from '@protomesh/testing';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findHelm } from '../../helm';

/**
 * The generator for real: in a copy of the workspace (the files git tracks or
 * would track, as they are on disk; no dist, no .nx), `nx g` makes a
 * TypeScript service and, with Go, a Go service; then the new projects must
 * pass buf lint, lint, typecheck, build and test, and the chart must render
 * them and pass its own validation of every document.
 */
const root = resolve(__dirname, '../../../..');
const TS_SERVICE = 'order-book';
const GO_SERVICE = 'price-feed';
const MINUTES = 60_000;

let copy: string;
const services: string[] = [];
/** This process's environment without what Nx sets for the task running it (the copy is another workspace). */
const outsideNx = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NX_')));

function run(command: string, args: string[], timeout = 10 * MINUTES): string {
  try {
    return execFileSync(command, args, {
      cwd: copy,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout,
      env: { ...outsideNx, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', FORCE_COLOR: '0' },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`.slice(-20_000));
  }
}

/**
 * node_modules: every package linked to the workspace's own, except our
 * workspace packages (@protomesh/*), linked to the copy's, so that the copy's
 * libraries (and the stubs the generator adds to @protomesh/proto) are the
 * ones its projects resolve.
 */
function linkNodeModules(): void {
  const modules = join(copy, 'node_modules');
  mkdirSync(join(modules, '@protomesh'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@protomesh' && !existsSync(join(modules, entry))) {
      symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
    }
  }
  const packages = ['apps', 'libs', 'charts'].flatMap((dir) =>
    readdirSync(join(copy, dir)).map((name) => `${dir}/${name}`),
  );
  for (const dir of [...packages, 'tools'].filter((dir) => existsSync(join(copy, dir, 'package.json')))) {
    const { name } = JSON.parse(readFileSync(join(copy, dir, 'package.json'), 'utf8')) as { name: string };
    rmSync(join(modules, name), { force: true });
    symlinkSync(join('../..', dir), join(modules, name));
  }
}

function generate(name: string, ...options: string[]): void {
  run('npx', ['nx', 'g', '@protomesh/tools:service', name, ...options]);
  services.push(name);
  linkNodeModules();
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'protomesh-generator-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const file of files.split('\0').filter((file) => file && existsSync(join(root, file)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(root, file), join(copy, file));
    chmodSync(join(copy, file), statSync(join(root, file)).mode);
  }
  linkNodeModules();
  generate(TS_SERVICE);
}, 5 * MINUTES);

afterAll(() => {
  if (copy && !process.env['KEEP_GENERATOR_COPY']) {
    rmSync(copy, { recursive: true, force: true });
  }
});

describe('a generated TypeScript service, in a copy of the workspace', () => {
  it('passes buf lint, and nx sync finds nothing to add', () => {
    run('npx', ['buf', 'lint']);
    run('npx', ['nx', 'sync:check']);
  });

  it(
    'passes lint, typecheck, build and test, and the regenerated stubs match buf generate',
    () => {
      run('npx', [
        'nx',
        'run-many',
        '-t',
        'lint',
        'typecheck',
        'build',
        'test',
        '-p',
        `@protomesh/${TS_SERVICE}`,
        '@protomesh/proto',
        '--outputStyle=static',
      ]);
      expect(existsSync(join(copy, 'dist/apps', TS_SERVICE, 'main.js'))).toBe(true);
    },
    10 * MINUTES,
  );
});

describeWhen('a generated Go service, in a copy of the workspace', goMissing(), () => {
  beforeAll(() => generate(GO_SERVICE, '--language=go'), 5 * MINUTES);

  it(
    'passes go vet, gofmt, go build, go test and the gen/ drift check, and leaves apps/server-go as it was',
    () => {
      run('npx', ['buf', 'lint']);
      run('npx', [
        'nx',
        'run-many',
        '-t',
        'lint',
        'build',
        'test',
        '-p',
        `@protomesh/${GO_SERVICE}`,
        '--outputStyle=static',
      ]);
      expect(existsSync(join(copy, 'dist/apps', GO_SERVICE, GO_SERVICE))).toBe(true);
      const out = mkdtempSync(join(tmpdir(), 'protomesh-server-go-gen-'));
      run('tools/scripts/go-target.sh', ['apps/server-go', 'generate', out]);
      run('diff', ['-r', join(out, 'apps/server-go/gen'), 'apps/server-go/gen']);
      rmSync(out, { recursive: true, force: true });
    },
    10 * MINUTES,
  );
});

describe('the chart with the generated entries', () => {
  it('renders a Deployment, Service and AuthorizationPolicy for each, from its own image', () => {
    const set = services.flatMap((name) => ['--set', `services.${name}.enabled=true`]);
    const rendered = run(findHelm(), ['template', 'demo', 'charts/protomesh', ...set]);
    const docs = parseAllDocuments(rendered).map((doc) => doc.toJS() as Manifest);
    for (const name of services) {
      const own = docs.filter((doc) => doc.metadata?.name === `demo-protomesh-${name}`).map((doc) => doc.kind);
      expect(own).toEqual(expect.arrayContaining(['Deployment', 'Service', 'AuthorizationPolicy', 'ServiceAccount']));
      const deployment = docs.find(
        (doc) => doc.kind === 'Deployment' && doc.metadata?.name === `demo-protomesh-${name}`,
      );
      expect(deployment?.spec?.template.spec.containers.map((container) => container.image)).toEqual([
        expect.stringMatching(new RegExp(`^protomesh/${name}:[0-9]`)),
      ]);
    }
  });

  it(
    "passes the chart suite's validation of every document, in every scenario, with the entries on",
    () => {
      // The chart's own specs, over its scenarios with the new entries enabled;
      // those that enumerate the default entries (counts, names) are not asked.
      const values = join(copy, 'charts/protomesh/values.yaml');
      let text = readFileSync(values, 'utf8');
      for (const name of services) {
        text = text.replace(new RegExp(`(\\n  ${name}:\\n[^]*?enabled: )false`), '$1true');
      }
      writeFileSync(values, text);
      const report = join(copy, 'chart-report.json');
      try {
        run('npx', ['jest', '-c', 'charts/protomesh/jest.config.cjs', '--json', '--outputFile', report]);
      } catch {
        // Some specs enumerate the default entries and fail here; the report says which.
      }
      const results = (JSON.parse(readFileSync(report, 'utf8')) as JestReport).testResults.flatMap(
        (file) => file.assertionResults,
      );
      const passed = (title: string) =>
        results.filter((result) => result.fullName.includes(title)).map((result) => result.status);
      for (const title of VALIDATIONS) {
        expect({ title, status: passed(title) }).toEqual({ title, status: ['passed'] });
      }
    },
    5 * MINUTES,
  );
});

/** The chart specs that validate every rendered document (or values.yaml) whatever the entries. */
const VALIDATIONS = [
  'passes the JSON schema of its kubernetes-models',
  'has no field its schema lacks',
  'renders no resource twice, each in the release namespace',
  'meet Pod Security "restricted"',
  'select by name, instance and component',
  'name the container port http-metrics',
  "the PodMonitors meet the CRD's constraints",
  "select each entry's pods exactly",
  'documents every value with a comment',
  'passes helm lint --strict',
];

interface Manifest {
  kind: string;
  metadata?: { name?: string };
  spec?: { template: { spec: { containers: { image: string }[] } } };
}

interface JestReport {
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}
