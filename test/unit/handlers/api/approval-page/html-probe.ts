/**
 * A strict reader of the approval pages' HTML, for assertions about structure rather than snapshots. It
 * accepts only what the renderer writes: tags whose attributes are all `name="value"` with no `<`, `>` or
 * `"` inside. Any other `<` (an unescaped one from a value) makes it throw, naming the place.
 */
export type Token =
  | { readonly kind: 'tag'; readonly name: string; readonly closing: boolean; readonly attributes: Map<string, string> }
  | { readonly kind: 'text'; readonly text: string };

const TAG = /^<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z-]*="[^"<>]*")*)\s*>/;
const ATTRIBUTE = /\s+([a-z][a-z-]*)="([^"<>]*)"/g;

export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity: string) => {
    const decoded: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
    return decoded[entity]!;
  });
}

export function tokenize(html: string): Token[] {
  const doctype = '<!DOCTYPE html>\n';
  if (!html.startsWith(doctype)) throw new Error('the document does not start with <!DOCTYPE html>');
  const tokens: Token[] = [];
  let at = doctype.length;
  while (at < html.length) {
    const next = html.indexOf('<', at);
    const textEnd = next === -1 ? html.length : next;
    if (textEnd > at) tokens.push({ kind: 'text', text: decodeEntities(html.slice(at, textEnd)) });
    if (next === -1) break;
    const match = TAG.exec(html.slice(next));
    if (match === null) throw new Error(`a stray "<" at ${next}: ${JSON.stringify(html.slice(next, next + 60))}`);
    const attributes = new Map<string, string>();
    for (const [, name, value] of match[3]!.matchAll(ATTRIBUTE)) {
      if (attributes.has(name!)) throw new Error(`attribute ${name} twice in ${match[0]}`);
      attributes.set(name!, decodeEntities(value!));
    }
    tokens.push({ kind: 'tag', name: match[2]!, closing: match[1] === '/', attributes });
    at = next + match[0].length;
  }
  return tokens;
}

export type Tag = Extract<Token, { kind: 'tag' }>;

export const openingTags = (html: string): Tag[] =>
  tokenize(html).filter((token): token is Tag => token.kind === 'tag' && !token.closing);

export const tagsNamed = (html: string, name: string): Tag[] => openingTags(html).filter((tag) => tag.name === name);

const VOID_ELEMENTS = new Set(['meta', 'input', 'br']);
const INLINE_ELEMENTS = new Set(['bdi', 'code', 'span', 'time']);

/**
 * The text of the element carrying `attribute="value"`, entities decoded, block elements read as spaces and
 * whitespace collapsed; undefined when no element carries it.
 */
export function textOfElement(html: string, attribute: string, value: string): string | undefined {
  const tokens = tokenize(html);
  const start = tokens.findIndex((token) => token.kind === 'tag' && token.attributes.get(attribute) === value);
  if (start === -1) return undefined;
  const opening = tokens[start] as Tag;
  if (VOID_ELEMENTS.has(opening.name)) return '';
  const parts: string[] = [];
  let depth = 1;
  for (const token of tokens.slice(start + 1)) {
    if (token.kind === 'text') parts.push(token.text);
    else if (!INLINE_ELEMENTS.has(token.name)) parts.push(' ');
    if (token.kind === 'tag' && token.name === opening.name) depth += token.closing ? -1 : 1;
    if (depth === 0) break;
  }
  return parts.join('').replace(/\s+/g, ' ').trim();
}

export const fieldText = (html: string, field: string): string | undefined => textOfElement(html, 'data-field', field);
