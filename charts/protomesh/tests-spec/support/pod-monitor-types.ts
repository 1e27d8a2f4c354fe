import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';

/*
 * No installed package models monitoring.coreos.com (kubernetes-models and
 * @kubernetes-models/istio do not; @kubernetes-models/prometheus-operator is
 * not installed). So the PodMonitor's fields are transcribed here from the
 * Prometheus Operator's Go API (pkg/apis/monitoring/v1: PodMonitorSpec,
 * PodMetricsEndpoint, RelabelConfig) for the unknown-field check. This file
 * holds types only: that check compiles it on its own.
 */

type ObjectMeta = NonNullable<IDeployment['metadata']>;
type LabelSelector = NonNullable<IDeployment['spec']>['selector'];

export type RelabelAction =
  | 'replace'
  | 'Replace'
  | 'keep'
  | 'Keep'
  | 'drop'
  | 'Drop'
  | 'hashmod'
  | 'HashMod'
  | 'labelmap'
  | 'LabelMap'
  | 'labeldrop'
  | 'LabelDrop'
  | 'labelkeep'
  | 'LabelKeep'
  | 'lowercase'
  | 'Lowercase'
  | 'uppercase'
  | 'Uppercase'
  | 'keepequal'
  | 'KeepEqual'
  | 'dropequal'
  | 'DropEqual';

export interface IRelabelConfig {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  modulus?: number;
  replacement?: string;
  action?: RelabelAction;
}

export interface IPodMetricsEndpoint {
  port?: string;
  targetPort?: string | number;
  path?: string;
  scheme?: 'http' | 'https';
  params?: Record<string, string[]>;
  interval?: string;
  scrapeTimeout?: string;
  tlsConfig?: Record<string, unknown>;
  bearerTokenSecret?: { name?: string; key: string; optional?: boolean };
  honorLabels?: boolean;
  honorTimestamps?: boolean;
  trackTimestampsStaleness?: boolean;
  basicAuth?: Record<string, unknown>;
  oauth2?: Record<string, unknown>;
  authorization?: Record<string, unknown>;
  metricRelabelings?: IRelabelConfig[];
  relabelings?: IRelabelConfig[];
  proxyUrl?: string;
  followRedirects?: boolean;
  enableHttp2?: boolean;
  filterRunning?: boolean;
}

export interface IPodMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PodMonitor';
  metadata: ObjectMeta;
  spec: {
    jobLabel?: string;
    podTargetLabels?: string[];
    podMetricsEndpoints?: IPodMetricsEndpoint[];
    selector: LabelSelector;
    namespaceSelector?: { any?: boolean; matchNames?: string[] };
    sampleLimit?: number;
    targetLimit?: number;
    scrapeProtocols?: string[];
    labelLimit?: number;
    labelNameLengthLimit?: number;
    labelValueLengthLimit?: number;
    keepDroppedTargets?: number;
    attachMetadata?: { node?: boolean };
    scrapeClass?: string;
  };
}
