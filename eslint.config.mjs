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
            // the generated contract depends on nothing of ours.
            // type:testing (bundle processes for the apps' suites) is imported by specs only.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:proto'] },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            { sourceTag: 'type:chart', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:testing'] },
            // Scopes: the server and client sides share only what is shared.
            { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:server', 'scope:shared'] },
            { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:client', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:deploy', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:client'] },
          ],
        },
      ],
    },
  },
];
