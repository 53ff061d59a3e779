/**
 * Canvas pagination (canvas-sis.md §4.4): `page`/`per_page` (default 10, max 100) and a `Link`
 * header with rel current/next/prev/first and, only where Canvas counts the total, last.
 */
import { stringParam, type Params } from './params.js';

export const PER_PAGE = 10;
export const MAX_PER_PAGE = 100;

export function paginate<T>(items: readonly T[], params: Params, requestUrl: URL, baseUrl: string, withLast: boolean): { page: T[]; link: string } {
  const perPageRaw = Number(stringParam(params, 'per_page') ?? PER_PAGE);
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number.isFinite(perPageRaw) ? Math.floor(perPageRaw) : PER_PAGE));
  const pageRaw = Number(stringParam(params, 'page') ?? 1);
  const page = Math.max(1, Number.isFinite(pageRaw) ? Math.floor(pageRaw) : 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const url = (p: number): string => {
    const u = new URL(requestUrl.pathname + requestUrl.search, baseUrl);
    u.searchParams.delete('access_token'); // never echo a credential
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  const links = [`<${url(page)}>; rel="current"`];
  if (page < lastPage) links.push(`<${url(page + 1)}>; rel="next"`);
  if (page > 1) links.push(`<${url(page - 1)}>; rel="prev"`);
  links.push(`<${url(1)}>; rel="first"`);
  if (withLast) links.push(`<${url(lastPage)}>; rel="last"`);
  return { page: slice, link: links.join(',') };
}
