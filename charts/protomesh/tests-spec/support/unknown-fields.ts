import { join } from 'node:path';
import ts from 'typescript';
import { chartDir, type Manifest } from './helm.ts';
import { modelOf } from './models.ts';

export interface LabelledDoc {
  /** Names the document in findings, e.g. "defaults: Deployment/protomesh-server". */
  readonly label: string;
  readonly doc: Manifest;
}

export interface Finding {
  readonly label: string;
  readonly message: string;
}

/**
 * The models' validate() lets unknown fields through (their schemas allow
 * additional properties), yet a misspelt field is exactly what Kubernetes
 * and Istio silently drop. The models also ship TypeScript interfaces
 * generated from the same OpenAPI and CRD schemas, and TypeScript reports
 * every property an object literal adds to its declared type, at any depth.
 * So each document is written out as `const d: IKind = <its JSON>` in one
 * in-memory program and type-checked; every diagnostic is a finding
 * (unknown fields, and wrong types as a second opinion).
 */
export function findSchemaViolations(docs: readonly LabelledDoc[]): Finding[] {
  const fileName = join(chartDir, 'tests-spec', '__rendered_manifests__.ts');
  const imports = new Map<string, { type: string; alias: string }>();
  const starts: { line: number; label: string }[] = [];
  const body: string[] = [];
  let line = 0;
  docs.forEach(({ label, doc }, index) => {
    const { module, type } = modelOf(doc);
    if (!imports.has(module)) {
      imports.set(module, { type, alias: `${type}_${imports.size}` });
    }
    const json = JSON.stringify(doc, null, 2);
    starts.push({ line, label });
    body.push(`export const doc${index}: ${imports.get(module)?.alias} = ${json};`);
    line += json.split('\n').length;
  });
  const header = [...imports].map(
    ([module, { type, alias }]) => `import type { ${type} as ${alias} } from '${module}';`,
  );
  const source = [...header, ...body].join('\n');

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, ...rest);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);

  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0];
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) {
      return { label: diagnostic.file?.fileName ?? 'program', message };
    }
    const docLine = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - header.length;
    const owner = [...starts].reverse().find((start) => start.line <= docLine);
    const text = diagnostic.file.text.split('\n')[docLine + header.length]?.trim() ?? '';
    return { label: owner?.label ?? 'imports', message: `${message} (at ${text})` };
  });
}
