#pragma once

/// Bad-input tests as tables: a valid request, and rows that each spoil it
/// and name the fields the refusal must list in its BadRequest.

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"

namespace ketenregie::testing {

/// One row: what spoils the valid request, and every field the refusal
/// names (two spoiled fields → two names).
template <typename Request>
struct BadInput {
  std::function<void(Request&)> spoil;
  std::vector<std::string> fields;
};

/// Sends `valid` spoiled by each row through `send` (a request → the
/// status) and expects INVALID_ARGUMENT naming exactly the row's fields.
template <typename Request, typename Send>
void ExpectBadInput(const Request& valid, const Send& send,
                    const std::vector<BadInput<Request>>& rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Request request = valid;
    rows[i].spoil(request);
    EXPECT_TRUE(BadFields(send(request), rows[i].fields))
        << Request::descriptor()->name() << ", row " << i;
  }
}

/// `send` for ExpectBadInput: calls `method` of `stub` as `actor`.
template <typename Stub, typename Request, typename Response>
auto Sending(Stub& stub,
             grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
             std::string actor) {
  return [&stub, method, actor = std::move(actor)](const Request& request) {
    Response response;
    return (stub.*method)(ContextAs(actor).get(), request, &response);
  };
}

}  // namespace ketenregie::testing
