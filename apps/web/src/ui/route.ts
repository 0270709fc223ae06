// The app's pages as paths: what a URL shows, and the URL of a page. The server answers every page path with
// index.html, so any of these can be reloaded or shared.
export type Route =
  | { name: 'feed'; tab: 'latest' | 'trending' }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'upload' }
  | { name: 'mine' }
  | { name: 'watch'; id: string }
  | { name: 'notfound' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean);
  const [first, second] = parts;
  if (parts.length === 0) return { name: 'feed', tab: 'latest' };
  if (parts.length === 1) {
    if (first === 'trending') return { name: 'feed', tab: 'trending' };
    if (first === 'signin' || first === 'signup' || first === 'upload' || first === 'mine') return { name: first };
  }
  if (parts.length === 2 && first === 'watch' && second && UUID.test(second)) return { name: 'watch', id: second };
  return { name: 'notfound' };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'feed':
      return route.tab === 'trending' ? '/trending' : '/';
    case 'watch':
      return `/watch/${route.id}`;
    case 'notfound':
      return '/';
    default:
      return `/${route.name}`;
  }
}
