// nx release version actions for a Helm chart: the chart's manifest is
// Chart.yaml, and a release sets both its `version` and its `appVersion` (the
// image tag the chart deploys by default) to the release version, so the
// chart, the apps' package.json versions and the image tags never drift.
// CommonJS, so nx loads it without a TypeScript register hook.
const { join } = require('node:path');
const { VersionActions } = require('nx/release');

class ChartVersionActions extends VersionActions {
  validManifestFilenames = ['Chart.yaml'];

  // Prettier (singleQuote) would restyle the whole file.
  excludeManifestsFromFormatting = true;

  chartPath() {
    return join(this.projectGraphNode.data.root, 'Chart.yaml');
  }

  async readCurrentVersionFromSourceManifest(tree) {
    const version = /^version: *"?([^"\s]+)"?\s*$/m.exec(tree.read(this.chartPath(), 'utf-8'))?.[1];
    if (version === undefined) {
      throw new Error(`${this.chartPath()} has no version`);
    }
    return { currentVersion: version, manifestPath: this.chartPath() };
  }

  async readCurrentVersionFromRegistry() {
    return null;
  }

  async readCurrentVersionOfDependency() {
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    // Line edits rather than a YAML round trip, so the file keeps its comments and quoting.
    const chart = tree
      .read(this.chartPath(), 'utf-8')
      .replace(/^version: .*$/m, `version: ${newVersion}`)
      .replace(/^appVersion: .*$/m, `appVersion: "${newVersion}"`);
    tree.write(this.chartPath(), chart);
    return [`New version ${newVersion} written to ${this.chartPath()} (version and appVersion)`];
  }

  async updateProjectDependencies() {
    return [];
  }
}

module.exports = ChartVersionActions;
module.exports.default = ChartVersionActions;
