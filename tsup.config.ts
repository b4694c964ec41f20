import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/oauth2.ts', 'src/storage.ts', 'src/cross-tab.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  minify: false,
  treeshake: true,
  target: 'es2020',
  external: ['axios', 'jwt-decode'],
});
