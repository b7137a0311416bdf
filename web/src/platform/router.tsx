/**
 * A small client-side router on the History API. The server answers every non-API path
 * with index.html, so any URL here can be loaded, bookmarked and shared.
 */
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react'

const CHANGE = 'earlywatch:navigate'

/**
 * Whether the page on screen came from something the person did here (a link, Back, signing
 * in) rather than from loading the document. Only then does a new page take focus: on a
 * fresh load, focus stays at the top of the document, where the skip link is.
 */
let moved = false

export function hasMoved(): boolean {
  return moved
}

/** For changes of page that are not URL changes, such as signing in. */
export function noteMove() {
  moved = true
}

window.addEventListener('popstate', noteMove)

function subscribe(onChange: () => void) {
  window.addEventListener('popstate', onChange)
  window.addEventListener(CHANGE, onChange)
  return () => {
    window.removeEventListener('popstate', onChange)
    window.removeEventListener(CHANGE, onChange)
  }
}

const currentUrl = () => window.location.pathname + window.location.search

export interface Location {
  pathname: string
  search: URLSearchParams
}

/** The current location; re-renders the caller when it changes. */
export function useLocation(): Location {
  const url = useSyncExternalStore(subscribe, currentUrl)
  const parsed = new URL(url, window.location.origin)
  return { pathname: parsed.pathname, search: parsed.searchParams }
}

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === currentUrl()) return
  moved = true
  if (options.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(CHANGE))
}

/**
 * Matches `/submissions/:id` against a pathname; returns the parameters or null.
 *
 * @example matchPath('/submissions/:id', '/submissions/sub_1') // { id: 'sub_1' }
 */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean)
  const have = pathname.split('/').filter(Boolean)
  if (want.length !== have.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!
    const h = decodeURIComponent(have[i]!)
    if (w.startsWith(':')) params[w.slice(1)] = h
    else if (w !== h) return null
  }
  return params
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }

/** An ordinary link that navigates in place; modified clicks (new tab, download) keep their browser meaning. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  function handle(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return
    e.preventDefault()
    navigate(to)
  }
  return <a href={to} onClick={handle} {...rest} />
}
