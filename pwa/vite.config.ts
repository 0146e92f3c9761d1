import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { englishApart } from "./scripts/english-apart";

// Compressed copies of every text file in dist/ (file.br, file.gz), made once at build time at the highest levels;
// the API sends the smallest one the browser accepts (api/app.py). Brotli 11 takes the JS bundle from 338 KB to
// about 80 KB (gzip -9: 97 KB). Runs after the service worker is written, so sw.js is compressed too.
function precompress(): Plugin {
  const text = /\.(js|css|html|webmanifest|svg|json|txt)$/;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: "openccus-precompress",
    apply: "build",
    closeBundle: {
      sequential: true,
      order: "post",
      handler() {
        for (const file of walk("dist").filter((f) => text.test(f))) {
          const data = readFileSync(file);
          writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
          writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
        }
      },
    },
  };
}

// The API serves dist/ at "/" (api/app.py): real files as they are, every other path falls back to index.html,
// and index.html, sw.js and manifest.webmanifest are sent with Cache-Control: no-cache.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, target: "es2020", sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  plugins: [
    englishApart(fileURLToPath(new URL("./src", import.meta.url))),
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
        // Precached at install: the shell and what a technician and a kiosk need offline after one visit. Every other
        // view is its own chunk (src/main.ts `views`), fetched when first shown or, after login, in the background
        // for the logged-in role, and kept by the runtime cache below. So a technician's first load does not carry
        // the firm portal and the operator console (issue 19.8: under 100 KB transferred).
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"],
        // Left out: the firm portal's and the operator console's own pages (fetched when used, or after login).
        globIgnores: [
          "assets/{sites,firm,keishin,reports,kentaikyo,review,batches,payments,kpi,mail,business-register}-*.{js,css}",
        ],
        runtimeCaching: [
          {
            urlPattern: ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/assets/"),
            handler: "CacheFirst", // hashed names: a file never changes under its name
            options: { cacheName: "openccus-views", expiration: { maxEntries: 120 } },
          },
        ],
        navigateFallback: "/index.html",
        // API calls (JSON and images) always go to the network; they are never answered from the cache.
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
    precompress(),
  ],
});
