/** Chooses the organisation the signed-in person acts for; everything on screen follows it. */
import { Label, Select } from '@trussworks/react-uswds'
import type { ChangeEvent } from 'react'
import { type Session, useSwitchOrg } from './session.ts'

export function OrgSwitcher({ session }: { session: Session }) {
  const switchOrg = useSwitchOrg()
  if (session.orgs.length < 2) {
    return <span className="ew-org-name">{session.org?.name}</span>
  }
  return (
    <div className="ew-org-switcher">
      <Label htmlFor="org-switcher" className="usa-sr-only">
        Acting for organisation
      </Label>
      <Select
        id="org-switcher"
        name="org"
        value={session.org?.id ?? ''}
        disabled={switchOrg.isPending}
        onChange={(e: ChangeEvent<HTMLSelectElement>) => switchOrg.mutate(e.target.value)}
      >
        {session.orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </Select>
      {switchOrg.error ? (
        <span className="usa-error-message" role="alert">
          Could not switch organisation: {(switchOrg.error as Error).message}
        </span>
      ) : null}
    </div>
  )
}
