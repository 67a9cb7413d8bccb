#pragma once

/// The JSON API at /v1 (issue #13 item 6), generic: its routes are the
/// `google.api.http` annotations of the services' methods, read from the
/// proto descriptors; a request is JSON → protobuf (protobuf's json_util),
/// sent through grpc::GenericStub on behalf of the logged-in person, and
/// its answer protobuf → JSON. No method has code of its own here, and the
/// service behind decides every call itself. Errors are google.rpc.Status
/// as JSON, with the HTTP status grpc-gateway's runtime gives each code.

#include <google/protobuf/descriptor.h>
#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/web/on_behalf.h"

namespace ketenregie::web {

/// One method as /v1 serves it.
struct ApiRoute {
  /// "GET" or "POST".
  std::string http_method;
  /// The path's segments after "/v1": literals, or "{field}".
  std::vector<std::string> segments;
  /// The custom verb after ':' ("startReflectionPeriod"), or "".
  std::string verb;
  /// "GET /v1/trajectories/{id}": what the access log names.
  std::string pattern;
  /// Whether the whole request is the body ("*"); else fields come from
  /// the path and the query.
  bool body = false;
  const google::protobuf::MethodDescriptor* method = nullptr;
  /// The service's name in services.list ("trajectory"), for its channel.
  std::string service;
};

/// An HTTP answer of the API.
struct ApiAnswer {
  int status = 200;
  std::string body;
};

/// The HTTP status of a gRPC code, as grpc-gateway's runtime maps it
/// (HTTPStatusFromCode).
int HttpStatusOfCode(int grpc_code);

class JsonApi {
 public:
  /// The routes of every service of services.list. Throws
  /// std::runtime_error for an annotation it cannot serve.
  explicit JsonApi(ChannelOf channel_of);

  const std::vector<ApiRoute>& routes() const { return routes_; }

  struct Match {
    const ApiRoute* route = nullptr;
    /// The path's fields, by name.
    std::map<std::string, std::string> fields;
  };
  /// The route `http_method` `path` (without "?…") names, or nullopt.
  std::optional<Match> Find(std::string_view http_method, std::string_view path) const;

  /// Calls the matched method with `body` (JSON, for a route with a body)
  /// or `query` (its fields, for one without), as `who`.
  ApiAnswer Call(const Match& match, const std::string& body,
                 const std::multimap<std::string, std::string>& query, const OnBehalfOf& who) const;

 private:
  ChannelOf channel_of_;
  std::vector<ApiRoute> routes_;
};

/// A status as the API answers it: google.rpc.Status as JSON (the
/// details the services put in it: ErrorInfo, the Dutch LocalizedMessage,
/// BadRequest, RetryInfo), with its HTTP status (HttpStatusOfCode).
ApiAnswer StatusAnswer(const grpc::Status& status);

}  // namespace ketenregie::web
