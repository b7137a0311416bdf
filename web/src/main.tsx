/** Entry point: styles, the server-state cache, and the app. */
import '@uswds/uswds/css/uswds.min.css'
import '@trussworks/react-uswds/lib/index.css'
import './styles.css'
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { sessionKey } from './accounts/session.ts'
import { isProblem } from './api.ts'

/** A 401 anywhere means the session ended (expired, signed out elsewhere): show the sign-in page. */
function onError(err: unknown) {
  if (isProblem(err) && err.status === 401)
    void queryClient.invalidateQueries({ queryKey: sessionKey })
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      // A 4xx answer will not change by asking again; network and 5xx failures might.
      retry: (failures, err) =>
        !(isProblem(err) && err.status >= 400 && err.status < 500) && failures < 2,
      staleTime: 10_000,
    },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
)
