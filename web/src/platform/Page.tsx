/**
 * A page's heading and document title. On each client-side navigation the heading takes focus,
 * so screen-reader and keyboard users start at the new page instead of the old link.
 */
import { type ReactNode, useEffect, useRef } from 'react'
import { hasMoved } from './router.tsx'

export function Page({
  title,
  lead,
  actions,
  children,
}: {
  title: string
  lead?: ReactNode
  actions?: ReactNode
  children: ReactNode
}) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · earlywatch`
    if (hasMoved()) heading.current?.focus({ preventScroll: true })
  }, [title])
  return (
    <>
      <div className="ew-page-head">
        <div>
          <h1 ref={heading} tabIndex={-1} className="ew-page-title">
            {title}
          </h1>
          {lead ? <p className="ew-page-lead">{lead}</p> : null}
        </div>
        {actions ? <div className="ew-page-actions">{actions}</div> : null}
      </div>
      {children}
    </>
  )
}
