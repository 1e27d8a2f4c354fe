import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describeWhen, goMissing } from '@protomesh/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { nameProblem, RESERVED_NAMES, serviceGenerator, withServiceEntry } from './generator';

const root = resolve(__dirname, '../../../..');
const VALUES = 'charts/protomesh/values.yaml';

/** A virtual tree holding the real files the generator reads and edits (nothing is written to disk). */
function workspaceTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  for (const path of [
    'package.json',
    'nx.json',
    'tsconfig.json',
    '.dockerignore',
    'libs/proto/package.json',
    VALUES,
    'charts/protomesh/values.schema.json',
    'apps/server/package.json',
    'apps/server-go/package.json',
    'proto/greeter/v1/greeter.proto',
  ]) {
    tree.write(path, readFileSync(join(root, path)));
  }
  return tree;
}

interface Entry {
  enabled: boolean;
  image: { repository: string };
  port: number;
  authorization: { callers: string[]; paths: string[] };
  resources: { requests: { memory: string } };
}

const servicesOf = (tree: Tree) =>
  (parse(tree.read(VALUES, 'utf-8') ?? '') as { services: Record<string, Entry> }).services;

describe('the service generator, in a virtual tree of the workspace', () => {
  let tree: Tree;
  let seeded: Set<string>;
  beforeEach(() => {
    tree = workspaceTree();
    seeded = new Set(tree.listChanges().map((change) => change.path));
  });
  /** The files the generator created (the seeded ones it edits are not among them). */
  const created = () =>
    tree
      .listChanges()
      .filter((change) => change.type === 'CREATE' && !seeded.has(change.path))
      .map((change) => change.path)
      .sort();

  it.each([
    ['Orders', 'lowercase kebab-case'],
    ['order_book', 'lowercase kebab-case'],
    ['1orders', 'starting with a letter'],
    ['orders-', 'lowercase kebab-case'],
    ['or--ders', 'lowercase kebab-case'],
    ['o'.repeat(21), 'at most 20 characters'],
    ...RESERVED_NAMES.map((name) => [name, `"${name}" is reserved`]),
    ['grpc', '"grpc" is reserved'],
    ['greeter', 'exists already: proto/greeter'],
    ['server-go', 'exists already: apps/server-go, the project @protomesh/server-go, services.server-go in'],
  ])('refuses %j with one message, before writing anything', async (name, reason) => {
    const before = JSON.stringify(tree.listChanges());
    await expect(serviceGenerator(tree, { name })).rejects.toThrow(`Cannot create the service "${name}": `);
    expect(nameProblem(tree, name)).toContain(reason);
    expect(JSON.stringify(tree.listChanges())).toBe(before);
  });

  it('takes the length limit from the chart: component names end up in resource names', () => {
    expect(nameProblem(tree, 'o'.repeat(20))).toBeUndefined();
    const schema = readJson(tree, 'charts/protomesh/values.schema.json');
    expect(schema.properties.services.propertyNames.maxLength).toBe(20);
  });

  it('creates a TypeScript service: contract, app wired like apps/server, stubs export, release group, chart entry', async () => {
    const values = tree.read(VALUES, 'utf-8') ?? '';
    await serviceGenerator(tree, { name: 'order-book' });

    expect(created()).toEqual(
      [
        'Dockerfile',
        'eslint.config.mjs',
        'jest.config.cjs',
        'package.json',
        'src/main.ts',
        'src/order-book-service.spec.ts',
        'src/order-book-service.ts',
        'tsconfig.app.json',
        'tsconfig.json',
        'tsconfig.spec.json',
      ]
        .map((file) => `apps/order-book/${file}`)
        .concat('proto/order_book/v1/order_book.proto')
        .sort(),
    );
    const proto = tree.read('proto/order_book/v1/order_book.proto', 'utf-8');
    expect(proto).toContain('package order_book.v1;');
    expect(proto).toContain('service OrderBookService {');
    expect(proto).toContain('rpc Echo(EchoRequest) returns (EchoResponse)');

    const app = readJson(tree, 'apps/order-book/package.json');
    const server = readJson(tree, 'apps/server/package.json');
    expect(app).toMatchObject({ name: '@protomesh/order-book', version: server.version });
    expect(app.nx.tags).toEqual(server.nx.tags);
    expect(app.nx.targets.build.options).toEqual({
      ...server.nx.targets.build.options,
      outputPath: 'dist/apps/order-book',
      main: 'apps/order-book/src/main.ts',
      tsConfig: 'apps/order-book/tsconfig.app.json',
    });
    const main = tree.read('apps/order-book/src/main.ts', 'utf-8');
    expect(main).toContain("name: 'order-book',");
    expect(main).toContain('router.service(OrderBookService, orderBookService)');
    expect(tree.read('apps/order-book/src/order-book-service.ts', 'utf-8')).toContain('throw new InvalidFieldError(');

    expect(readJson(tree, 'libs/proto/package.json').exports['./order_book/v1']).toEqual({
      types: './src/gen/order_book/v1/order_book_pb.ts',
      default: './src/gen/order_book/v1/order_book_pb.ts',
    });
    expect(Object.keys(readJson(tree, 'libs/proto/package.json').exports).at(-1)).toBe('./package.json');
    expect(readJson(tree, 'nx.json').release.groups['order-book']).toEqual({
      projects: ['@protomesh/order-book'],
      docker: { repositoryName: 'protomesh/order-book', versionSchemes: { release: '{versionActionsVersion}' } },
    });
    expect(readJson(tree, 'tsconfig.json').references).toContainEqual({ path: './apps/order-book' });
    expect(tree.read('.dockerignore', 'utf-8')).toContain('\n!dist/apps/order-book/main.js\n');

    const { 'order-book': entry, ...others } = servicesOf(tree);
    expect(others).toEqual((parse(values) as { services: unknown }).services);
    expect(entry).toMatchObject({
      enabled: false,
      image: { repository: 'protomesh/order-book', tag: '' },
      port: 8080,
      authorization: {
        callers: ['client'],
        paths: ['/order_book.v1.OrderBookService/Echo', '/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch'],
      },
    });
    // The new lines only, inside services: (the other keys and their comments stay as they were).
    const after = tree.read(VALUES, 'utf-8') ?? '';
    expect(after.replace(/\n {2}# order_book\.v1\.OrderBookService [^]*?\n {4}podLabels: \{\}\n/, '\n')).toBe(values);
  });

  it('never overwrites a service: a second run refuses, naming what exists', async () => {
    await serviceGenerator(tree, { name: 'order-book' });
    await expect(serviceGenerator(tree, { name: 'order-book' })).rejects.toThrow(
      'Cannot create the service "order-book": a service by that name exists already: apps/order-book, ' +
        'proto/order_book, the project @protomesh/order-book, services.order-book in charts/protomesh/values.yaml, ' +
        'the release group order-book in nx.json.',
    );
  });

  describeWhen('with --language=go', goMissing(), () => {
    it('creates a Go service on libs/go-service, with Nx targets, image and a smaller memory request', async () => {
      await serviceGenerator(tree, { name: 'price-feed', language: 'go' });
      expect(created()).toEqual(
        [
          'Dockerfile',
          'buf.gen.yaml',
          'cmd/price-feed/main.go',
          'go.mod',
          'internal/handler/service.go',
          'internal/handler/service_test.go',
          'package.json',
        ]
          .map((file) => `apps/price-feed/${file}`)
          .concat('proto/price_feed/v1/price_feed.proto')
          .sort(),
      );
      expect(tree.read('apps/price-feed/go.mod', 'utf-8')).toContain(
        'replace github.com/protomesh/protomesh/libs/go-service => ../../libs/go-service',
      );
      expect(tree.read('apps/price-feed/buf.gen.yaml', 'utf-8')).toContain(
        'Mprice_feed/v1/price_feed.proto=github.com/protomesh/protomesh/apps/price-feed/gen/price_feed/v1;pricefeedv1',
      );
      expect(tree.read('apps/price-feed/cmd/price-feed/main.go', 'utf-8')).toContain(
        'pricefeedv1.RegisterPriceFeedServiceServer(r, handler.Service{})',
      );
      const app = readJson(tree, 'apps/price-feed/package.json');
      expect(app.nx.tags).toEqual(['type:app', 'scope:server']);
      for (const target of ['generate', 'build', 'test', 'lint']) {
        expect(app.nx.targets[target].command).toBe(`tools/scripts/go-target.sh apps/price-feed ${target}`);
      }
      expect(readJson(tree, 'tsconfig.json').references).not.toContainEqual({ path: './apps/price-feed' });
      expect(tree.read('.dockerignore', 'utf-8')).toContain('\n!dist/apps/price-feed/price-feed\n');
      expect(servicesOf(tree)['price-feed']).toMatchObject({
        image: { repository: 'protomesh/price-feed' },
        resources: { requests: { memory: '32Mi' } },
      });
    });
  });
});

describe('withServiceEntry', () => {
  it('appends to services:, before the comments and blank lines that introduce the next key', () => {
    const values = 'a: 1\nservices:\n  x:\n    y: 1\n\n# The mesh.\nistio:\n  on: true\n';
    expect(withServiceEntry(values, '  z:\n    y: 2\n')).toBe(
      'a: 1\nservices:\n  x:\n    y: 1\n  z:\n    y: 2\n\n# The mesh.\nistio:\n  on: true\n',
    );
  });

  it('refuses a values.yaml without a services: map followed by another key', () => {
    expect(() => withServiceEntry('services:\n  x: {}\n', '  z: {}')).toThrow(/no top-level services: map/);
  });
});

describe('the templates', () => {
  it('all end in __tmpl__, so no tool (tsc, Jest, ESLint, Go, buf, Nx) takes them for sources', () => {
    const files = readdirSync(join(__dirname, 'files'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((name) => !name.endsWith('__tmpl__'))).toEqual([]);
  });
});
