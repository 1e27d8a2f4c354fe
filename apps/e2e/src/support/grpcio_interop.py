"""Calls a greeter server with Python grpcio and prints what it saw, as JSON.

Run by python-interop.spec.ts with Debian's interpreter (/usr/bin/python3,
packages python3-grpcio and python3-protobuf):

    /usr/bin/python3 grpcio_interop.py HOST:PORT DESCRIPTOR_SET...

No generated code: the message classes are built at run time from
FileDescriptorSets that `buf build` made from the same protos (proto/ and the
grpc.health.v1 proto of the grpc-health-check npm package), and the calls are
grpcio's generic ones. The spec makes the assertions; this only observes.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

address, descriptor_sets = sys.argv[1], sys.argv[2:]
pool = descriptor_pool.DescriptorPool()
for path in descriptor_sets:
    with open(path, "rb") as f:
        for file in descriptor_pb2.FileDescriptorSet.FromString(f.read()).file:
            pool.Add(file)


def message_class(name):
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(name))


SayHelloRequest = message_class("greeter.v1.SayHelloRequest")
SayHelloResponse = message_class("greeter.v1.SayHelloResponse")
HealthCheckRequest = message_class("grpc.health.v1.HealthCheckRequest")
HealthCheckResponse = message_class("grpc.health.v1.HealthCheckResponse")


def unary(channel, path, request, response):
    return channel.unary_unary(
        path, request_serializer=request.SerializeToString, response_deserializer=response.FromString
    )


def outcome(call, *args, **kwargs):
    """[code name, details] of a call, the response's fields when it succeeded."""
    try:
        response = call(*args, **kwargs)
        return ["OK", response.message if hasattr(response, "message") else str(response)]
    except grpc.RpcError as error:
        return [error.code().name, error.details()]


channel = grpc.insecure_channel(address)
say_hello = unary(channel, "/greeter.v1.GreeterService/SayHello", SayHelloRequest, SayHelloResponse)
check = unary(channel, "/grpc.health.v1.Health/Check", HealthCheckRequest, HealthCheckResponse)
watch = channel.unary_stream(
    "/grpc.health.v1.Health/Watch",
    request_serializer=HealthCheckRequest.SerializeToString,
    response_deserializer=HealthCheckResponse.FromString,
)
say_goodbye = unary(channel, "/greeter.v1.GreeterService/SayGoodbye", SayHelloRequest, SayHelloResponse)
status_name = HealthCheckResponse.ServingStatus.Name

seen = {}
response, call = say_hello.with_call(SayHelloRequest(name="Python"), timeout=5)
headers = dict(call.initial_metadata())
seen["sayHello"] = {
    "message": response.message,
    "x-server-instance": headers.get("x-server-instance"),
    "x-server-version": headers.get("x-server-version"),
}
seen["emptyName"] = outcome(say_hello, SayHelloRequest(name=""), timeout=5)
seen["name257"] = outcome(say_hello, SayHelloRequest(name="\U0001F600" * 257), timeout=5)
seen["name256"] = outcome(say_hello, SayHelloRequest(name="\U0001F600" * 256), timeout=5)
seen["check"] = {
    service: status_name(check(HealthCheckRequest(service=service), timeout=5).status)
    for service in ("", "greeter.v1.GreeterService")
}
seen["checkUnknown"] = outcome(check, HealthCheckRequest(service="no.such.Service"), timeout=5)[0]
stream = watch(HealthCheckRequest(service=""), timeout=5)
seen["watchFirst"] = status_name(next(stream).status)
stream.cancel()
seen["unknownMethod"] = outcome(say_goodbye, SayHelloRequest(name="x"), timeout=5)[0]
# 4 MiB + 1 byte on the wire (tag, 4-byte length, 4 MiB - 4 of text): over the
# servers' receive cap. This channel itself sends and receives without limits.
unlimited = grpc.insecure_channel(
    address, options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
)
seen["oversized"] = outcome(
    unary(unlimited, "/greeter.v1.GreeterService/SayHello", SayHelloRequest, SayHelloResponse),
    SayHelloRequest(name="x" * (4 * 1024 * 1024 - 4)),
    timeout=10,
)[0]
# A deadline beyond the default MAX_DEADLINE (5m).
seen["deadline400s"] = outcome(say_hello, SayHelloRequest(name="patient"), timeout=400)[0]
print(json.dumps(seen))
