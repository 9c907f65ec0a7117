import type { Route } from './app';
import { authRoutes } from './routes/auth';
import { graphqlRoutes } from './routes/graphql';
import { itemRoutes } from './routes/items';
import { miscRoutes } from './routes/misc';

export type RouteMatch =
  | { kind: 'route'; key: string; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; key: string; allow: string }
  | { kind: 'none'; key: string };

interface Compiled {
  readonly route: Route;
  readonly key: string;
  readonly segments: readonly string[];
}

const ROUTES: readonly Compiled[] = [...authRoutes, ...itemRoutes, ...miscRoutes, ...graphqlRoutes].map((route) => ({
  route,
  key: `${route.method} ${route.pattern}`,
  segments: route.pattern.split('/'),
}));

function matchPath(segments: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const part = parts[i] ?? '';
    if (segment.startsWith(':')) {
      if (part === '') return undefined;
      try {
        params[segment.slice(1)] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    } else if (segment !== part) {
      return undefined;
    }
  }
  return params;
}

/**
 * Finds the route for a method and path. The key (the route pattern, not the concrete path) is
 * what `stats.requestsByRoute` counts, so `/items/1` and `/items/2` add up under `GET /items/:id`.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const parts = path.split('/');
  const allowed: string[] = [];
  let pattern = '';
  for (const compiled of ROUTES) {
    const params = matchPath(compiled.segments, parts);
    if (!params) continue;
    if (compiled.route.method === method) return { kind: 'route', key: compiled.key, route: compiled.route, params };
    allowed.push(compiled.route.method);
    pattern = compiled.route.pattern;
  }
  if (allowed.length > 0) return { kind: 'wrong-method', key: `${method} ${pattern}`, allow: allowed.join(', ') };
  return { kind: 'none', key: `${method} (unmatched)` };
}
