import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

// The API serves dist/ at "/" (api/app.py): real files as they are, every other path falls back to index.html,
// and index.html, sw.js and manifest.webmanifest are sent with Cache-Control: no-cache.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, target: "es2020", sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  plugins: [
    VitePWA({
      registerType: "autoUpdate",
      injectRegister: null, // registered in src/main.ts through virtual:pwa-register
      filename: "sw.js",
      manifestFilename: "manifest.webmanifest",
      includeAssets: ["icons/favicon-64.png", "icons/apple-touch-icon.png"],
      manifest: {
        id: "/",
        name: "OpenCCUS 建設キャリアアップシステム",
        short_name: "OpenCCUS",
        description: "建設技能者の登録・就業履歴・事業者ポータル・運営審査 (OpenCCUS)",
        lang: "ja",
        dir: "ltr",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "any",
        background_color: "#ffffff",
        theme_color: "#0b4f8a",
        categories: ["business", "productivity"],
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        // The app shell: everything the build emits is precached, so the app starts offline after one visit.
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"],
        navigateFallback: "/index.html",
        // API calls (JSON and images) always go to the network; they are never answered from the cache.
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
});
