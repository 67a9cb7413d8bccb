#include "services/common/mutation.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include <array>

namespace ketenregie::common {

void PrepareRequestLog(pqxx::connection& connection, std::string_view schema) {
  const std::string table = std::string(schema) + ".request_log";
  // Claims the request id with a row of its own, empty until the answer is
  // known: a second call with the same id waits on that row until the first
  // commits (then finds its answer) or rolls back (then runs). One round trip
  // where a lock and a lookup took two.
  connection.prepare("request_claim",
                     "INSERT INTO " + table +
                         " (organisation_id, request_id, method, request_digest, response) "
                         "VALUES ($1, $2, $3, ''::bytea, ''::bytea) ON CONFLICT DO NOTHING "
                         "RETURNING 1 AS claimed");
  connection.prepare("request_log_find", "SELECT method, response FROM " + table +
                                             " WHERE organisation_id = $1 AND request_id = $2");
  // The digest column stays empty: the digest travels sealed with the answer.
  connection.prepare("request_log_answer", "UPDATE " + table +
                                               " SET response = $3 WHERE organisation_id = $1 "
                                               "AND request_id = $2");
}

std::string RequestDigest(std::string_view method, const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, method.data(), method.size());
  EVP_DigestUpdate(ctx, "\0", 1);
  EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
  EVP_DigestFinal_ex(ctx, digest.data(), &length);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string RequestLogContext(const std::string& organisation, const std::string& request_id) {
  return "request_log/" + organisation + "/" + request_id;
}

}  // namespace ketenregie::common
