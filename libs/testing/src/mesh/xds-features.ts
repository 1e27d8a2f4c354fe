/**
 * grpc-js-xds reads GRPC_XDS_EXPERIMENTAL_RBAC once, when it loads; istio-agent
 * sets it for proxyless workloads, and without it an xDS server refuses the
 * listener Istio sends (its RBAC filter carries the AuthorizationPolicy).
 * Imported before @grpc/grpc-js-xds by every module that uses it.
 */
process.env['GRPC_XDS_EXPERIMENTAL_RBAC'] ??= 'true';
