import {
  generateFiles,
  type GeneratorCallback,
  getProjects,
  names,
  readJson,
  type Tree,
  updateJson,
  workspaceRoot,
} from '@nx/devkit';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ServiceGeneratorOptions {
  readonly name: string;
  readonly language?: 'ts' | 'go';
}

/** Names a service may not take: projects, packages and roles the workspace has or reserves. */
export const RESERVED_NAMES = ['server', 'client', 'e2e', 'testing', 'proto', 'conformance', 'tools', 'chart'];
/** Proto packages a service may not take (the standard contracts). */
const RESERVED_PACKAGES = ['grpc', 'google', 'buf'];
const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 40;
const VALUES = 'charts/protomesh/values.yaml';

/** Every spelling of a service name the templates use. */
export function serviceNames(name: string) {
  const { className, propertyName } = names(name);
  // Proto packages and files are lower_snake_case (buf STANDARD); Go package names have no separators.
  return { name, className, propertyName, pkg: name.replaceAll('-', '_'), goPkg: name.replaceAll('-', '') };
}

/**
 * Why `name` cannot be a new service in this tree, or undefined when it can.
 * The length limit is the chart's (its component names end up in resource
 * names), when that is shorter than MAX_NAME_LENGTH.
 */
export function nameProblem(tree: Tree, name: string): string | undefined {
  const schema = readJson(tree, 'charts/protomesh/values.schema.json');
  const max = Math.min(MAX_NAME_LENGTH, schema.properties?.services?.propertyNames?.maxLength ?? MAX_NAME_LENGTH);
  if (!NAME_PATTERN.test(name) || name.length > max) {
    return `expected lowercase kebab-case (a-z, 0-9, single hyphens between words) starting with a letter, at most ${max} characters`;
  }
  const { pkg } = serviceNames(name);
  if (RESERVED_NAMES.includes(name) || RESERVED_PACKAGES.includes(pkg)) {
    return `"${name}" is reserved (${[...RESERVED_NAMES, ...RESERVED_PACKAGES].join(', ')})`;
  }
  const values = parse(tree.read(VALUES, 'utf-8') ?? '') as { services?: Record<string, unknown> };
  const groups = readJson(tree, 'nx.json').release?.groups ?? {};
  const taken = [
    ...[`apps/${name}`, `libs/${name}`, `proto/${pkg}`].filter((path) => tree.exists(path)),
    ...(getProjects(tree).has(`@protomesh/${name}`) ? [`the project @protomesh/${name}`] : []),
    ...(values.services?.[name] ? [`services.${name} in ${VALUES}`] : []),
    ...(groups[name] ? [`the release group ${name} in nx.json`] : []),
  ];
  return taken.length > 0 ? `a service by that name exists already: ${taken.join(', ')}` : undefined;
}

/** `npx nx g @protomesh/tools:service <name> [--language=go]`: see the README, "Add a service". */
export async function serviceGenerator(tree: Tree, options: ServiceGeneratorOptions): Promise<GeneratorCallback> {
  const language = options.language ?? 'ts';
  const go = language === 'go';
  const problem = nameProblem(tree, options.name);
  if (problem) {
    throw new Error(`Cannot create the service "${options.name}": ${problem}.`);
  }
  if (go && spawnSync('go', ['version']).status !== 0) {
    throw new Error('Cannot create a Go service: Go is not on PATH (install Go >= 1.26 from https://go.dev/dl).');
  }
  const service = serviceNames(options.name);
  const { name, pkg } = service;
  const substitutions = {
    ...service,
    tmpl: '',
    version: readJson(tree, 'apps/server/package.json').version,
    languageName: go ? 'Go' : 'TypeScript',
    memoryRequest: go ? '32Mi' : '64Mi',
    memoryLimit: go ? '128Mi' : '256Mi',
  };
  // From the workspace root rather than __dirname: Nx may load this file as an ES module.
  const files = join(workspaceRoot, 'tools/src/generators/service/files');
  const snippet = (file: string) =>
    readFileSync(join(files, 'snippets', `${file}__tmpl__`), 'utf8').replace(/<%= (\w+) %>/g, (_, key: string) =>
      String(substitutions[key as keyof typeof substitutions]),
    );

  generateFiles(tree, join(files, 'common'), '.', substitutions);
  generateFiles(tree, join(files, language), '.', substitutions);

  updateJson(tree, 'libs/proto/package.json', (proto) => {
    const { ['./package.json']: manifest, ...exports } = proto.exports;
    const stub = `./src/gen/${pkg}/v1/${pkg}_pb.ts`;
    proto.exports = { ...exports, [`./${pkg}/v1`]: { types: stub, default: stub }, './package.json': manifest };
    return proto;
  });
  updateJson(tree, 'nx.json', (nx) => {
    nx.release.groups[name] = {
      projects: [`@protomesh/${name}`],
      docker: { repositoryName: `protomesh/${name}`, versionSchemes: { release: '{versionActionsVersion}' } },
    };
    return nx;
  });
  if (!go) {
    updateJson(tree, 'tsconfig.json', (tsconfig) => {
      tsconfig.references.push({ path: `./apps/${name}` });
      return tsconfig;
    });
  }
  tree.write('.dockerignore', `${tree.read('.dockerignore', 'utf-8') ?? ''}${snippet(`dockerignore-${language}`)}`);
  tree.write(VALUES, withServiceEntry(tree.read(VALUES, 'utf-8') ?? '', snippet('values.yaml')));

  return () => {
    const run = (command: string, args: string[], cwd = tree.root) =>
      execFileSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, GOFLAGS: '-mod=mod' } });
    // The TypeScript stubs of every proto (the root buf.gen.yaml, what @protomesh/proto:generate runs).
    run(join(tree.root, 'node_modules/.bin/buf'), ['generate']);
    if (go) {
      run(join(tree.root, 'tools/scripts/go-target.sh'), [`apps/${name}`, 'generate']);
      run('go', ['mod', 'tidy'], join(tree.root, 'apps', name));
    }
    // The workspace's code style, whatever the length of the names put into the templates.
    run(join(tree.root, 'node_modules/.bin/prettier'), ['--write', '--log-level=warn', `apps/${name}`]);
    // A new workspace package: the lock file must list it, or `npm ci` refuses to run.
    run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund']);
  };
}

/** values.yaml with `entry` (indented lines) appended to the `services:` map, comments kept. */
export function withServiceEntry(values: string, entry: string): string {
  const lines = values.split('\n');
  const start = lines.indexOf('services:');
  let end = start < 0 ? -1 : lines.findIndex((line, index) => index > start && /^[^\s#]/.test(line));
  if (end < 0) {
    throw new Error('values.yaml has no top-level services: map followed by another key');
  }
  while (end > start + 1 && /^(#.*)?$/.test(lines[end - 1])) {
    end -= 1; // the blank and comment lines that introduce the next top-level key
  }
  return [...lines.slice(0, end), ...entry.trimEnd().split('\n'), ...lines.slice(end)].join('\n');
}

export default serviceGenerator;
