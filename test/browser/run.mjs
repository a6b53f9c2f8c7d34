// Runs the Playwright tests inside a network namespace of their own (see netns.mjs).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const netns = fileURLToPath(new URL('./netns.mjs', import.meta.url))
const child = spawn(process.execPath, [netns, 'npx', 'playwright', 'test', ...process.argv.slice(2)], { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => { process.exit(code ?? 1) })
