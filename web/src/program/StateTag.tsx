/** A submission's state as a USWDS tag in the state's colour. */
import { Tag } from '@trussworks/react-uswds'
import { STATE_INFO, type SubmissionState, stateLabel } from './states.ts'

export function StateTag({ state }: { state: SubmissionState }) {
  const info = STATE_INFO[state]
  return (
    <Tag
      className={`ew-state ew-state--${state}`}
      style={info ? { backgroundColor: info.color } : undefined}
    >
      {stateLabel(state)}
    </Tag>
  )
}
