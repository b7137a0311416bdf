/**
 * A one-time message carried across a navigation ("Submission registered"), shown once by the
 * next page and then forgotten.
 */
import { useState } from 'react'

let pending: string | undefined

export function setFlash(message: string) {
  pending = message
}

/** The message left for this page, taken once when the page mounts. */
export function useFlash(): string | undefined {
  const [message] = useState(() => {
    const m = pending
    pending = undefined
    return m
  })
  return message
}
