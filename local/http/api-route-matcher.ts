import type { ApiRoute, ApiRoutes } from './api-routes';

/** A request path matched to a resource template. */
export interface ApiRouteMatch {
  /** The template, e.g. `/v1/wallets/{id}`: API Gateway's `resource`. */
  readonly resource: string;
  readonly route: ApiRoute;
  /** URL-decoded, as API Gateway passes them. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

type Segment = { readonly literal: string } | { readonly parameter: string };

interface CompiledRoute {
  readonly resource: string;
  readonly route: ApiRoute;
  readonly segments: readonly Segment[];
}

const PARAMETER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const LITERAL = /^[A-Za-z0-9._~-]+$/;

/**
 * A matcher of request paths (percent-encoded, without the query) to the resources of `routes`. A
 * `{name}` segment matches one non-empty segment, which is URL-decoded; a literal segment wins over a
 * parameter at the same place, as in API Gateway. A trailing slash, an empty segment or a malformed
 * percent-escape matches nothing. Throws on a template it cannot serve (greedy `{proxy+}` included).
 */
export function apiRouteMatcher(routes: ApiRoutes): (path: string) => ApiRouteMatch | undefined {
  const compiled = Object.entries(routes)
    .map(([resource, route]) => compile(resource, route))
    // Literal-first order: of two templates that match the same path, the one with a literal where the other has a parameter comes first.
    .sort((a, b) => (specificity(a) < specificity(b) ? -1 : specificity(a) > specificity(b) ? 1 : 0));

  return (path) => {
    if (!path.startsWith('/')) return undefined;
    const parts = path.slice(1).split('/');
    for (const candidate of compiled) {
      const pathParameters = matchSegments(candidate.segments, parts);
      if (pathParameters !== undefined) return { resource: candidate.resource, route: candidate.route, pathParameters };
    }
    return undefined;
  };
}

function compile(resource: string, route: ApiRoute): CompiledRoute {
  if (!resource.startsWith('/') || resource.length === 1)
    throw new Error(`resource "${resource}" is not "/segment[/…]"`);
  if (route.methods.length === 0) throw new Error(`resource "${resource}" declares no method`);
  const names = new Set<string>();
  const segments = resource
    .slice(1)
    .split('/')
    .map((segment): Segment => {
      const parameter = PARAMETER.exec(segment)?.[1];
      if (parameter !== undefined) {
        if (names.has(parameter)) throw new Error(`resource "${resource}" names the parameter "${parameter}" twice`);
        names.add(parameter);
        return { parameter };
      }
      if (!LITERAL.test(segment)) throw new Error(`resource "${resource}" has the unsupported segment "${segment}"`);
      return { literal: segment };
    });
  return { resource, route, segments };
}

function specificity(route: CompiledRoute): string {
  return route.segments.map((s) => ('literal' in s ? '0' : '1')).join('');
}

function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const part = parts[i] ?? '';
    if ('literal' in segment) {
      if (part !== segment.literal) return undefined;
      continue;
    }
    if (part === '') return undefined;
    try {
      parameters[segment.parameter] = decodeURIComponent(part);
    } catch {
      return undefined;
    }
  }
  return parameters;
}
