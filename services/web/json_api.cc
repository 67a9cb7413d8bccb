#include "services/web/json_api.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/api_descriptors.h"
#include "services/common/identity.h"
#include "services/common/service_list.h"
#include "services/common/status.h"

namespace ketenregie::web {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = path.find('/', start);
    out.emplace_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return out;
}

ApiRoute RouteOf(const google::protobuf::MethodDescriptor& method, std::string_view service) {
  const google::api::HttpRule& rule = method.options().GetExtension(google::api::http);
  ApiRoute route;
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route.http_method = "GET";
      path = rule.get();
      break;
    case google::api::HttpRule::kPost:
      route.http_method = "POST";
      path = rule.post();
      break;
    default:
      throw std::runtime_error(method.full_name() + ": only GET and POST mappings are served");
  }
  if (!path.starts_with("/v1/")) {
    throw std::runtime_error(method.full_name() + ": a path outside /v1");
  }
  route.pattern = route.http_method + " " + path;
  std::string rest = path.substr(4);
  if (const auto colon = rest.rfind(':');
      colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    route.verb = rest.substr(colon + 1);
    rest.resize(colon);
  }
  route.segments = Split(rest);
  for (const std::string& segment : route.segments) {
    if (segment.starts_with("{")) {
      const std::string field = segment.substr(1, segment.size() - 2);
      const auto* found = method.input_type()->FindFieldByName(field);
      if (!segment.ends_with("}") || found == nullptr ||
          found->type() != FieldDescriptor::TYPE_STRING || found->is_repeated()) {
        throw std::runtime_error(method.full_name() + ": a path variable that is no string field");
      }
    }
  }
  if (!rule.body().empty() && rule.body() != "*") {
    throw std::runtime_error(method.full_name() + ": a body other than \"*\"");
  }
  route.body = rule.body() == "*";
  route.method = &method;
  route.service = std::string(service);
  return route;
}

// One query parameter into the JSON object that becomes the request: a
// dotted name is a nested field; a field named twice a list.
void AddQueryField(nlohmann::json& object, const google::protobuf::Descriptor& type,
                   const std::string& name, const std::string& value) {
  const google::protobuf::Descriptor* at = &type;
  nlohmann::json* into = &object;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = name.find('.', start);
    const std::string part = name.substr(start, dot == std::string::npos ? dot : dot - start);
    const FieldDescriptor* field = at == nullptr ? nullptr : at->FindFieldByName(part);
    if (field == nullptr) {
      field = at == nullptr ? nullptr : at->FindFieldByCamelcaseName(part);
    }
    if (field == nullptr) {
      throw std::invalid_argument(name);
    }
    if (dot == std::string::npos) {
      // A message whose JSON form is a string (a field mask, a time) is
      // given as that string: readMask=trajectoryId,state.
      const bool string_form = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                               (field->message_type()->full_name() == "google.protobuf.FieldMask" ||
                                field->message_type()->full_name() == "google.protobuf.Timestamp");
      if (field->is_map() ||
          (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !string_form)) {
        throw std::invalid_argument(name);
      }
      // Booleans as JSON booleans; everything else as a string, which the
      // JSON parser takes for numbers and enum names alike.
      nlohmann::json typed = value;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
        if (value != "true" && value != "false") {
          throw std::invalid_argument(name);
        }
        typed = value == "true";
      }
      nlohmann::json& slot = (*into)[field->name()];
      if (field->is_repeated()) {
        slot.push_back(typed);
      } else if (!slot.is_null()) {
        throw std::invalid_argument(name);  // one value, given twice
      } else {
        slot = typed;
      }
      return;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
      throw std::invalid_argument(name);
    }
    into = &(*into)[field->name()];
    at = field->message_type();
    start = dot + 1;
  }
}

std::string ToJson(const Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) {
    throw std::runtime_error("an answer that does not print as JSON");
  }
  return out;
}

}  // namespace

int HttpStatusOfCode(int grpc_code) {
  switch (static_cast<grpc::StatusCode>(grpc_code)) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

ApiAnswer StatusAnswer(const grpc::Status& status) {
  const grpc::Status detailed = common::WithDetails(status);
  google::rpc::Status body;
  if (detailed.error_details().empty() || !body.ParseFromString(detailed.error_details())) {
    body.set_code(detailed.error_code());
    body.set_message(detailed.error_message());
  }
  return {HttpStatusOfCode(detailed.error_code()), ToJson(body)};
}

JsonApi::JsonApi(ChannelOf channel_of) : channel_of_(std::move(channel_of)) {
  const auto descriptors = common::ApiServiceDescriptors();
  for (std::size_t i = 0; i < descriptors.size(); ++i) {
    for (int m = 0; m < descriptors[i]->method_count(); ++m) {
      const auto* method = descriptors[i]->method(m);
      if (method->options().HasExtension(google::api::http)) {
        routes_.push_back(RouteOf(*method, common::kServices[i].name));
      }
    }
  }
}

std::optional<JsonApi::Match> JsonApi::Find(std::string_view http_method,
                                            std::string_view path) const {
  if (!path.starts_with("/v1/")) {
    return std::nullopt;
  }
  std::string rest(path.substr(4));
  std::string verb;
  if (const auto colon = rest.rfind(':');
      colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    verb = rest.substr(colon + 1);
    rest.resize(colon);
  }
  const std::vector<std::string> segments = Split(rest);
  for (const ApiRoute& route : routes_) {
    if (route.http_method != http_method || route.verb != verb ||
        route.segments.size() != segments.size()) {
      continue;
    }
    Match match{&route, {}};
    bool fits = true;
    for (std::size_t i = 0; fits && i < segments.size(); ++i) {
      const std::string& want = route.segments[i];
      if (want.starts_with("{")) {
        fits = !segments[i].empty();
        match.fields[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        fits = want == segments[i];
      }
    }
    if (fits) {
      return match;
    }
  }
  return std::nullopt;
}

ApiAnswer JsonApi::Call(const Match& match, const std::string& body,
                        const std::multimap<std::string, std::string>& query,
                        const OnBehalfOf& who) const {
  const ApiRoute& route = *match.route;
  const google::protobuf::Descriptor& type = *route.method->input_type();
  std::unique_ptr<Message> request(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  if (route.body) {
    if (!google::protobuf::util::JsonStringToMessage(body.empty() ? "{}" : body, request.get(),
                                                     parse)
             .ok()) {
      // What the parser says may quote the input: the answer names the body.
      return StatusAnswer(
          common::InvalidArgument("body", common::FieldReason::kUnknownValue,
                                  "not JSON of " + type.full_name() + " (proto3 JSON mapping)"));
    }
  } else {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [name, value] : query) {
      try {
        AddQueryField(object, type, name, value);
      } catch (const std::invalid_argument&) {
        return StatusAnswer(common::InvalidArgument(name, common::FieldReason::kUnknownValue,
                                                    "no field of the request, or not one value"));
      }
    }
    if (!google::protobuf::util::JsonStringToMessage(object.dump(), request.get(), parse).ok()) {
      return StatusAnswer(common::InvalidArgument("query", common::FieldReason::kUnknownValue,
                                                  "a value that does not fit its field"));
    }
  }
  // The path names the resource, whatever the body says.
  for (const auto& [name, value] : match.fields) {
    request->GetReflection()->SetString(request.get(), type.FindFieldByName(name), value);
  }

  const auto channel = channel_of_(route.service);
  if (channel == nullptr) {
    return StatusAnswer(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, route.service + " unavailable"));
  }
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  PrepareOnBehalfCall(context, who);
  const std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer sent(&slice, 1);
  grpc::CompletionQueue queue;
  const std::string method =
      "/" + route.method->service()->full_name() + "/" + route.method->name();
  auto call = stub.PrepareUnaryCall(&context, method, sent, &queue);
  call->StartCall();
  grpc::ByteBuffer received;
  grpc::Status status;
  call->Finish(&received, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    return StatusAnswer(status);
  }
  std::vector<grpc::Slice> slices;
  if (!received.Dump(&slices).ok()) {
    return StatusAnswer(grpc::Status(grpc::StatusCode::INTERNAL, "unreadable answer"));
  }
  std::string answer_bytes;
  for (const grpc::Slice& part : slices) {
    answer_bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  std::unique_ptr<Message> response(google::protobuf::MessageFactory::generated_factory()
                                        ->GetPrototype(route.method->output_type())
                                        ->New());
  if (!response->ParseFromString(answer_bytes)) {
    return StatusAnswer(grpc::Status(grpc::StatusCode::INTERNAL, "unreadable answer"));
  }
  return {200, ToJson(*response)};
}

}  // namespace ketenregie::web
