// Modules made by the build (vite.config.ts plugins).
declare module "virtual:messages-en" {
  const messages: Record<string, string>;
  export default messages;
}
