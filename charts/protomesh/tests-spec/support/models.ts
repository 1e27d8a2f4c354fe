import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { Manifest } from './helm.ts';
import { podMonitorViolations } from './pod-monitor.ts';

interface ModelInfo {
  /** Validates against the model's JSON schema (types, enums, required fields); throws on a violation. */
  readonly validate: (doc: Manifest) => void;
  /** The module and interface whose TypeScript type describes the object (for the unknown-field check). */
  readonly module: string;
  readonly type: string;
}

function model(Model: new (data: never) => { validate(): void }, module: string, type: string): ModelInfo {
  return { validate: (doc) => new Model(doc as never).validate(), module, type };
}

/**
 * Every kind the chart may render, by `apiVersion/kind`. A kind missing here
 * fails the suite, so a new template cannot slip past validation.
 */
export const models: Readonly<Record<string, ModelInfo>> = {
  'apps/v1/Deployment': model(Deployment, 'kubernetes-models/apps/v1/Deployment', 'IDeployment'),
  'v1/Service': model(Service, 'kubernetes-models/v1/Service', 'IService'),
  'v1/ServiceAccount': model(ServiceAccount, 'kubernetes-models/v1/ServiceAccount', 'IServiceAccount'),
  'v1/Pod': model(Pod, 'kubernetes-models/v1/Pod', 'IPod'),
  'v1/ConfigMap': model(ConfigMap, 'kubernetes-models/v1/ConfigMap', 'IConfigMap'),
  'policy/v1/PodDisruptionBudget': model(
    PodDisruptionBudget,
    'kubernetes-models/policy/v1/PodDisruptionBudget',
    'IPodDisruptionBudget',
  ),
  'networking.istio.io/v1/VirtualService': model(
    VirtualService,
    '@kubernetes-models/istio/networking.istio.io/v1/VirtualService',
    'IVirtualService',
  ),
  'networking.istio.io/v1/DestinationRule': model(
    DestinationRule,
    '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule',
    'IDestinationRule',
  ),
  'security.istio.io/v1/PeerAuthentication': model(
    PeerAuthentication,
    '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication',
    'IPeerAuthentication',
  ),
  'security.istio.io/v1/AuthorizationPolicy': model(
    AuthorizationPolicy,
    '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy',
    'IAuthorizationPolicy',
  ),
  'monitoring.coreos.com/v1/PodMonitor': {
    // The model checks the schema; what it lets through but Prometheus would
    // not take, or what would select nothing, is checked by pod-monitor.ts.
    validate: (doc) => {
      new PodMonitor(doc as never).validate();
      const violations = podMonitorViolations(doc);
      if (violations.length > 0) {
        throw new Error(violations.join('; '));
      }
    },
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
    type: 'IPodMonitor',
  },
};

export function modelOf(doc: Manifest): ModelInfo {
  const info = models[`${doc.apiVersion}/${doc.kind}`];
  if (!info) {
    throw new Error(
      `no model for ${doc.apiVersion} ${doc.kind} (${doc.metadata.name}): add it to tests-spec/support/models.ts`,
    );
  }
  return info;
}
