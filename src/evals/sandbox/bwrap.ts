/**
 * The bubblewrap sandbox: one long-lived set of Linux namespaces per sample (user, mount, pid,
 * net, ipc, uts, cgroup) held open by a sleeping init, and every command entered into them
 * with nsenter, so services started in setup keep running for later commands.
 *
 * Why this shape (see docs/evals-sandbox.md for the whole isolation model):
 * - One `bwrap` per command would give every command fresh namespaces: a web server started
 *   in setup would be gone, and loopback would be a different `lo` each time. Keeping one
 *   namespace set per sandbox and entering it with `nsenter` keeps state between commands.
 * - Limits are rlimits set with `prlimit` right before the command (no cgroups: systemd-run is
 *   not available, and cgroup delegation needs more than this process may have). RLIMIT_NPROC
 *   is counted per user namespace and uid since Linux 5.14, so it bounds one sandbox only —
 *   but never for host root, so when we run as root the sandbox runs as an unprivileged host
 *   uid (`nobody` by default).
 * - Inside, commands run as uid 0 of the sandbox's own user namespace with every capability
 *   dropped (setpriv: empty bounding set, no-new-privs). Setup keeps the namespace's
 *   capabilities, so it can start "privileged" services whose memory and /proc entries the
 *   agent's commands cannot read (a process without capabilities may not ptrace one with).
 * - `--disable-userns` stops commands from making a nested user namespace, which would give
 *   them back every capability.
 */
import { spawn } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import {
  access,
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AppError, ErrorCodes, invalid } from '../../platform/errors.ts'
import {
  DEFAULT_LIMITS,
  type ExecOptions,
  type ExecResult,
  type Sandbox,
  type SandboxLimits,
  type SandboxProvider,
  type SandboxSpec,
  WORKSPACE,
} from './sandbox.ts'

export interface BwrapOptions {
  /** Directories searched for bwrap, nsenter, setpriv and prlimit. */
  searchPath?: string
  /** Where per-sandbox directories are made (default: the OS temp directory). */
  tempDir?: string
  /** Host uid/gid the sandbox runs as when this process is root (default 65534, `nobody`). */
  sandboxUid?: number
  sandboxGid?: number
  /** Bytes kept of each of stdout and stderr per command (default 1 MiB). */
  outputLimitBytes?: number
  /** Size of the sandbox's private /tmp in MiB (default 512). */
  tmpSizeMb?: number
  /** Largest file a command may write, in MiB (RLIMIT_FSIZE, default 1024). */
  maxFileMb?: number
  /** Limits for specs that set none. */
  defaultLimits?: SandboxLimits
}

const SYSTEM_SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** Top-level system directories bound read-only (or re-created as the symlinks they are). */
const SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']
/**
 * The only host /etc entries a sandbox sees: the dynamic linker's and Debian's alternatives
 * (`cc`, `python` links). The rest of /etc is generated, so no host configuration leaks in.
 */
const HOST_ETC = ['alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d']
const REQUIRED_PROGRAMS = ['bwrap', 'nsenter', 'setpriv', 'prlimit'] as const
const MIB = 1024 * 1024
const READY = 'sandbox-ready'
/**
 * The sandbox's pid 1. As init of its pid namespace it gets no signal from inside that it does
 * not handle, so an agent's `kill -9 -1` or `pkill sleep` cannot end the sandbox (bwrap's own
 * reaper would exit as soon as its child died). Orphans are re-parented to it; the shell reaps
 * them while it waits for each `sleep`, so zombies do not pile up against the process limit.
 */
const INIT = `echo ${READY}; while :; do sleep 1; done`
/** A background process may hold a command's stdout open; after the command exits we wait this long for it to drain. */
const DRAIN_AFTER_EXIT_MS = 200

/**
 * Creates bubblewrap sandboxes.
 *
 * @example
 * const provider = bwrapProvider()
 * const sb = await provider.create({ files: { 'hello.py': 'print("hi")' } })
 * try { console.log((await sb.exec(['python3', 'hello.py'])).stdout) } finally { await sb.close() }
 */
export function bwrapProvider(options: BwrapOptions = {}): SandboxProvider {
  return new BwrapProvider(options)
}

export class BwrapProvider implements SandboxProvider {
  readonly name = 'bwrap'
  readonly #options: BwrapOptions
  #programs: Promise<Record<(typeof REQUIRED_PROGRAMS)[number], string>> | undefined

  constructor(options: BwrapOptions = {}) {
    this.#options = options
  }

  async create(spec: SandboxSpec): Promise<BwrapSandbox> {
    if ((spec as { network?: unknown }).network !== undefined && spec.network !== false) {
      throw invalid('sandbox.network', 'sandboxes have no network; only `false` is accepted')
    }
    this.#programs ??= findPrograms(this.#options.searchPath ?? SYSTEM_SEARCH_PATH)
    const programs = await this.#programs.catch((err: unknown) => {
      this.#programs = undefined
      throw err
    })
    const limits = resolveLimits(spec.limits, this.#options.defaultLimits)
    const sandbox = new BwrapSandbox(programs, limits, this.#options)
    try {
      await sandbox.start(spec.files ?? {})
      if (spec.setup !== undefined && spec.setup.trim() !== '') {
        const result = await sandbox.run(['/bin/sh', '-c', spec.setup], {}, true)
        if (result.exitCode !== 0 || result.timedOut) {
          const why = result.timedOut
            ? `did not finish within ${limits.wallTimeMs} ms`
            : `exited with ${result.exitCode}`
          throw new AppError(ErrorCodes.EW_BAD_REQUEST, {
            detail: `The sandbox setup script ${why}: ${tail(result.stderr || result.stdout)}`,
          })
        }
      }
      return sandbox
    } catch (err) {
      await sandbox.close()
      throw err
    }
  }
}

export class BwrapSandbox implements Sandbox {
  readonly #programs: Record<(typeof REQUIRED_PROGRAMS)[number], string>
  readonly #limits: Required<SandboxLimits>
  readonly #options: BwrapOptions
  #root: string | undefined
  #bwrap: ReturnType<typeof spawn> | undefined
  #bwrapExited: Promise<void> | undefined
  readonly #asRoot = process.getuid?.() === 0
  #initPid = 0
  #closed = false
  #closing: Promise<void> | undefined

  constructor(
    programs: Record<(typeof REQUIRED_PROGRAMS)[number], string>,
    limits: Required<SandboxLimits>,
    options: BwrapOptions,
  ) {
    this.#programs = programs
    this.#limits = limits
    this.#options = options
  }

  /** The host directory bound at /workspace (for diagnostics and tests; never hand it to the model). */
  get workspaceHostPath(): string | undefined {
    return this.#root && path.join(this.#root, 'workspace')
  }

  /** Host pid of the sandbox's init; every process of the sandbox dies with it. */
  get initPid(): number {
    return this.#initPid
  }

  get limits(): Readonly<Required<SandboxLimits>> {
    return this.#limits
  }

  async start(files: Record<string, string | Uint8Array>): Promise<void> {
    const base = this.#options.tempDir ?? os.tmpdir()
    this.#root = await mkdtemp(path.join(base, 'ew-sandbox-'))
    const workspace = path.join(this.#root, 'workspace')
    await mkdir(workspace)
    await writeSpecFiles(workspace, files)
    await writeEtc(path.join(this.#root, 'etc'))
    const asRoot = this.#asRoot
    const uid = this.#options.sandboxUid ?? 65534
    const gid = this.#options.sandboxGid ?? 65534
    if (asRoot) {
      await chownTree(this.#root, uid, gid)
      await assertSearchable(base, uid)
    }

    const args = await this.#bwrapArgs()
    const child = spawn(this.#programs.bwrap, args, {
      cwd: '/',
      env: { PATH: SANDBOX_PATH },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      ...(asRoot ? { uid, gid } : {}),
    })
    this.#bwrap = child
    this.#bwrapExited = new Promise((resolve) => child.once('exit', () => resolve()))
    const info = child.stdio[3] as NodeJS.ReadableStream
    const stderr: Buffer[] = []
    child.stderr?.on('data', (b: Buffer) => stderr.push(b))
    // Ready when the init has printed its line (the mounts are done) and bwrap has said,
    // on its info fd, which host pid that init has; the two arrive in either order.
    this.#initPid = await new Promise<number>((resolve, reject) => {
      let out = ''
      let infoText = ''
      let pid = 0
      let ready = false
      const settle = () => {
        if (ready && pid > 0) resolve(pid)
      }
      child.stdout?.on('data', (b: Buffer) => {
        if (ready) return
        out += b.toString('utf8')
        ready = out.includes(READY)
        settle()
      })
      info.on('data', (b: Buffer) => {
        infoText += b.toString('utf8')
        pid = Number(/"child-pid"\s*:\s*(\d+)/.exec(infoText)?.[1] ?? 0)
        settle()
      })
      child.once('error', (err) => reject(err))
      child.once('exit', (code, signal) => {
        reject(bwrapFailed(Buffer.concat(stderr).toString('utf8'), code, signal))
      })
    })
  }

  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (cmd.length === 0 || cmd.some((a) => typeof a !== 'string')) {
      throw invalid('cmd', 'a command is a non-empty list of strings')
    }
    return this.run(cmd, opts, false)
  }

  async writeFile(file: string, content: string | Uint8Array): Promise<void> {
    const target = insidePath(file)
    // Written by a process inside the sandbox, never by the host: the workspace belongs to
    // the sandbox, which may have turned any path in it into a symlink to a host file.
    const result = await this.run(
      ['/bin/sh', '-c', 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', 'write-file', target],
      { input: content },
      false,
    )
    if (result.exitCode !== 0) {
      throw new AppError(ErrorCodes.EW_BAD_REQUEST, {
        detail: `Cannot write ${target} in the sandbox: ${tail(result.stderr)}`,
      })
    }
  }

  async readFile(file: string): Promise<string> {
    const target = insidePath(file)
    const limit = 16 * MIB
    const result = await this.run(['/bin/cat', '--', target], { outputLimitBytes: limit }, false)
    if (result.exitCode !== 0) {
      const missing = /No such file/.test(result.stderr)
      throw new AppError(missing ? ErrorCodes.EW_NOT_FOUND : ErrorCodes.EW_BAD_REQUEST, {
        detail: `Cannot read ${target} in the sandbox: ${tail(result.stderr)}`,
      })
    }
    if (result.truncated) {
      throw new AppError(ErrorCodes.EW_PAYLOAD_TOO_LARGE, {
        detail: `${target} in the sandbox is larger than ${limit / MIB} MiB; read it in parts with exec.`,
      })
    }
    return result.stdout
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#closed = true
    // Killing the pid namespace's init makes the kernel kill every process in it.
    if (this.#initPid > 0) killQuietly(this.#initPid)
    if (this.#bwrap?.pid !== undefined && this.#bwrap.exitCode === null) {
      killQuietly(this.#bwrap.pid)
    }
    if (this.#bwrap) await this.#bwrapExited
    // pid 1 finishes exiting only after the kernel has killed and reaped the rest of its
    // namespace, so once it is a zombie (or gone) nothing of the sandbox runs any more.
    if (this.#initPid > 0) await waitUntilDead(this.#initPid)
    if (this.#root) await removeTree(this.#root)
  }

  /** Runs a command inside; `privileged` (setup only) keeps the namespace's capabilities. */
  async run(
    cmd: string[],
    opts: Omit<ExecOptions, 'input'> & { input?: string | Uint8Array; outputLimitBytes?: number },
    privileged: boolean,
  ): Promise<ExecResult> {
    if (this.#closed || this.#initPid === 0) {
      throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
        detail: 'This sandbox is closed; create a new one.',
      })
    }
    const init = this.#bwrap
    if (!init || init.exitCode !== null || init.signalCode !== null) {
      throw new AppError(ErrorCodes.EW_UNAVAILABLE, {
        detail: 'The sandbox has stopped (its init process exited); create a new one.',
      })
    }
    const limits = this.#limits
    const maxFile = (this.#options.maxFileMb ?? 1024) * MIB
    const argv = [
      '--target',
      String(this.#initPid),
      '--user',
      '--mount',
      '--uts',
      '--ipc',
      '--net',
      '--pid',
      '--cgroup',
      '--root',
      // As root we become uid 0 of the sandbox (host uid `nobody`); otherwise our own uid
      // already is the sandbox's uid 0, and setgroups is denied in the namespace.
      ...(this.#asRoot ? ['--setuid', '0', '--setgid', '0'] : ['--preserve-credentials']),
      '--',
      '/usr/bin/env',
      '-C',
      resolveInside(opts.cwd ?? '.'),
      '--',
      ...(privileged
        ? []
        : ['/usr/bin/setpriv', '--no-new-privs', '--bounding-set=-all', '--inh-caps=-all', '--']),
      '/usr/bin/prlimit',
      // SIGXCPU at the soft limit says why the process died; SIGKILL a second later if it ignores it.
      `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
      `--as=${limits.memoryMb * MIB}`,
      `--nproc=${limits.maxProcesses}`,
      `--fsize=${maxFile}`,
      '--core=0',
      '--',
      ...cmd,
    ]
    return runProcess(this.#programs.nsenter, argv, {
      env: { ...sandboxEnv(), ...checkEnv(opts.env ?? {}) },
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? limits.wallTimeMs,
      outputLimitBytes: opts.outputLimitBytes ?? this.#options.outputLimitBytes ?? MIB,
    })
  }

  async #bwrapArgs(): Promise<string[]> {
    const root = this.#root!
    const args = [
      '--unshare-all',
      '--unshare-user',
      // bwrap puts the sandbox in a nested user namespace for this, which only host root can
      // enter with nsenter; an unprivileged host therefore runs without it (see the docs).
      ...(this.#asRoot ? ['--disable-userns'] : []),
      '--die-with-parent',
      '--new-session',
      // Our own init is pid 1 (see INIT), so nothing inside can kill it.
      '--as-pid-1',
      '--uid',
      '0',
      '--gid',
      '0',
      '--hostname',
      'sandbox',
    ]
    for (const dir of SYSTEM_DIRS) {
      const host = `/${dir}`
      const stat = await lstat(host).catch(() => undefined)
      if (stat?.isSymbolicLink()) args.push('--symlink', await readlink(host), host)
      else if (stat?.isDirectory()) args.push('--ro-bind', host, host)
    }
    args.push('--ro-bind', path.join(root, 'etc'), '/etc')
    for (const entry of HOST_ETC) {
      args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`)
    }
    const tmpBytes = (this.#options.tmpSizeMb ?? 512) * MIB
    args.push(
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--size',
      String(tmpBytes),
      '--tmpfs',
      '/tmp',
      '--size',
      String(tmpBytes),
      '--tmpfs',
      '/dev/shm',
      '--bind',
      path.join(root, 'workspace'),
      WORKSPACE,
      // Last: everything outside /tmp, /dev/shm and the workspace becomes read-only.
      '--remount-ro',
      '/',
      '--chdir',
      WORKSPACE,
      '--clearenv',
      '--setenv',
      'PATH',
      SANDBOX_PATH,
      '--info-fd',
      '3',
      '--',
      '/bin/sh',
      '-c',
      INIT,
    )
    return args
  }
}

function resolveLimits(
  spec: SandboxLimits | undefined,
  defaults: SandboxLimits | undefined,
): Required<SandboxLimits> {
  const merged = { ...DEFAULT_LIMITS, ...stripUndefined(defaults), ...stripUndefined(spec) }
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw invalid(`sandbox.limits.${key}`, `must be a positive integer, got ${value}`)
    }
  }
  return merged
}

function stripUndefined(limits: SandboxLimits | undefined): SandboxLimits {
  return Object.fromEntries(Object.entries(limits ?? {}).filter(([, v]) => v !== undefined))
}

function sandboxEnv(): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: WORKSPACE, LANG: 'C.UTF-8', TERM: 'dumb', TZ: 'UTC' }
}

function checkEnv(env: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw invalid(`env.${key}`, 'not a variable name')
    if (typeof value !== 'string' || value.includes('\0')) {
      throw invalid(`env.${key}`, 'must be a string without NUL bytes')
    }
  }
  return env
}

/** A path as the sandbox sees it: relative paths are in the workspace. */
function resolveInside(p: string): string {
  if (p.includes('\0')) throw invalid('path', 'contains a NUL byte')
  return path.posix.resolve(WORKSPACE, p)
}

function insidePath(p: string): string {
  if (typeof p !== 'string' || p === '') throw invalid('path', 'must be a non-empty string')
  return resolveInside(p)
}

/** Spec files are written by the host before the sandbox starts, so no symlink can be in the way yet. */
async function writeSpecFiles(workspace: string, files: Record<string, string | Uint8Array>) {
  for (const [name, content] of Object.entries(files)) {
    const rel = path.posix.normalize(name)
    if (
      name === '' ||
      path.posix.isAbsolute(name) ||
      rel === '..' ||
      rel.startsWith('../') ||
      rel === '.' ||
      name.includes('\0')
    ) {
      throw invalid(`sandbox.files.${name}`, 'must be a relative path inside the workspace')
    }
    const target = path.join(workspace, rel)
    await mkdir(path.dirname(target), { recursive: true })
    await writeFile(target, content)
  }
}

/** The sandbox's /etc: a user table naming uid 0, loopback names, and nothing from the host. */
async function writeEtc(etc: string) {
  await mkdir(etc)
  await writeFile(path.join(etc, 'passwd'), 'root:x:0:0:sandbox:/workspace:/bin/sh\n')
  await writeFile(path.join(etc, 'group'), 'root:x:0:\n')
  await writeFile(path.join(etc, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n')
  await writeFile(path.join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n')
  // Mount points for the host entries bound over them (bwrap cannot create them in a read-only bind).
  for (const entry of HOST_ETC) {
    const stat = await lstat(`/etc/${entry}`).catch(() => undefined)
    if (!stat) continue
    if (stat.isDirectory()) await mkdir(path.join(etc, entry))
    else await writeFile(path.join(etc, entry), '')
  }
}

/** bwrap runs as the sandbox uid and must reach the sandbox directory by its path. */
async function assertSearchable(dir: string, uid: number) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await stat(d)
    const searchable = st.uid === uid ? st.mode & 0o100 : st.mode & 0o001
    if (!searchable) {
      throw new AppError(ErrorCodes.EW_NOT_CONFIGURED, {
        detail:
          `The sandbox runs as host uid ${uid}, which cannot enter ${d} on the way to the sandbox ` +
          `directory ${dir}. Choose a tempDir every user can search, or chmod o+x ${d}.`,
      })
    }
    if (d === path.dirname(d)) return
  }
}

async function chownTree(dir: string, uid: number, gid: number) {
  await chown(dir, uid, gid)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) await chownTree(p, uid, gid)
    else await chown(p, uid, gid)
  }
}

/** Removes a sandbox directory, also where the sandbox left directories without permissions. */
async function removeTree(dir: string) {
  try {
    await rm(dir, { recursive: true, force: true })
  } catch {
    await makeWritable(dir)
    await rm(dir, { recursive: true, force: true })
  }
}

async function makeWritable(dir: string) {
  await chmod(dir, 0o700).catch(() => {})
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    if (entry.isDirectory()) await makeWritable(path.join(dir, entry.name))
  }
}

async function findPrograms(searchPath: string) {
  const found: Partial<Record<(typeof REQUIRED_PROGRAMS)[number], string>> = {}
  for (const name of REQUIRED_PROGRAMS) {
    for (const dir of searchPath.split(':').filter(Boolean)) {
      const candidate = path.join(dir, name)
      if (
        await access(candidate, fsConstants.X_OK).then(
          () => true,
          () => false,
        )
      ) {
        found[name] = candidate
        break
      }
    }
    if (!found[name]) throw missingProgram(name, searchPath)
  }
  return found as Record<(typeof REQUIRED_PROGRAMS)[number], string>
}

function missingProgram(name: string, searchPath: string): AppError {
  const pkg = name === 'bwrap' ? 'bubblewrap' : 'util-linux'
  return new AppError(ErrorCodes.EW_NOT_CONFIGURED, {
    detail:
      `The bwrap sandbox needs the program \`${name}\` (package ${pkg}), which is not in ${searchPath}. ` +
      `Install it (Debian/Ubuntu: apt-get install ${pkg}; Fedora: dnf install ${pkg}) ` +
      'or choose another sandbox provider.',
  })
}

function bwrapFailed(stderr: string, code: number | null, signal: string | null): AppError {
  const reason = stderr.trim() || `exit ${code ?? signal}`
  const userns = /namespace|uid map|setting up uid|Operation not permitted|No permissions/i.test(
    stderr,
  )
  return new AppError(ErrorCodes.EW_UNAVAILABLE, {
    detail: userns
      ? `bubblewrap could not create the sandbox's namespaces (${reason}). Unprivileged user ` +
        'namespaces must be allowed: sysctl kernel.unprivileged_userns_clone=1, and on Ubuntu 24.04+ ' +
        'kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap.'
      : `bubblewrap could not start the sandbox: ${reason}`,
  })
}

async function waitUntilDead(pid: number, maxMs = 10_000) {
  for (let waited = 0; waited < maxMs; waited += 10) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    if (state === '' || state === 'Z' || state === 'X') return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL') {
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}

function tail(text: string, max = 2000): string {
  const t = text.trim()
  return t.length > max ? `…${t.slice(-max)}` : t || '(no output)'
}

interface RunOptions {
  env: Record<string, string>
  input: string | Uint8Array | undefined
  timeoutMs: number
  outputLimitBytes: number
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
class Capped {
  readonly #limit: number
  readonly #chunks: Buffer[] = []
  #kept = 0
  truncated = false

  constructor(limit: number) {
    this.#limit = limit
  }

  push(chunk: Buffer) {
    const room = this.#limit - this.#kept
    if (room <= 0) {
      this.truncated ||= chunk.length > 0
      return
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (part.length < chunk.length) this.truncated = true
    this.#chunks.push(part)
    this.#kept += part.length
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8')
  }
}

/**
 * Spawns a process in a session of its own and kills its whole process group at the time
 * limit; the command's children inside the sandbox stay in that group (nsenter forks them).
 */
function runProcess(file: string, args: string[], opts: RunOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    })
    const stdout = new Capped(opts.outputLimitBytes)
    const stderr = new Capped(opts.outputLimitBytes)
    let timedOut = false
    child.stdout?.on('data', (b: Buffer) => stdout.push(b))
    child.stderr?.on('data', (b: Buffer) => stderr.push(b))
    if (opts.input !== undefined && child.stdin) {
      // A command that exits without reading its input closes the pipe; that is not our error.
      child.stdin.on('error', () => {})
      child.stdin.end(opts.input)
    }
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined) killQuietly(-child.pid)
    }, opts.timeoutMs)
    let drain: NodeJS.Timeout | undefined
    child.once('exit', () => {
      clearTimeout(timer)
      // A service started in the background keeps our pipes open; do not wait for it.
      drain = setTimeout(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
      }, DRAIN_AFTER_EXIT_MS)
    })
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (drain) clearTimeout(drain)
      const signalNumber = signal ? (os.constants.signals[signal] ?? 0) : 0
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: code ?? 128 + signalNumber,
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
      })
    })
  })
}
