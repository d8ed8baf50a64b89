// SPDX-License-Identifier: Apache-2.0
// fields: the ordered names of a stream's values, as Storm's Fields.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tempest {

class fields {
  public:
    fields() = default;
    fields(std::initializer_list<std::string> names) : _names(names) {}
    explicit fields(std::vector<std::string> names) : _names(std::move(names)) {}

    std::size_t size() const noexcept { return _names.size(); }
    bool empty() const noexcept { return _names.empty(); }
    const std::string& operator[](std::size_t i) const { return _names[i]; }
    auto begin() const noexcept { return _names.begin(); }
    auto end() const noexcept { return _names.end(); }
    const std::vector<std::string>& names() const noexcept { return _names; }

    // Position of `name`, or -1.
    int index_of(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < _names.size(); ++i) {
            if (_names[i] == name) {
                return static_cast<int>(i);
            }
        }
        return -1;
    }
    bool contains(std::string_view name) const noexcept { return index_of(name) >= 0; }

    // "[word, count]"
    std::string to_string() const;

    friend bool operator==(const fields&, const fields&) = default;

  private:
    std::vector<std::string> _names;
};

}  // namespace tempest
