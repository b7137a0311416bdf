/**
 * A one-time message carried across a navigation ("Submission registered"): left for one
 * path, shown by the page at that path, then forgotten.
 */
import { useEffect, useState } from 'react'

let pending: { path: string; message: string } | undefined

export function setFlash(path: string, message: string) {
  pending = { path, message }
}

/** The message left for the current path, if any. */
export function useFlash(): string | undefined {
  const [message] = useState(() =>
    pending?.path === window.location.pathname ? pending.message : undefined,
  )
  useEffect(() => {
    if (pending?.path === window.location.pathname) pending = undefined
  }, [])
  return message
}
