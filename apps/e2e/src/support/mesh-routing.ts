import type { KubeObject } from '@protomesh/testing';

interface Destination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: { readonly number: number };
}
interface HttpRoute {
  readonly route: readonly { readonly destination: Destination; readonly weight?: number }[];
  readonly [key: string]: unknown;
}
interface Subset {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The rendering changed as the chart never renders it: its DestinationRule
 * also defines subset `version` (pods labelled version=`version`), and its
 * VirtualService sends every call to that subset, whether or not any pod has
 * that version (the chart refuses a weight for a version it does not deploy).
 * Everything else (hosts, ports, timeouts, faults) stays as rendered.
 */
export function routeAllTo(docs: readonly KubeObject[], version: string): KubeObject[] {
  return docs.map((doc) => {
    if (doc.kind === 'DestinationRule') {
      const spec = doc['spec'] as { readonly subsets?: readonly Subset[] };
      const subsets = spec.subsets ?? [];
      const added = subsets.some((s) => s.name === version) ? [] : [{ name: version, labels: { version } }];
      return { ...doc, spec: { ...spec, subsets: [...subsets, ...added] } };
    }
    if (doc.kind === 'VirtualService') {
      const spec = doc['spec'] as { readonly http: readonly HttpRoute[] };
      const http = spec.http.map((rule) => ({
        ...rule,
        route: [{ destination: { ...rule.route[0].destination, subset: version } }],
      }));
      return { ...doc, spec: { ...spec, http } };
    }
    return doc;
  });
}

/**
 * The rendering with its DestinationRule asking callers for Istio mTLS
 * (trafficPolicy.tls.mode ISTIO_MUTUAL). Sidecars get it automatically;
 * Istio's generator for proxyless gRPC adds client TLS only when a
 * DestinationRule says so, so a STRICT server needs it from proxyless callers.
 */
export function withIstioMutual(docs: readonly KubeObject[]): KubeObject[] {
  return docs.map((doc) =>
    doc.kind === 'DestinationRule'
      ? { ...doc, spec: { ...(doc['spec'] as object), trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } } }
      : doc,
  );
}
