import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { isAppError } from '../../platform/errors.ts'
import { BwrapProvider, type BwrapSandbox, bwrapProvider } from './bwrap.ts'
import { withSandbox } from './sandbox.ts'

/** The sandbox runs as `nobody` when the tests run as root, so its directory must be searchable. */
async function searchableTemp(parent: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(parent, prefix))
  await chmod(dir, 0o711)
  return dir
}

/** Host pids of a process's descendants, from /proc/PID/task/TID/children. */
function descendants(pid: number): number[] {
  const out: number[] = []
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim()
    for (const kid of kids ? kids.split(' ').map(Number) : []) out.push(kid, ...descendants(kid))
  }
  return out
}

/** Alive and not a zombie waiting for a parent outside the sandbox to reap it. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return false
  }
}

const hasBwrap = existsSync('/usr/bin/bwrap') || existsSync('/usr/local/bin/bwrap')
const skip = hasBwrap ? false : 'bubblewrap is not installed (apt-get install bubblewrap)'

describe('bwrap sandbox', { skip }, () => {
  let tempDir: string
  let provider: BwrapProvider

  before(async () => {
    tempDir = await searchableTemp(os.tmpdir(), 'ew-sandbox-test-')
    provider = new BwrapProvider({ tempDir })
  })
  after(async () => {
    await rm(tempDir, { recursive: true, force: true })
  })

  test('runs commands on the spec files, with input, cwd and env', async () => {
    await withSandbox(
      provider,
      {
        files: {
          'src/hello.py': 'import sys, os\nprint(sys.stdin.read().upper(), os.environ["WHO"])\n',
        },
      },
      async (sb) => {
        const r = await sb.exec(['python3', 'hello.py'], {
          cwd: 'src',
          input: 'hi',
          env: { WHO: 'there' },
        })
        assert.deepEqual(r, {
          stdout: 'HI there\n',
          stderr: '',
          exitCode: 0,
          timedOut: false,
          truncated: false,
        })
        const failed = await sb.exec(['sh', '-c', 'echo oops >&2; exit 3'])
        assert.equal(failed.exitCode, 3)
        assert.equal(failed.stderr, 'oops\n')
      },
    )
  })

  test('has no network: a port open on the host loopback is unreachable and DNS fails', async (t) => {
    let connections = 0
    const server = net.createServer((socket) => {
      connections++
      socket.end('hello from the host\n')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => server.close())
    const port = (server.address() as net.AddressInfo).port
    // The same port is reachable from here, so a failure inside is the sandbox's doing.
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end()
        resolve()
      })
      c.on('error', reject)
    })
    assert.equal(connections, 1)

    await withSandbox(provider, {}, async (sb) => {
      const tcp = await sb.exec([
        'python3',
        '-c',
        `import socket\ntry:\n  socket.create_connection(("127.0.0.1", ${port}), timeout=5)\n  print("connected")\nexcept OSError as e:\n  print("failed", type(e).__name__)`,
      ])
      assert.match(tcp.stdout, /^failed ConnectionRefusedError/)
      const dns = await sb.exec([
        'python3',
        '-c',
        'import socket\ntry:\n  print(socket.getaddrinfo("example.com", 443))\nexcept OSError as e:\n  print("failed", type(e).__name__)',
      ])
      assert.match(dns.stdout, /^failed gaierror/)
      const links = await sb.exec(['cat', '/proc/net/dev'])
      const interfaces = links.stdout
        .split('\n')
        .slice(2)
        .map((l) => l.split(':')[0]?.trim())
        .filter(Boolean)
      assert.deepEqual(interfaces, ['lo'])
    })
    assert.equal(connections, 1, 'nothing inside the sandbox reached the host port')
  })

  test('cannot write outside its workspace: not /etc, /usr, the host tmp or the repository', async () => {
    const hostTmpMarker = path.join(os.tmpdir(), `ew-escape-${process.pid}-${Date.now()}`)
    const repoMarker = path.join(process.cwd(), `ew-escape-${process.pid}`)
    await withSandbox(provider, {}, async (sb) => {
      // The host's temp directory and the repository do not exist inside; /tmp is private.
      const ws = (sb as BwrapSandbox).workspaceHostPath!
      const hostSandboxDir = path.join(path.dirname(ws), 'escape')
      for (const target of ['/etc/escape', '/usr/escape', '/escape', repoMarker, hostSandboxDir]) {
        const r = await sb.exec(['sh', '-c', 'echo x > "$1"', 'sh', target])
        assert.notEqual(r.exitCode, 0, `writing ${target} must fail`)
      }
      const ok = await sb.exec([
        'sh',
        '-c',
        'echo kept > inside.txt && echo x > "$1"',
        'sh',
        hostTmpMarker,
      ])
      assert.equal(ok.exitCode, 0)
      assert.ok(existsSync(path.join(ws, 'inside.txt')), 'the workspace is writable')
      // /tmp inside is private: the same name on the host stays absent.
      const leaked = await sb.exec([
        'sh',
        '-c',
        'echo x > "$1" && echo wrote',
        'sh',
        '/tmp/ew-private',
      ])
      assert.equal(leaked.stdout, 'wrote\n')
    })
    assert.equal(existsSync(hostTmpMarker), false, 'the sandbox /tmp is not the host one')
    assert.equal(existsSync(repoMarker), false)
    assert.equal(existsSync('/tmp/ew-private'), false)
    assert.equal(existsSync('/etc/escape'), false)
  })

  test('file access goes through the sandbox, so a symlink cannot reach host files', async () => {
    await withSandbox(provider, {}, async (sb) => {
      await sb.writeFile('notes/a.txt', 'one\ntwo\n')
      assert.equal(await sb.readFile('notes/a.txt'), 'one\ntwo\n')
      assert.equal(await sb.readFile('/workspace/notes/a.txt'), 'one\ntwo\n')
      await sb.exec(['ln', '-s', '/etc/passwd', 'link'])
      // The sandbox's own /etc/passwd (one line), not the host's.
      assert.equal(await sb.readFile('link'), 'root:x:0:0:sandbox:/workspace:/bin/sh\n')
      await assert.rejects(sb.readFile('missing.txt'), (err) => isAppError(err, 'EW_NOT_FOUND'))
      await assert.rejects(sb.writeFile('/usr/x', 'no'), (err) => isAppError(err, 'EW_BAD_REQUEST'))
    })
  })

  test('a service started in setup stays up for later commands on loopback', async () => {
    const server = [
      'import http.server',
      'class H(http.server.BaseHTTPRequestHandler):',
      '    def do_GET(self):',
      '        self.send_response(200); self.end_headers(); self.wfile.write(b"state kept")',
      '    def log_message(self, *a): pass',
      'http.server.HTTPServer(("127.0.0.1", 8080), H).serve_forever()',
    ].join('\n')
    await withSandbox(
      provider,
      {
        files: { 'server.py': server },
        setup:
          'python3 server.py >/tmp/server.log 2>&1 &\n' +
          'for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1',
      },
      async (sb) => {
        for (let i = 0; i < 2; i++) {
          const r = await sb.exec(['curl', '-s', 'http://127.0.0.1:8080/'])
          assert.equal(r.stdout, 'state kept')
        }
        await sb.exec(['sh', '-c', 'echo 1 > counter'])
        assert.equal((await sb.exec(['cat', 'counter'])).stdout, '1\n')
      },
    )
  })

  test('commands run without capabilities; setup keeps the namespace ones', async () => {
    await withSandbox(
      provider,
      { setup: 'grep CapEff /proc/self/status > /tmp/setup-caps' },
      async (sb) => {
        const setupCaps = (await sb.exec(['cat', '/tmp/setup-caps'])).stdout
        assert.doesNotMatch(setupCaps, /CapEff:\s+0+\n/)
        const caps = await sb.exec(['grep', 'CapEff', '/proc/self/status'])
        assert.match(caps.stdout, /CapEff:\s+0+\n/)
        const mount = await sb.exec(['mount', '-t', 'tmpfs', 'none', '/tmp'])
        assert.notEqual(mount.exitCode, 0)
        const nested = await sb.exec(['unshare', '--user', '--map-root-user', 'true'])
        assert.notEqual(
          nested.exitCode,
          0,
          'no nested user namespace (it would give capabilities back)',
        )
      },
    )
  })

  test('gcc, python3 and the usual tools are reachable inside', async () => {
    await withSandbox(
      provider,
      { files: { 'm.c': '#include <stdio.h>\nint main(void){puts("built");return 0;}\n' } },
      async (sb) => {
        const build = await sb.exec(['gcc', '-o', 'm', 'm.c'])
        assert.equal(build.exitCode, 0, build.stderr)
        assert.equal((await sb.exec(['./m'])).stdout, 'built\n')
      },
    )
  })

  test('nothing inside can end the sandbox, and orphaned processes are reaped', async () => {
    await withSandbox(provider, {}, async (sb) => {
      await sb.exec(['sh', '-c', 'kill -9 -1; pkill -9 sleep; kill -9 1'])
      const after = await sb.exec(['echo', 'still here'])
      assert.equal(after.stdout, 'still here\n')
      // Twenty short-lived orphans: their parent exits at once, pid 1 adopts and reaps them.
      await sb.exec(['sh', '-c', 'for i in $(seq 20); do (sleep 0.2 &) ; done'])
      const ps = await sb.exec([
        'sh',
        '-c',
        'for i in $(seq 50); do n=$(ps -eo stat= | grep -c "^Z"); [ "$n" = 0 ] && ! pgrep -x -f "sleep 0.2" >/dev/null && break; sleep 0.2; done; ps -eo stat=,args=',
      ])
      assert.doesNotMatch(ps.stdout, /^Z/m, `zombies left:\n${ps.stdout}`)
    })
  })

  describe('limits', () => {
    test('an infinite loop is killed at the wall-time limit, with its whole process group', async () => {
      await withSandbox(provider, {}, async (sb) => {
        const r = await sb.exec(
          ['sh', '-c', ': spin; (while :; do :; done) & while :; do :; done'],
          {
            timeoutMs: 300,
          },
        )
        assert.equal(r.timedOut, true)
        assert.equal(r.exitCode, 137)
        const ps = await sb.exec(['ps', '-eo', 'args'])
        assert.doesNotMatch(ps.stdout, /: spin/)
      })
    })

    test('a CPU-bound process is stopped by the CPU-time limit', async () => {
      await withSandbox(provider, { limits: { cpuSeconds: 1 } }, async (sb) => {
        const r = await sb.exec(['python3', '-c', 'while True: pass'], { timeoutMs: 120_000 })
        assert.equal(r.timedOut, false)
        assert.equal(r.exitCode, 128 + os.constants.signals.SIGXCPU)
      })
    })

    test('a memory hog cannot get more than the memory limit', async () => {
      await withSandbox(provider, { limits: { memoryMb: 256 } }, async (sb) => {
        const r = await sb.exec([
          'python3',
          '-c',
          'b = bytearray(1024 * 1024 * 1024)\nprint("got it")',
        ])
        assert.notEqual(r.exitCode, 0)
        assert.match(r.stderr, /MemoryError/)
        assert.equal(r.stdout, '')
      })
    })

    test('the process count is bounded and a fork bomb does not take the sandbox down', async () => {
      await withSandbox(provider, { limits: { maxProcesses: 24 } }, async (sb) => {
        const spawnMany = [
          'import subprocess',
          'started = []',
          'for i in range(100):',
          '    try: started.append(subprocess.Popen(["sleep", "30"]))',
          '    except OSError: break',
          'print(len(started))',
          'for p in started: p.kill()',
        ].join('\n')
        const r = await sb.exec(['python3', '-c', spawnMany])
        const started = Number(r.stdout.trim())
        assert.ok(started > 0 && started < 24, `started ${started} of 100`)

        const bomb = await sb.exec(
          ['bash', '-c', 'bomb() { bomb | bomb & }; bomb; exec sleep 600'],
          {
            timeoutMs: 1500,
          },
        )
        assert.equal(bomb.timedOut, true)
        assert.match(bomb.stderr, /fork: (retry: )?Resource temporarily unavailable/)
        const after = await sb.exec(['sh', '-c', 'ps -e --no-headers | wc -l'])
        assert.equal(after.exitCode, 0, 'the sandbox still runs commands after the bomb')
        assert.ok(Number(after.stdout.trim()) < 10, `left ${after.stdout.trim()} processes`)
      })
    })

    test('output beyond the limit is dropped and flagged', async () => {
      const small = new BwrapProvider({ tempDir, outputLimitBytes: 1000 })
      await withSandbox(small, {}, async (sb) => {
        const r = await sb.exec(['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" a; echo done >&2'])
        assert.equal(r.stdout.length, 1000)
        assert.equal(r.truncated, true)
        assert.equal(r.stderr, 'done\n')
      })
    })
  })

  describe('cleanup', () => {
    test('close kills every process and removes the workspace, and is idempotent', async () => {
      const sb = await provider.create({ setup: 'sleep 1000 >/dev/null 2>&1 &' })
      const ws = sb.workspaceHostPath!
      const pids = [sb.initPid, ...descendants(sb.initPid)]
      assert.ok(pids.length >= 3, 'init, its sleeper and the service started in setup')
      assert.ok(existsSync(ws))
      await sb.close()
      await sb.close()
      assert.equal(existsSync(ws), false)
      assert.deepEqual(pids.filter(running), [])
      await assert.rejects(sb.exec(['true']), (err) => isAppError(err, 'EW_INVALID_TRANSITION'))
    })

    test('a failing setup is reported with its output and leaves nothing behind', async () => {
      const dir = await searchableTemp(tempDir, 'setup-')
      const p = new BwrapProvider({ tempDir: dir })
      await assert.rejects(p.create({ setup: 'echo "no such tool" >&2; exit 4' }), (err) => {
        assert.ok(isAppError(err, 'EW_BAD_REQUEST'))
        assert.match(err.detail, /exited with 4: no such tool/)
        return true
      })
      assert.deepEqual(readdirSync(dir), [])
    })

    test('a setup that hangs is killed at the wall-time limit and cleaned up', async () => {
      const dir = await searchableTemp(tempDir, 'hang-')
      const p = new BwrapProvider({ tempDir: dir })
      await assert.rejects(
        p.create({ setup: 'sleep 1000', limits: { wallTimeMs: 300 } }),
        (err) => isAppError(err, 'EW_BAD_REQUEST') && /within 300 ms/.test(err.detail),
      )
      assert.deepEqual(readdirSync(dir), [])
    })
  })

  test('bad specs and commands are refused with the field named', async () => {
    await assert.rejects(
      provider.create({ files: { '../x': 'no' } }),
      (err) => isAppError(err, 'EW_VALIDATION') && /sandbox\.files\.\.\.\/x/.test(err.detail),
    )
    await assert.rejects(
      provider.create({ limits: { memoryMb: -1 } }),
      (err) => isAppError(err, 'EW_VALIDATION') && /sandbox\.limits\.memoryMb/.test(err.detail),
    )
    await assert.rejects(
      provider.create({ network: true } as unknown as { network: false }),
      (err) => isAppError(err, 'EW_VALIDATION') && /sandbox\.network/.test(err.detail),
    )
  })
})

test('a missing bubblewrap is a clear error naming the program and how to install it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ew-nobwrap-'))
  try {
    const p = bwrapProvider({ searchPath: dir, tempDir: dir })
    await assert.rejects(p.create({}), (err) => {
      assert.ok(isAppError(err, 'EW_NOT_CONFIGURED'))
      assert.match(err.detail, /`bwrap` \(package bubblewrap\)/)
      assert.match(err.detail, /apt-get install bubblewrap/)
      return true
    })
    assert.deepEqual(readdirSync(dir), [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
