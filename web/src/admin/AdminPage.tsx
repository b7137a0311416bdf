/**
 * Administration: organisations, people and the roles they hold. Only administrators reach
 * it; the server checks the role on every call as well.
 */
import { Page } from '../platform/Page.tsx'
import { useOrgs, usePeople } from './api.ts'
import { OrgsSection } from './OrgsSection.tsx'
import { PeopleSection } from './PeopleSection.tsx'

export function AdminPage() {
  const orgs = useOrgs()
  const people = usePeople()
  return (
    <Page
      title="Administration"
      lead="Organisations, the people in them and the roles they hold. A role is granted in one organisation and takes effect on the person’s next request; someone with no role cannot sign in."
    >
      <nav aria-label="On this page" className="ew-onpage">
        <a className="usa-link" href="#orgs-heading">
          Organisations
        </a>
        <a className="usa-link" href="#people-heading">
          People and roles
        </a>
      </nav>
      <OrgsSection orgs={orgs} />
      <PeopleSection people={people} orgs={orgs.data ?? []} />
    </Page>
  )
}
