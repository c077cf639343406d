#include "dictionary.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "wire.h"

namespace crio::spdy {
namespace {

// The spec lists the dictionary as bytes; it is built from two parts. First, header
// names, methods and common values, each preceded by its length as a 32-bit
// big-endian integer, as they appear in a name/value block.
constexpr const char* kLengthPrefixed[] = {
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
};

// Then raw text: status codes and phrases, dates, content types and header values,
// with no separators and no trailing NUL.
constexpr const char kTail[] =
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information"
    "204 No Content"
    "301 Moved Permanently"
    "400 Bad Request"
    "401 Unauthorized"
    "403 Forbidden"
    "404 Not Found"
    "500 Internal Server Error"
    "501 Not Implemented"
    "503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
    "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,"
    "text/plain,text/javascript,"
    "publicprivatemax-age=gzip,deflate,sdch"
    "charset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

std::string Build() {
  std::string dictionary;
  for (const char* word : kLengthPrefixed) {
    const std::string_view text(word);
    wire::PutU32(dictionary, static_cast<std::uint32_t>(text.size()));
    dictionary.append(text);
  }
  dictionary.append(kTail, sizeof(kTail) - 1);
  return dictionary;
}

}  // namespace

absl::string_view HeaderDictionary() {
  static const std::string* const kDictionary = new std::string(Build());
  return *kDictionary;
}

}  // namespace crio::spdy
