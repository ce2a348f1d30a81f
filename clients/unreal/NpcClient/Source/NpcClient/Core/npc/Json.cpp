#include "npc/Json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace npc {

namespace {

const std::string kEmptyString;
const JsonValue::Array kEmptyArray;
const JsonValue::Object kEmptyObject;
const JsonValue kNull;
constexpr int kMaxDepth = 64;  // the server's messages nest 4 deep; a hostile text must not recurse forever

class Reader {
public:
    explicit Reader(const std::string& text) : s_(text) {}

    bool document(JsonValue& out, std::string& error) {
        skipSpace();
        if (!value(out, 0)) {
            error = error_ + " at byte " + std::to_string(pos_);
            return false;
        }
        skipSpace();
        if (pos_ != s_.size()) {
            error = "unexpected text after the JSON value at byte " + std::to_string(pos_);
            return false;
        }
        return true;
    }

private:
    bool fail(const char* why) {
        error_ = why;
        return false;
    }

    void skipSpace() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    }

    bool literal(const char* word) {
        std::size_t n = 0;
        while (word[n] != '\0') ++n;
        if (s_.compare(pos_, n, word) != 0) return fail("invalid literal");
        pos_ += n;
        return true;
    }

    bool value(JsonValue& out, int depth) {
        if (depth > kMaxDepth) return fail("JSON nested too deeply");
        if (pos_ >= s_.size()) return fail("unexpected end of text");
        const char c = s_[pos_];
        if (c == '{') return object(out, depth);
        if (c == '[') return array(out, depth);
        if (c == '"') {
            std::string str;
            if (!string(str)) return false;
            out = JsonValue(std::move(str));
            return true;
        }
        if (c == 't') return literal("true") && (out = JsonValue(true), true);
        if (c == 'f') return literal("false") && (out = JsonValue(false), true);
        if (c == 'n') return literal("null") && (out = JsonValue(), true);
        return number(out);
    }

    bool object(JsonValue& out, int depth) {
        ++pos_;
        JsonValue::Object members;
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            out = JsonValue(std::move(members));
            return true;
        }
        while (true) {
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
            std::string key;
            if (!string(key)) return false;
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
            ++pos_;
            skipSpace();
            JsonValue member;
            if (!value(member, depth + 1)) return false;
            members[key] = std::move(member);
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                out = JsonValue(std::move(members));
                return true;
            }
            return fail("expected ',' or '}'");
        }
    }

    bool array(JsonValue& out, int depth) {
        ++pos_;
        JsonValue::Array items;
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            out = JsonValue(std::move(items));
            return true;
        }
        while (true) {
            skipSpace();
            JsonValue item;
            if (!value(item, depth + 1)) return false;
            items.push_back(std::move(item));
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                out = JsonValue(std::move(items));
                return true;
            }
            return fail("expected ',' or ']'");
        }
    }

    bool hex4(unsigned& code) {
        if (pos_ + 4 > s_.size()) return fail("short \\u escape");
        code = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = s_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
            else return fail("bad hex digit in \\u escape");
        }
        return true;
    }

    static void appendUtf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    bool string(std::string& out) {
        ++pos_;  // the opening quote
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) break;
            const char e = s_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned code = 0;
                    if (!hex4(code)) return false;
                    if (code >= 0xD800 && code < 0xDC00) {  // a surrogate pair
                        unsigned low = 0;
                        if (s_.compare(pos_, 2, "\\u") != 0) return fail("lone high surrogate");
                        pos_ += 2;
                        if (!hex4(low)) return false;
                        if (low < 0xDC00 || low >= 0xE000) return fail("bad low surrogate");
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    } else if (code >= 0xDC00 && code < 0xE000) {
                        return fail("lone low surrogate");
                    }
                    appendUtf8(out, code);
                    break;
                }
                default: return fail("bad escape in a string");
            }
        }
        return fail("unterminated string");
    }

    bool number(JsonValue& out) {
        const std::size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        if (pos_ >= s_.size() || !isDigit(s_[pos_])) return fail("invalid value");
        if (s_[pos_] == '0') ++pos_;
        else while (pos_ < s_.size() && isDigit(s_[pos_])) ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (pos_ >= s_.size() || !isDigit(s_[pos_])) return fail("digits expected after '.'");
            while (pos_ < s_.size() && isDigit(s_[pos_])) ++pos_;
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (pos_ >= s_.size() || !isDigit(s_[pos_])) return fail("digits expected in the exponent");
            while (pos_ < s_.size() && isDigit(s_[pos_])) ++pos_;
        }
        // strtod reads the C locale's decimal point; JSON's is always '.', which the
        // C++ runtime of a game does not change.
        out = JsonValue(std::strtod(s_.substr(start, pos_ - start).c_str(), nullptr));
        return true;
    }

    static bool isDigit(char c) { return c >= '0' && c <= '9'; }

    const std::string& s_;
    std::size_t pos_ = 0;
    std::string error_;
};

void writeNumber(std::string& out, double n) {
    if (!std::isfinite(n)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    char buffer[32];
    if (n == std::floor(n) && std::fabs(n) < 1e15) {
        std::snprintf(buffer, sizeof buffer, "%.0f", n);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.17g", n);
    }
    out += buffer;
}

void writeString(std::string& out, const std::string& s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buffer;
                } else {
                    out += c;  // UTF-8 passes through as it is
                }
        }
    }
    out += '"';
}

}  // namespace

JsonValue::JsonValue(Array a) : kind_(Kind::Array), array_(new Array(std::move(a))) {}
JsonValue::JsonValue(Object o) : kind_(Kind::Object), object_(new Object(std::move(o))) {}

JsonValue::JsonValue(const JsonValue& other)
    : kind_(other.kind_), bool_(other.bool_), number_(other.number_), string_(other.string_),
      array_(other.array_ ? new Array(*other.array_) : nullptr),
      object_(other.object_ ? new Object(*other.object_) : nullptr) {}

JsonValue& JsonValue::operator=(const JsonValue& other) {
    if (this != &other) {
        JsonValue copy(other);
        *this = std::move(copy);
    }
    return *this;
}

int JsonValue::asInt(int fallback) const {
    if (!isNumber() || !std::isfinite(number_) || std::fabs(number_) > 2e9) return fallback;
    return static_cast<int>(std::lround(number_));
}

const std::string& JsonValue::asString() const { return isString() ? string_ : kEmptyString; }
const JsonValue::Array& JsonValue::asArray() const { return array_ ? *array_ : kEmptyArray; }
const JsonValue::Object& JsonValue::asObject() const { return object_ ? *object_ : kEmptyObject; }

const JsonValue& JsonValue::operator[](const std::string& key) const {
    if (!object_) return kNull;
    const auto found = object_->find(key);
    return found == object_->end() ? kNull : found->second;
}

bool JsonValue::has(const std::string& key) const { return object_ && object_->count(key) > 0; }

JsonValue& JsonValue::set(const std::string& key, JsonValue value) {
    if (!object_) *this = JsonValue(Object{});
    (*object_)[key] = std::move(value);
    return *this;
}

JsonValue& JsonValue::push(JsonValue value) {
    if (!array_) *this = JsonValue(Array{});
    array_->push_back(std::move(value));
    return *this;
}

std::string JsonValue::dump() const {
    std::string out;
    write(out);
    return out;
}

void JsonValue::write(std::string& out) const {
    switch (kind_) {
        case Kind::Null: out += "null"; break;
        case Kind::Bool: out += bool_ ? "true" : "false"; break;
        case Kind::Number: writeNumber(out, number_); break;
        case Kind::String: writeString(out, string_); break;
        case Kind::Array: {
            out += '[';
            bool first = true;
            for (const auto& item : *array_) {
                if (!first) out += ',';
                first = false;
                item.write(out);
            }
            out += ']';
            break;
        }
        case Kind::Object: {
            out += '{';
            bool first = true;
            for (const auto& member : *object_) {
                if (!first) out += ',';
                first = false;
                writeString(out, member.first);
                out += ':';
                member.second.write(out);
            }
            out += '}';
            break;
        }
    }
}

bool parseJson(const std::string& text, JsonValue& out, std::string& error) {
    Reader reader(text);
    JsonValue value;
    if (!reader.document(value, error)) return false;
    out = std::move(value);
    return true;
}

std::string quoteJson(const std::string& s) {
    std::string out;
    writeString(out, s);
    return out;
}

}  // namespace npc
