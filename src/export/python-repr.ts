/**
 * Python's repr() of strings and tuples of strings, as GroMo writes edge keys
 * (`str(("1@dag1", "end@dag1"))` → "('1@dag1', 'end@dag1')") and gromotion reads them back
 * with ast.literal_eval. CPython's rule (unicode_repr): single quotes unless the text holds
 * a single quote and no double quote; backslash, the quote in use, \t \n \r escaped; other
 * non-printable characters as \xNN, \uNNNN or \UNNNNNNNN; printable non-ASCII kept as is.
 */

/** Characters CPython's str.isprintable() rejects, approximately: controls, separators other than space, unassigned/format. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (NON_PRINTABLE.test(ch)) out += code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : code < 0x10000 ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** repr() of a tuple of strings: "('a', 'b')" (one element: "('a',)"). */
export function pyReprTuple(items: readonly string[]): string {
  return items.length === 1 ? `(${pyReprString(items[0])},)` : `(${items.map(pyReprString).join(", ")})`;
}
