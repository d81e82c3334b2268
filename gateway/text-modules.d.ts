// Text files bundled as strings (esbuild `loader: { '.yaml': 'text', '.sql': 'text' }`; tests register the same
// with scripts/register-text-loaders.cjs).
declare module '*.yaml' {
  const text: string;
  export default text;
}

declare module '*.sql' {
  const text: string;
  export default text;
}
