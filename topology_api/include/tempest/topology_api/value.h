// SPDX-License-Identifier: Apache-2.0
// value: one owned value of Tempest's closed set of types (null, bool, int64, double, string,
// bytes, list). Used where values are kept rather than streamed: constructor arguments, config,
// and generic access to a tuple field. Tuples themselves hold values encoded (see values.h).
#pragma once

#include <concepts>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tempest {

enum class value_type : std::uint8_t {
    null = 0,
    boolean = 1,
    int64 = 2,
    float64 = 3,
    string = 4,
    bytes = 5,
    list = 6,
};

std::string_view to_string(value_type t) noexcept;

// Raised when a value or tuple field is read as a type it does not hold, or an index is out of
// range. In a component this becomes a reported error and a failed tuple, as in Storm.
class type_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Binary blob, distinct from string so that both survive a round trip through the encoding.
struct bytes {
    std::string data;
    friend bool operator==(const bytes&, const bytes&) = default;
};

class value {
  public:
    using list = std::vector<value>;

    value() noexcept = default;
    value(std::nullptr_t) noexcept {}
    value(bool b) noexcept : _v(b) {}
    template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>) value(T i)
    noexcept : _v(static_cast<std::int64_t>(i)) {}
    template <std::floating_point T>
    value(T d) noexcept : _v(static_cast<double>(d)) {}
    value(std::string s) : _v(std::move(s)) {}
    value(std::string_view s) : _v(std::string(s)) {}
    value(const char* s) : _v(std::string(s)) {}
    value(bytes b) : _v(std::move(b)) {}
    value(list l) : _v(std::move(l)) {}

    value_type type() const noexcept { return static_cast<value_type>(_v.index()); }
    bool is_null() const noexcept { return _v.index() == 0; }

    // Typed reads; each throws type_error naming the expected and the actual type.
    bool as_bool() const;
    std::int64_t as_int() const;
    double as_double() const;  // an int64 widens to double
    const std::string& as_string() const;
    const bytes& as_bytes() const;
    const list& as_list() const;

    // A short readable form, e.g. `"fox"`, `42`, `[1, "a"]`.
    std::string to_string() const;

    friend bool operator==(const value&, const value&) = default;

  private:
    std::variant<std::monostate, bool, std::int64_t, double, std::string, bytes, list> _v;
};

}  // namespace tempest
