// Placeholder: the CLI lands with the foundation.
console.log('gatehouse');
