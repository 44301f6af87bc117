import { useEffect, useRef } from 'react';
import { useLocation } from 'react-router';
import { announce, clearAnnouncements } from '@/lib/announce';

/** The path whose heading was last shown (module state: there is one page at a time). */
let shownPath: string | null = null;

/**
 * A page's <h1>: sets the document title and, when the page was reached by a page change (not on
 * the first load, nor when only the query string changed), moves focus to the heading and
 * announces the page, so keyboard and screen-reader users start at the top of the new page.
 * Give the returned ref to the heading, with tabIndex={-1}.
 */
export function usePageHeading<T extends HTMLElement = HTMLHeadingElement>(title: string) {
  const ref = useRef<T>(null);
  const { pathname } = useLocation();
  const current = useRef(title);
  current.current = title;

  useEffect(() => {
    document.title = `${title} · Webbscope`;
  }, [title]);

  useEffect(() => {
    if (shownPath === pathname) return;
    const first = shownPath === null;
    shownPath = pathname;
    if (first) return;
    ref.current?.focus();
    clearAnnouncements();
    announce(`${current.current} page`);
  }, [pathname]);

  return ref;
}
