const names = new WeakMap<object, string>();

/**
 * A method's fully-qualified name, `greeter.v1.GreeterService/SayHello`: the
 * `rpc.method` of metrics and spans, and after a `/` the procedure of logs.
 * Made once per method descriptor, since calls ask for it every time.
 */
export function fullMethodName(req: { service: { typeName: string }; method: object & { name: string } }): string {
  let name = names.get(req.method);
  if (name === undefined) {
    name = `${req.service.typeName}/${req.method.name}`;
    names.set(req.method, name);
  }
  return name;
}
