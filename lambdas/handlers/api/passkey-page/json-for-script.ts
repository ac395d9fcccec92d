/**
 * JSON to place inside a `<script type="application/json">` element: `<`, `>` and `&` are written as
 * \u escapes (which JSON.parse reads back unchanged), so no value can close the element with
 * `</script>` or open a comment, and U+2028/U+2029 are escaped for any older JavaScript parser.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
