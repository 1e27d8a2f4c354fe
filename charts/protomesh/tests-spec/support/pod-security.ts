/** The parts of a Pod spec the "restricted" Pod Security Standard looks at. */
export interface PodSpecLike {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: SecurityContextLike;
  readonly volumes?: readonly Record<string, unknown>[];
  readonly containers: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
}

export interface SecurityContextLike {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
}

export interface ContainerLike {
  readonly name: string;
  readonly securityContext?: SecurityContextLike;
  readonly ports?: readonly { readonly hostPort?: number }[];
  readonly resources?: {
    readonly requests?: Readonly<Record<string, unknown>>;
    readonly limits?: Readonly<Record<string, unknown>>;
  };
}

const ISTIO_PROXY_UID = 1337;
const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * Every way a pod falls short of Pod Security "restricted"
 * (kubernetes.io/docs/concepts/security/pod-security-standards), plus what
 * the common scorers add: a read-only root filesystem, CPU and memory
 * requests and limits, and never Istio's proxy UID. Empty when it complies.
 */
export function restrictedViolations(pod: PodSpecLike): string[] {
  const violations: string[] = [];
  const podContext = pod.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[field]) {
      violations.push(`pod: ${field} must not be true`);
    }
  }
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type && !RESTRICTED_VOLUME_TYPES.has(type)) {
      violations.push(`pod: volume ${String(volume['name'])} of type ${type} is not allowed`);
    }
  }
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const where = `container ${container.name}`;
    const context = container.securityContext ?? {};
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) {
      violations.push(`${where}: runAsNonRoot must be true`);
    }
    const uid = context.runAsUser ?? podContext.runAsUser;
    if (uid === undefined || uid === 0 || uid === ISTIO_PROXY_UID) {
      violations.push(`${where}: runAsUser must be set, non-zero and not ${ISTIO_PROXY_UID}, got ${uid}`);
    }
    const seccomp = (context.seccompProfile ?? podContext.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      violations.push(`${where}: seccompProfile.type must be RuntimeDefault or Localhost, got ${seccomp}`);
    }
    if (context.allowPrivilegeEscalation !== false) {
      violations.push(`${where}: allowPrivilegeEscalation must be false`);
    }
    if (context.privileged === true) {
      violations.push(`${where}: privileged must not be true`);
    }
    if (!context.capabilities?.drop?.includes('ALL')) {
      violations.push(`${where}: capabilities.drop must include ALL`);
    }
    const added = (context.capabilities?.add ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE');
    if (added.length > 0) {
      violations.push(`${where}: capabilities.add may only hold NET_BIND_SERVICE, got ${added.join(', ')}`);
    }
    if (context.readOnlyRootFilesystem !== true) {
      violations.push(`${where}: readOnlyRootFilesystem must be true`);
    }
    if ((container.ports ?? []).some((port) => port.hostPort !== undefined)) {
      violations.push(`${where}: hostPort must not be set`);
    }
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (container.resources?.[kind]?.[resource] === undefined) {
          violations.push(`${where}: resources.${kind}.${resource} must be set`);
        }
      }
    }
  }
  return violations;
}
