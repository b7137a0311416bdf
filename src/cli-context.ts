/** What each capability's cli.ts gets: the output mode and a way to open the services for one command. */
import type { Services } from './app.ts'
import type { Output } from './platform/cli.ts'
import type { Runtime } from './platform/runtime.ts'

export interface CliContext {
  /** Output in the mode the root `--json` flag chose. */
  out(): Output
  /** Opens the runtime (migrating if needed) and the services, runs `fn`, and closes them again. */
  withServices<T>(fn: (services: Services, rt: Runtime) => Promise<T>): Promise<T>
}
