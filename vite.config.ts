import { resolve } from 'node:path'
import { defineConfig } from 'vite'

/**
 * `vite build`: the browser library bundle (ESM) into dist/bundle/, for pages
 * that load meshcache without a bundler (apps that bundle it themselves get
 * the browser build through the package's `browser` export condition).
 * `vite build --mode demo`: the browser-tabs demo app into dist/demo/.
 */
export default defineConfig(({ mode }) => mode === 'demo'
  ? {
      root: resolve(import.meta.dirname, 'examples/browser-tabs'),
      base: './',
      build: { outDir: resolve(import.meta.dirname, 'dist/demo'), emptyOutDir: true, target: 'es2022' }
    }
  : {
      build: {
        outDir: 'dist/bundle',
        emptyOutDir: true,
        target: 'es2022',
        sourcemap: true,
        lib: { entry: 'browser/index.ts', formats: ['es'], fileName: 'meshcache' }
      }
    })
