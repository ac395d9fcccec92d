const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9A-Fa-f]$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * The offset (UTF-16 code units) of the first JSON syntax error in `text`, or undefined when it parses.
 * It exists because V8's own messages sometimes quote the input, which may hold a secret; we report only
 * the position. Recursive: call it only on text whose nesting depth is already bounded.
 */
export function locateJsonSyntaxError(text: string): number | undefined {
  let i = 0;

  const skipWhitespace = (): void => {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
  };

  const literal = (word: string): boolean => {
    for (const ch of word) {
      if (text[i] !== ch) return false;
      i++;
    }
    return true;
  };

  const string = (): boolean => {
    i++; // the opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      i++;
      const escape = text[i];
      if (escape === 'u') {
        for (let k = 1; k <= 4; k++) {
          if (!HEX.test(text[i + k] ?? '')) {
            i += k;
            return false;
          }
        }
        i += 5;
      } else if (escape !== undefined && ESCAPES.has(escape)) {
        i++;
      } else {
        return false;
      }
    }
    return false;
  };

  const number = (): boolean => {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) return false;
    i += match[0].length;
    return true;
  };

  const members = (close: '}' | ']'): boolean => {
    i++; // the opening bracket
    skipWhitespace();
    if (text[i] === close) {
      i++;
      return true;
    }
    for (;;) {
      if (close === '}') {
        skipWhitespace();
        if (text[i] !== '"' || !string()) return false;
        skipWhitespace();
        if (text[i] !== ':') return false;
        i++;
      }
      if (!value()) return false;
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return true;
      }
      return false;
    }
  };

  const value = (): boolean => {
    skipWhitespace();
    switch (text[i]) {
      case '{':
        return members('}');
      case '[':
        return members(']');
      case '"':
        return string();
      case 't':
        return literal('true');
      case 'f':
        return literal('false');
      case 'n':
        return literal('null');
      default:
        return number();
    }
  };

  if (!value()) return i;
  skipWhitespace();
  return i < text.length ? i : undefined;
}
