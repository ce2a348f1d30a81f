// A small JSON reader and writer, so the core needs nothing beyond the base class library
// (Unity ships no System.Text.Json; JsonUtility cannot read free-form objects like `args`).
//
// Values map to: object -> Dictionary<string, object>, array -> List<object>, string,
// number -> double, true/false -> bool, null -> null.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Npc.Client
{
    public sealed class JsonException : Exception
    {
        public JsonException(string message) : base(message) { }
    }

    public static class Json
    {
        /// <summary>Parse one JSON value; throws JsonException with the position on bad input.</summary>
        public static object Parse(string text)
        {
            var reader = new Reader(text);
            reader.SkipSpace();
            var value = reader.ReadValue(0);
            reader.SkipSpace();
            if (!reader.AtEnd) throw reader.Error("unexpected text after the JSON value");
            return value;
        }

        /// <summary>Write dictionaries, lists, strings, numbers, bools and null as JSON.</summary>
        public static string Write(object value)
        {
            var sb = new StringBuilder();
            WriteValue(sb, value);
            return sb.ToString();
        }

        static void WriteValue(StringBuilder sb, object value)
        {
            if (value == null) { sb.Append("null"); return; }
            if (value is string s) { WriteString(sb, s); return; }
            if (value is bool b) { sb.Append(b ? "true" : "false"); return; }
            if (value is double d) { WriteNumber(sb, d); return; }
            if (value is float f) { WriteNumber(sb, f); return; }
            if (value is int || value is long || value is short || value is byte)
            {
                sb.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                return;
            }
            if (value is IDictionary<string, object> dict)
            {
                sb.Append('{');
                var first = true;
                foreach (var pair in dict)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, pair.Key);
                    sb.Append(':');
                    WriteValue(sb, pair.Value);
                }
                sb.Append('}');
                return;
            }
            if (value is IEnumerable list)
            {
                sb.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteValue(sb, item);
                }
                sb.Append(']');
                return;
            }
            throw new JsonException("cannot write a " + value.GetType().Name + " as JSON");
        }

        static void WriteNumber(StringBuilder sb, double d)
        {
            if (double.IsNaN(d) || double.IsInfinity(d)) throw new JsonException("JSON has no NaN or infinity");
            sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        sealed class Reader
        {
            const int MaxDepth = 64;
            readonly string text;
            int pos;

            public Reader(string text) { this.text = text ?? throw new ArgumentNullException(nameof(text)); }

            public bool AtEnd { get { return pos >= text.Length; } }

            public JsonException Error(string what)
            {
                return new JsonException(what + " at character " + pos);
            }

            public void SkipSpace()
            {
                while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
            }

            public object ReadValue(int depth)
            {
                if (depth > MaxDepth) throw Error("JSON nested too deeply");
                if (AtEnd) throw Error("unexpected end of JSON");
                var c = text[pos];
                if (c == '{') return ReadObject(depth);
                if (c == '[') return ReadArray(depth);
                if (c == '"') return ReadString();
                if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                if (Match("true")) return true;
                if (Match("false")) return false;
                if (Match("null")) return null;
                throw Error("unexpected character '" + c + "'");
            }

            bool Match(string word)
            {
                if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) return false;
                pos += word.Length;
                return true;
            }

            void Expect(char c)
            {
                if (AtEnd || text[pos] != c) throw Error("expected '" + c + "'");
                pos++;
            }

            Dictionary<string, object> ReadObject(int depth)
            {
                var result = new Dictionary<string, object>();
                Expect('{');
                SkipSpace();
                if (!AtEnd && text[pos] == '}') { pos++; return result; }
                while (true)
                {
                    SkipSpace();
                    if (AtEnd || text[pos] != '"') throw Error("expected a string key");
                    var key = ReadString();
                    SkipSpace();
                    Expect(':');
                    SkipSpace();
                    result[key] = ReadValue(depth + 1);
                    SkipSpace();
                    if (!AtEnd && text[pos] == ',') { pos++; continue; }
                    Expect('}');
                    return result;
                }
            }

            List<object> ReadArray(int depth)
            {
                var result = new List<object>();
                Expect('[');
                SkipSpace();
                if (!AtEnd && text[pos] == ']') { pos++; return result; }
                while (true)
                {
                    SkipSpace();
                    result.Add(ReadValue(depth + 1));
                    SkipSpace();
                    if (!AtEnd && text[pos] == ',') { pos++; continue; }
                    Expect(']');
                    return result;
                }
            }

            string ReadString()
            {
                Expect('"');
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw Error("unterminated string");
                    var c = text[pos++];
                    if (c == '"') return sb.ToString();
                    if (c != '\\') { sb.Append(c); continue; }
                    if (AtEnd) throw Error("unterminated escape");
                    var e = text[pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (pos + 4 > text.Length) throw Error("short \\u escape");
                            int code;
                            if (!int.TryParse(text.Substring(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out code))
                                throw Error("bad \\u escape");
                            sb.Append((char)code); // surrogate pairs arrive as two escapes and join up
                            pos += 4;
                            break;
                        default: throw Error("bad escape '\\" + e + "'");
                    }
                }
            }

            double ReadNumber()
            {
                var start = pos;
                if (text[pos] == '-') pos++;
                while (!AtEnd && "0123456789.eE+-".IndexOf(text[pos]) >= 0) pos++;
                double value;
                if (!double.TryParse(text.Substring(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                    throw Error("bad number");
                return value;
            }
        }
    }

    /// <summary>Typed reads from a parsed JSON object, with defaults for missing fields.</summary>
    public static class JsonFields
    {
        public static string Str(IDictionary<string, object> o, string key, string fallback = "")
        {
            object v;
            return o.TryGetValue(key, out v) && v is string s ? s : fallback;
        }

        public static double Num(IDictionary<string, object> o, string key, double fallback = 0)
        {
            object v;
            return o.TryGetValue(key, out v) && v is double d ? d : fallback;
        }

        public static int Int(IDictionary<string, object> o, string key, int fallback = 0)
        {
            object v;
            return o.TryGetValue(key, out v) && v is double d ? (int)d : fallback;
        }

        public static bool Bool(IDictionary<string, object> o, string key, bool fallback = false)
        {
            object v;
            return o.TryGetValue(key, out v) && v is bool b ? b : fallback;
        }

        public static IDictionary<string, object> Obj(IDictionary<string, object> o, string key)
        {
            object v;
            return o.TryGetValue(key, out v) ? v as IDictionary<string, object> : null;
        }

        public static IList<object> List(IDictionary<string, object> o, string key)
        {
            object v;
            return o.TryGetValue(key, out v) ? v as IList<object> : null;
        }
    }
}
