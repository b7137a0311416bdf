/** Advisory pages by path: the public ones (no sign-in) and the analysts' editor. */
import type { Session } from '../../accounts/session.ts'
import { hasRole } from '../../accounts/session.ts'
import { matchPath } from '../../platform/router.tsx'
import { AdvisoriesAdminPage, AdvisoryEditorPage } from './EditorPage.tsx'
import { AdvisoryPage, PublicAdvisoriesPage } from './PublicPages.tsx'

/** Open to everyone: a published TLP:CLEAR advisory is public; the API answers 404 otherwise. */
export function publicAdvisoryPage(pathname: string, session: Session) {
  if (pathname === '/advisories') return <PublicAdvisoriesPage />
  const one = matchPath('/advisories/:id', pathname)
  if (one) return <AdvisoryPage key={one.id} id={one.id!} session={session} />
  return null
}

export function advisoryEditorPage(pathname: string, session: Session) {
  if (!(hasRole(session, 'analyst') || hasRole(session, 'admin'))) return null
  if (pathname === '/clearinghouse/advisories') return <AdvisoriesAdminPage />
  if (pathname === '/clearinghouse/advisories/new') return <AdvisoryEditorPage id={null} />
  const one = matchPath('/clearinghouse/advisories/:id', pathname)
  if (one) return <AdvisoryEditorPage key={one.id} id={one.id!} />
  return null
}
