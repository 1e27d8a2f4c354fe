import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartDir, renderChart } from './support/helm.ts';
import { must, named, ofKind, renderScenario, scenarioNames } from './support/scenarios.ts';

const dashboardsDir = join(chartDir, 'dashboards');
const dashboardFiles = readdirSync(dashboardsDir).filter((file) => file.endsWith('.json'));

describe('the Grafana dashboard ConfigMap', () => {
  it('is off by default, and in every scenario but the one that turns it on', async () => {
    for (const scenario of scenarioNames.filter((name) => name !== 'monitoring')) {
      expect({ scenario, configMaps: ofKind((await renderScenario(scenario)).docs, 'ConfigMap') }).toEqual({
        scenario,
        configMaps: [],
      });
    }
  });

  it("carries the Grafana sidecar's label and dashboards.annotations", async () => {
    const configMap = named<IConfigMap>((await renderScenario('monitoring')).docs, 'ConfigMap', 'protomesh-dashboards');
    expect(configMap.metadata?.labels).toMatchObject({
      grafana_dashboard: '1',
      'app.kubernetes.io/instance': 'protomesh',
    });
    expect(configMap.metadata?.annotations).toEqual({ grafana_folder: 'protomesh' });
  });

  it('holds each dashboards/*.json byte for byte, under its file name, and the JSON parses', async () => {
    const data = must(
      named<IConfigMap>((await renderScenario('monitoring')).docs, 'ConfigMap', 'protomesh-dashboards').data,
      'data',
    );
    expect(dashboardFiles).toContain('protomesh-grpc.json');
    expect(Object.keys(data).sort()).toEqual([...dashboardFiles].sort());
    for (const file of dashboardFiles) {
      const text = readFileSync(join(dashboardsDir, file), 'utf8');
      expect(data[file]).toBe(text);
      expect(JSON.parse(data[file])).toEqual(JSON.parse(text));
    }
    expect(JSON.parse(data['protomesh-grpc.json'])).toMatchObject({ uid: 'protomesh-grpc' });
  });

  it('takes other labels for a sidecar configured differently', async () => {
    const { docs } = await renderChart({
      set: {
        'dashboards.enabled': true,
        // helm's --set key=null removes a default key.
        'dashboards.labels.grafana_dashboard': 'null',
        'dashboards.labels.example\\.com/dashboard': 'grpc',
      },
    });
    const labels = named<IConfigMap>(docs, 'ConfigMap', 'protomesh-dashboards').metadata?.labels;
    expect(labels).toMatchObject({ 'example.com/dashboard': 'grpc' });
    expect(labels).not.toHaveProperty(['grafana_dashboard']);
  });
});
