// Text files bundled as strings (esbuild `loader: { '.yaml': 'text' }`; tests register the same
// with scripts/register-text-loaders.cjs).
declare module '*.yaml' {
  const text: string;
  export default text;
}
