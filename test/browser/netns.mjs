// Runs a command inside a network namespace made for the run (as root):
// Chromium never uses 127.0.0.1 for WebRTC, so the namespace gets a veth pair
// with addresses of its own (10.77.0.1-2) and a default route between them for
// ICE; tab-to-tab traffic never leaves it (the namespace has no link out).
// Without root (a developer's machine), or with MESHCACHE_NETNS=0, the command
// runs as it is.   usage: node test/browser/netns.mjs <command> [args...]
import { spawn, spawnSync } from 'node:child_process'

const [command, ...args] = process.argv.slice(2)
const ns = `meshcache-${process.pid}`
const canNamespace = process.getuid?.() === 0 && process.env.MESHCACHE_NETNS !== '0' &&
  spawnSync('ip', ['netns', 'list']).status === 0

function ip (...argv) {
  const result = spawnSync('ip', argv, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) throw new Error(`ip ${argv.join(' ')} failed`)
}

let argv = [command, args]
if (canNamespace) {
  ip('netns', 'add', ns)
  ip('-n', ns, 'link', 'set', 'lo', 'up')
  ip('-n', ns, 'link', 'add', 'mc0', 'type', 'veth', 'peer', 'name', 'mc1')
  ip('-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'mc0')
  ip('-n', ns, 'addr', 'add', '10.77.0.2/24', 'dev', 'mc1')
  ip('-n', ns, 'link', 'set', 'mc0', 'up')
  ip('-n', ns, 'link', 'set', 'mc1', 'up')
  // Chromium gathers no ICE candidates without a default route. This one
  // points at the pair's other end, inside the namespace: nothing leaves it.
  ip('-n', ns, 'route', 'add', 'default', 'via', '10.77.0.2', 'dev', 'mc0')
  argv = ['ip', ['netns', 'exec', ns, command, ...args]]
}

const cleanup = () => { if (canNamespace) spawnSync('ip', ['netns', 'del', ns]) }
const child = spawn(argv[0], argv[1], { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => {
  cleanup()
  process.exit(code ?? (signal != null ? 1 : 0))
})
