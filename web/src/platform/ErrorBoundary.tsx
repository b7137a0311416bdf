/** Catches a page that fails to render, so one broken view never blanks the whole app. */
import { Alert, AlertHeading, AlertText, Button } from '@trussworks/react-uswds'
import { Component, type ErrorInfo, type ReactNode } from 'react'

interface Props {
  /** Changes when the person moves to another page; a new page gets a fresh start. */
  resetKey: string
  children: ReactNode
}

interface State {
  error: Error | null
  resetKey: string
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey }

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error }
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('A page failed to render', error, info.componentStack)
  }

  override render() {
    if (!this.state.error) return this.props.children
    return (
      <Alert type="error" role="alert">
        <AlertHeading level="h1">This page could not be shown</AlertHeading>
        <AlertText>
          Something in earlywatch went wrong while drawing it. Reloading usually helps; if it does
          not, tell your administrator what you were doing.
        </AlertText>
        <Button type="button" onClick={() => window.location.reload()}>
          Reload
        </Button>
      </Alert>
    )
  }
}
