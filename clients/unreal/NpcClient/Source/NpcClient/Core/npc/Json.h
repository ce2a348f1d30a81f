// A small JSON value, reader and writer for the wire protocol (no engine, no exceptions).
//
// Numbers are doubles; objects keep their keys sorted (std::map). Parse() never throws: it
// returns false and says where the text went wrong.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace npc {

class JsonValue {
public:
    enum class Kind { Null, Bool, Number, String, Array, Object };
    using Array = std::vector<JsonValue>;
    using Object = std::map<std::string, JsonValue>;

    JsonValue() = default;
    JsonValue(std::nullptr_t) {}
    JsonValue(bool b) : kind_(Kind::Bool), bool_(b) {}
    JsonValue(double n) : kind_(Kind::Number), number_(n) {}
    JsonValue(int n) : kind_(Kind::Number), number_(n) {}
    JsonValue(std::int64_t n) : kind_(Kind::Number), number_(static_cast<double>(n)) {}
    JsonValue(const char* s) : kind_(Kind::String), string_(s) {}
    JsonValue(std::string s) : kind_(Kind::String), string_(std::move(s)) {}
    JsonValue(Array a);
    JsonValue(Object o);

    JsonValue(const JsonValue& other);
    JsonValue(JsonValue&&) noexcept = default;
    JsonValue& operator=(const JsonValue& other);
    JsonValue& operator=(JsonValue&&) noexcept = default;
    ~JsonValue() = default;

    Kind kind() const { return kind_; }
    bool isNull() const { return kind_ == Kind::Null; }
    bool isBool() const { return kind_ == Kind::Bool; }
    bool isNumber() const { return kind_ == Kind::Number; }
    bool isString() const { return kind_ == Kind::String; }
    bool isArray() const { return kind_ == Kind::Array; }
    bool isObject() const { return kind_ == Kind::Object; }

    /// The value, or the fallback when it is of another kind.
    bool asBool(bool fallback = false) const { return isBool() ? bool_ : fallback; }
    double asNumber(double fallback = 0) const { return isNumber() ? number_ : fallback; }
    int asInt(int fallback = 0) const;
    const std::string& asString() const;  // "" for other kinds
    const Array& asArray() const;         // empty for other kinds
    const Object& asObject() const;       // empty for other kinds

    /// A member of an object, or a null value when absent (or not an object).
    const JsonValue& operator[](const std::string& key) const;
    bool has(const std::string& key) const;

    /// Mutable access; turns a null value into an object or array first.
    JsonValue& set(const std::string& key, JsonValue value);
    JsonValue& push(JsonValue value);

    std::string dump() const;

private:
    void write(std::string& out) const;

    Kind kind_ = Kind::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::unique_ptr<Array> array_;
    std::unique_ptr<Object> object_;
};

/// Parse one JSON text. On failure returns false and sets error (with the byte offset).
bool parseJson(const std::string& text, JsonValue& out, std::string& error);

/// A JSON string literal, quoted and escaped.
std::string quoteJson(const std::string& s);

}  // namespace npc
