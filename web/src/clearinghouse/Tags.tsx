/** Small labels of the clearinghouse: TLP 2.0 labels in FIRST's colours, SLA badges, report states. */
import { Tag } from '@trussworks/react-uswds'
import { type ReportState, type Sla, stateLabel, type Tlp } from './api.ts'

/** FIRST TLP 2.0 colours: text and background as the standard prints them on black. */
const TLP_COLOURS: Record<Tlp, string> = {
  CLEAR: '#ffffff',
  GREEN: '#33ff00',
  AMBER: '#ffc000',
  'AMBER+STRICT': '#ffc000',
  RED: '#ff2b2b',
}

export function TlpTag({ tlp }: { tlp: Tlp }) {
  return (
    <span
      className="ew-tlp"
      style={{
        background: '#000',
        color: TLP_COLOURS[tlp],
        padding: '0 0.4em',
        fontWeight: 700,
        fontFamily: 'monospace',
      }}
      title={`Traffic Light Protocol 2.0: TLP:${tlp}`}
    >
      TLP:{tlp}
    </span>
  )
}

export function SlaBadge({ sla }: { sla: Sla }) {
  const label = sla.kind === 'triage' ? 'Triage' : 'Vendor contact'
  const colour = { met: '#00a91c', open: '#005ea2', overdue: '#d83933', missed: '#8b0a03' }[
    sla.state
  ]
  return (
    <Tag
      className="ew-sla"
      style={{ backgroundColor: colour }}
      title={`Due ${new Date(sla.dueAt).toUTCString()}`}
    >
      {label}: {sla.state}
    </Tag>
  )
}

export function ReportStateTag({ state }: { state: ReportState }) {
  const colour = {
    new: '#005ea2',
    triaging: '#e5a000',
    validated: '#00a91c',
    not_reproducible: '#71767a',
    duplicate: '#71767a',
    out_of_scope: '#71767a',
  }[state]
  return (
    <Tag
      className={`ew-report-state ew-report-state--${state}`}
      style={{ backgroundColor: colour }}
    >
      {stateLabel(state)}
    </Tag>
  )
}
