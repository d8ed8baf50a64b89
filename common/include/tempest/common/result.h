// SPDX-License-Identifier: Apache-2.0
// result<T>: a value of T or a std::error_code, returned by operations whose failure is expected
// (a missing node, a lost connection) instead of throwing. result<void> carries only the error.
//
//   auto r = state.get("/tempest/storms/wc-1");
//   if (!r) { return r.error(); }       // e.g. errc::no_node
//   use(r->data);
#pragma once

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace tempest::common {

template <typename T>
class [[nodiscard]] result {
  public:
    template <typename U = T>
    requires std::is_constructible_v<T, U&&> &&(!std::is_same_v<std::remove_cvref_t<U>, result>)&&(
        !std::is_error_code_enum_v<
            std::remove_cvref_t<U>>)&&(!std::is_same_v<std::remove_cvref_t<U>, std::error_code>)
        result(U&& v)
        : _v(std::in_place_index<0>, std::forward<U>(v)) {}
    result(std::error_code ec) : _v(std::in_place_index<1>, ec) {}
    template <typename E>
    requires std::is_error_code_enum_v<E> result(E e)
        : _v(std::in_place_index<1>, make_error_code(e)) {}

    bool has_value() const noexcept { return _v.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    // The value; throws std::system_error holding the error when there is none.
    T& value() & {
        check();
        return std::get<0>(_v);
    }
    const T& value() const& {
        check();
        return std::get<0>(_v);
    }
    T&& value() && {
        check();
        return std::get<0>(std::move(_v));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // The error, or a default (success) error_code when there is a value.
    std::error_code error() const noexcept {
        return has_value() ? std::error_code() : std::get<1>(_v);
    }

  private:
    void check() const {
        if (!has_value()) {
            throw std::system_error(std::get<1>(_v));
        }
    }
    std::variant<T, std::error_code> _v;
};

template <>
class [[nodiscard]] result<void> {
  public:
    result() = default;
    result(std::error_code ec) : _ec(ec) {}
    template <typename E>
    requires std::is_error_code_enum_v<E> result(E e) : _ec(make_error_code(e)) {}

    bool has_value() const noexcept { return !_ec; }
    explicit operator bool() const noexcept { return has_value(); }
    // Throws std::system_error holding the error, if any.
    void value() const {
        if (_ec) {
            throw std::system_error(_ec);
        }
    }
    std::error_code error() const noexcept { return _ec; }

  private:
    std::error_code _ec;
};

}  // namespace tempest::common
