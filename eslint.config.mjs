import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/gen/**', '**/test-output'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/jest\\.preset\\.js$'],
          depConstraints: [
            // Layers: apps wire libraries; utilities build on the contract;
            // the generated contract depends on nothing of ours. Test support
            // (type:testing) is reachable from every layer's specs; which
            // files may import it is checked below.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing', 'type:chart'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:proto'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            { sourceTag: 'type:chart', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            // Scopes: the server and client sides share only what is shared.
            { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:server', 'scope:shared'] },
            { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:client', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:deploy', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:client'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:client', 'scope:deploy'] },
          ],
        },
      ],
    },
  },
  {
    // Only specs may use test support, never product code. The e2e project,
    // the chart's test folder and the benchmark harness lift this in their own configs.
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@protomesh/testing', message: 'test support is for specs and apps/e2e only' }] },
      ],
    },
  },
];
