#!/usr/bin/python3
"""An outside client of Ketenregie: Debian's python3-grpcio and
python3-protobuf, not our code, with the message modules protoc generates
from proto/. It sends two requests a trajectory service refuses and prints,
as JSON, what it reads of each refusal's google.rpc details
(grpc-status-details-bin): ErrorInfo, the fields of BadRequest and the
Dutch LocalizedMessage.

  read_error_details.py --generated DIR --address HOST:PORT --certs DIR \
      --organisation ORG --actor USER --trajectory ID --etag ETAG
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser()
    for name in ("generated", "address", "certs", "organisation", "actor", "trajectory", "etag"):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.generated)

    import grpc
    from google.rpc import error_details_pb2, status_pb2
    from ketenregie.trajectory.v1 import trajectory_pb2 as pb

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.certs + "/ca.pem"),
        private_key=read(args.certs + "/" + args.organisation + ".key"),
        certificate_chain=read(args.certs + "/" + args.organisation + ".pem"))
    channel = grpc.secure_channel(args.address, credentials)

    def call(method, request, response_type):
        stub = channel.unary_unary(
            "/ketenregie.trajectory.v1.TrajectoryService/" + method,
            request_serializer=request.__class__.SerializeToString,
            response_deserializer=response_type.FromString)
        try:
            stub(request, metadata=[("x-actor", args.actor)], timeout=10)
        except grpc.RpcError as error:
            return details_of(error)
        return {"code": "OK"}

    def details_of(error):
        read = {"code": error.code().name, "fields": []}
        for key, value in error.trailing_metadata() or ():
            if key != "grpc-status-details-bin":
                continue
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                bad = error_details_pb2.BadRequest()
                message = error_details_pb2.LocalizedMessage()
                if detail.Unpack(info):
                    read["reason"] = info.reason
                    read["domain"] = info.domain
                elif detail.Unpack(bad):
                    read["fields"] = [v.field for v in bad.field_violations]
                elif detail.Unpack(message):
                    read["locale"] = message.locale
                    read["dutch"] = message.message
        return read

    bad = pb.RegisterPersonRequest(request_id="python-1", signal_id="not-a-uuid")
    bad.identity.given_name = "x" * 201
    refused = pb.DecideRouteRequest(request_id="python-2", trajectory_id=args.trajectory,
                                    etag=args.etag, route=pb.ROUTE_B_ACTIVE)
    print(json.dumps({
        "bad_input": call("RegisterPerson", bad, pb.RegisterPersonResponse),
        "rule": call("DecideRoute", refused, pb.Trajectory),
    }))


if __name__ == "__main__":
    main()
