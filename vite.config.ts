import { defineConfig } from 'vite'

/**
 * Builds the browser library bundle (ESM) into dist/bundle/: the browser entry
 * with its dependencies, for pages that load meshcache without a bundler.
 * Apps that bundle meshcache themselves get the browser build through the
 * package's `browser` export condition instead.
 */
export default defineConfig({
  build: {
    outDir: 'dist/bundle',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: 'browser/index.ts',
      formats: ['es'],
      fileName: 'meshcache'
    }
  }
})
