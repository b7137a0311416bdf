/** Shows an API error: its title and detail in a USWDS error alert, announced to screen readers. */
import { Alert, AlertHeading, AlertText } from '@trussworks/react-uswds'
import { isProblem } from '../api.ts'

export function ProblemAlert({ error, className }: { error: unknown; className?: string }) {
  if (!error) return null
  const title = isProblem(error) ? error.title : 'Something went wrong'
  const detail = isProblem(error) ? error.detail : String((error as Error).message ?? error)
  return (
    <Alert type="error" role="alert" className={className ?? 'margin-bottom-3'}>
      <AlertHeading level="h2">{title}</AlertHeading>
      <AlertText>{detail}</AlertText>
    </Alert>
  )
}
