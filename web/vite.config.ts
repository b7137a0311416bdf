/** Builds the web UI into web/dist, which the earlywatch server serves (with a fallback to index.html for client routes). */
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
/** Where `npm run dev` (the API server) listens; `vite --config web/vite.config.ts` proxies to it. */
const apiTarget = process.env.EARLYWATCH_API_URL ?? 'http://localhost:8080'

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // USWDS fonts and icons are files, never data: URLs inlined into CSS or scripts.
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app: separate chunks stay cached across releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            {
              name: 'charts',
              test: /node_modules[\\/](recharts|d3-[a-z-]+|victory-vendor|@reduxjs|redux|react-redux|immer|reselect|decimal\.js-light|es-toolkit|eventemitter3)[\\/]/,
            },
            { name: 'vendor', test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': apiTarget,
      // The tlog-tiles paths, but not the /log-explorer page.
      '^/log/': apiTarget,
      '/readyz': apiTarget,
    },
  },
})
