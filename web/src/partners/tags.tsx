/** Small status marks for partners: vetting, a key's state, a selection's state, a grant's status. */
import { Tag } from '@trussworks/react-uswds'
import {
  type Grant,
  type KeyState,
  SELECTION_STATE_LABELS,
  type SelectionState,
  type VettingStatus,
} from './api.ts'

const VETTING_LABELS: Record<VettingStatus, string> = {
  pending: 'Vetting pending',
  vetted: 'Vetted',
  rejected: 'Vetting rejected',
  suspended: 'Suspended',
}

export function VettingTag({ status }: { status: VettingStatus }) {
  return <Tag className={`ew-ptag ew-ptag--${status}`}>{VETTING_LABELS[status]}</Tag>
}

const KEY_LABELS: Record<KeyState, string> = {
  pending: 'Key not turned',
  approved: 'Key turned',
  refused: 'Refused',
}

/** One side's key: the words carry the meaning, the colour only repeats it. */
export function KeyTag({ side, state }: { side: 'Lab' | 'Program'; state: KeyState }) {
  return (
    <Tag className={`ew-ptag ew-ptag--key-${state}`}>
      {side}: {KEY_LABELS[state]}
    </Tag>
  )
}

export function SelectionTag({ state }: { state: SelectionState }) {
  return <Tag className={`ew-ptag ew-ptag--sel-${state}`}>{SELECTION_STATE_LABELS[state]}</Tag>
}

export function GrantTag({ grant }: { grant: Pick<Grant, 'status' | 'pausedBy'> }) {
  const label =
    grant.status === 'paused'
      ? `Paused by the ${grant.pausedBy}`
      : grant.status === 'revoked'
        ? 'Revoked'
        : 'Active'
  return <Tag className={`ew-ptag ew-ptag--grant-${grant.status}`}>{label}</Tag>
}
